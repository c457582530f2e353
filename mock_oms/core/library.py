"""A library: a consistent set of scenarios and the project IDs that serve them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches

from mock_oms.core.errors import Problem, ScenarioError
from mock_oms.core.scenario import Scenario

__all__ = ["Library", "assemble"]


@dataclass(frozen=True)
class Library:
    """A consistent set of scenarios and the project IDs that serve them."""

    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)  # extra project id -> scenario

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())

    def missing(self, name: str) -> str:
        """What to say of a scenario name the library does not have: a close one if any."""
        close = get_close_matches(name, list(self.scenarios), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        return f"no scenario named {name!r}{hint}"

    def with_scenario(self, scenario: Scenario) -> Library:
        """This library plus ``scenario`` (replacing one of the same name); checked as a set."""
        merged = {name: s for name, s in self.scenarios.items() if name != scenario.name}
        merged[scenario.name] = scenario
        return assemble(merged.values())


def assemble(scenarios: Iterable[Scenario]) -> Library:
    """A library from scenarios, refusing clashing names and project IDs."""
    by_name: dict[str, Scenario] = {}
    aliases: dict[str, str] = {}
    problems: list[Problem] = []
    for scenario in scenarios:
        if scenario.name in by_name:
            problems.append(
                Problem(
                    scenario.source,
                    None,
                    f"scenario name {scenario.name!r} is "
                    f"already used by {by_name[scenario.name].source}",
                )
            )
            continue
        by_name[scenario.name] = scenario
    for scenario in by_name.values():
        for pid in scenario.projects:
            owner = aliases.get(pid) or (pid if pid in by_name else None)
            if owner is not None:
                problems.append(
                    Problem(
                        scenario.source,
                        None,
                        f"project ID {pid!r} is already served by scenario {owner!r}",
                    )
                )
            else:
                aliases[pid] = scenario.name
    if problems:
        raise ScenarioError(problems)
    return Library(by_name, aliases)
