"""A case the robustness harness serves: a scenario and the faults its polls meet, or a
project that does not exist; and the conclusions a correct client may reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_oms.core.kinds import Kind
from mock_oms.strategies import FaultSpec, settled_outcomes, with_faults

__all__ = ["CASE_SCENARIO", "Case", "Outcome", "check_case"]

CASE_SCENARIO = "harness-case"
Outcome = str | None


@dataclass(frozen=True)
class Case:
    """What the harness serves to the client: a scenario, or a project that does not exist.

    ``faults``: what the project's successive polls meet (item N-1 is the Nth poll's
    fault, None a normal answer), as :func:`mock_oms.strategies.fault_sequences` draws
    them. They reach the server as the scenario's fault rules (:meth:`document`); a project
    that does not exist has none.
    """

    scenario: dict[str, Any]
    missing: bool = False
    faults: tuple[FaultSpec | None, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", tuple(self.faults))

    @property
    def kind(self) -> Kind:
        return Kind(self.scenario["kind"])

    def document(self) -> dict[str, Any]:
        """The scenario document the server plays: the scenario with its faults as rules."""
        return with_faults(self.scenario, self.faults)

    def truth(self) -> frozenset[Outcome]:
        """The conclusions a correct client may reach (faults change none of them)."""
        return frozenset({None}) if self.missing else settled_outcomes(self.scenario)


def check_case(case: Case) -> None:
    """Refuse a case the harness cannot play poll for poll."""
    timeline = case.scenario["timeline"]
    if any("seconds" in phase for phase in timeline[:-1]):
        raise ValueError("the harness plays phases counted in polls; this case has seconds")
    if case.missing and any(f is not None for f in case.faults):
        raise ValueError("faults are served as a scenario's rules; a missing project has none")
