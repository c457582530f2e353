"""A coverage report: the journal's exposure counts laid over the exposure space.

Each counted key (``journal/exposure.py``) is split into the elements it showed: its status,
its alert level, its status change, each of its step statuses, its fault's kind, its error
code. An element's count is the number of responses that showed it; its first sighting the
earliest of them. Elements shown that are outside the space (a code only an injection sent,
a space made smaller by a reload) are reported apart and count in no percentage.

The hint of an element never shown names, where scenarios show it by themselves, one of the
fewest scenarios that together show every such element (greedily: the scenario showing
the most of those left first), so that the hints make a short list of scenarios to add.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mock_oms.core.kinds import Api
from mock_oms.coverage.elements import CATEGORIES, Category, Element
from mock_oms.coverage.hints import Hint, scenario_hint
from mock_oms.coverage.shows import Way
from mock_oms.coverage.space import Space
from mock_oms.faults.model import kind_of
from mock_oms.journal.exposure import Key, Tallies

__all__ = ["Line", "Report", "Seen", "Tally", "build", "elements_of"]


@dataclass(frozen=True, slots=True)
class Seen:
    """When and where an element was first shown."""

    time: float  # wall clock, Unix seconds
    scenario_time: float
    project_id: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One element: how often it was shown, first when; a hint when never."""

    element: Element
    count: int
    first: Seen | None
    hint: Hint | None = None


@dataclass(frozen=True, slots=True)
class Tally:
    """Shown and total elements of one category in one API."""

    api: Api
    category: Category
    shown: int
    total: int


@dataclass(frozen=True, slots=True)
class Report:
    project_id: str | None  # the one project reported on (None: every project)
    since: int | None  # the mark it counts from (None: from the start)
    mark: int  # the last mark set
    responses: int  # the responses counted in its scope
    folded: int  # of them, those counted without their project (beyond the bound)
    lines: tuple[Line, ...]  # every element of the space, in its order
    extra: tuple[Line, ...]  # elements shown outside the space

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def shown(self) -> int:
        return sum(1 for line in self.lines if line.count)

    @property
    def percent(self) -> float:
        return 100.0 * self.shown / self.total if self.total else 100.0

    def tallies(self) -> list[Tally]:
        """Shown and total per API and category, those with no element left out."""
        out: list[Tally] = []
        for api in Api:
            for category in CATEGORIES:
                mine = [
                    line
                    for line in self.lines
                    if line.element.api is api and line.element.category is category
                ]
                if mine:
                    shown = sum(1 for line in mine if line.count)
                    out.append(Tally(api, category, shown, len(mine)))
        return out


def elements_of(key: Key) -> Iterator[Element]:
    """The elements one counted key showed."""
    _, value, status, level, change, steps, fault, code = key
    api = Api(value)
    if status is not None:
        yield Element(api, Category.STATUS, status)
    if change is not None:
        yield Element(api, Category.CHANGE, f"{change[0]}->{change[1]}")
    if level is not None:
        yield Element(api, Category.LEVEL, level)
    for step in steps or ():
        yield Element(api, Category.STEP, step)
    if fault is not None:
        yield Element(api, Category.FAULT, kind_of(fault))
    if code is not None:
        yield Element(api, Category.CODE, code)


def _covers(space: Space, never: list[Element]) -> dict[Element, Hint]:
    """A hint naming one of the fewest scenarios that show, by themselves, every element
    of ``never`` that some scenario shows by itself."""
    shown_by: dict[str, set[Element]] = {}
    for element in never:
        for way in space.shows.get(element, ()):
            if not way.actions:
                shown_by.setdefault(way.scenario, set()).add(element)
    left = set().union(*shown_by.values()) if shown_by else set()
    chosen: dict[Element, Hint] = {}
    while left:
        name = min(
            shown_by,
            key=lambda n: (-len(shown_by[n] & left), *space.focus.get(n, (0, 0)), n),
        )
        got = shown_by.pop(name) & left
        hint = scenario_hint(Way(name))
        for element in got:
            chosen[element] = hint
        left -= got
    return chosen


def build(
    space: Space, tallies: Tallies, *, project_id: str | None = None, since: int | None = None
) -> Report:
    """The report of ``tallies`` (counted in the scope of ``project_id`` and ``since``)."""
    counts: dict[Element, int] = {}
    first: dict[Element, Seen] = {}
    for key, tally in tallies.keys.items():
        for element in elements_of(key):
            counts[element] = counts.get(element, 0) + tally.seen
            seen = first.get(element)
            if seen is None or tally.time < seen.time:
                first[element] = Seen(tally.time, tally.scenario_time, key[0])
    covers = _covers(space, [e for e in space.elements if e not in counts])
    lines = tuple(
        Line(
            e,
            counts.get(e, 0),
            first.get(e),
            None if e in counts else covers.get(e) or space.hints[e],
        )
        for e in space.elements
    )
    extra = tuple(
        Line(e, counts[e], first[e]) for e in sorted(counts, key=lambda e: e.key) if e not in space
    )
    return Report(project_id, since, tallies.mark, tallies.responses, tallies.folded, lines, extra)
