"""What each scenario of a library can show a client, read from the scenario itself: the
phases its script reaches (by itself, or through the operator actions it foresees), the
V4 step tables the engine plays for them (``stepline``), the faults it declares, the
responses a replay recorded. This is what the engine serves when it plays the scenario; the
tests play every bundled scenario through a server and check that it agrees.

Each element comes with the :class:`Way` to it: the scenario, and the operator actions on
the way (none for what a scenario shows by itself).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from mock_oms.core import stepline
from mock_oms.core.kinds import Api
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import Action, Importance, Status, legal_actions
from mock_oms.core.scenario import Scenario, scripted_next
from mock_oms.core.steps import StepStatus, v4_steps
from mock_oms.coverage.elements import Category, Element, change_text
from mock_oms.faults.model import KINDS, Body, BusinessError, Fault, HttpStatus

__all__ = ["Shows", "Way", "fault_elements", "library_shows", "scenario_shows"]


class Way(NamedTuple):
    """How a scenario comes to show an element: the operator actions on the way, each with
    the status the project shows when it is taken (none: the scenario shows it by itself)."""

    scenario: str
    actions: tuple[tuple[Action, Status], ...] = ()


Shows = dict[Element, list[Way]]  # every way of the library to each element, best first


def _both(category: Category, value: str) -> Iterator[Element]:
    for api in Api:
        yield Element(api, category, value)


def _phase_elements(
    status: Status, level: Importance, steps: tuple[StepStatus, ...]
) -> Iterator[Element]:
    yield from _both(Category.STATUS, status.value)
    yield from _both(Category.LEVEL, level.value)
    for step in steps:
        yield Element(Api.V4, Category.STEP, step.value)


def fault_elements(fault: Fault, status_codes: Mapping[int, str]) -> Iterator[Element]:
    """What serving ``fault`` shows: its kind, and the code of the envelope it sends."""
    yield from _both(Category.FAULT, KINDS[type(fault)])
    if isinstance(fault, HttpStatus) and fault.body is Body.ENVELOPE:
        code = status_codes.get(fault.code)
        if code is not None:
            yield from _both(Category.CODE, code)
    elif isinstance(fault, BusinessError):
        yield from _both(Category.CODE, fault.code)


def _timeline(scenario: Scenario, status_codes: Mapping[int, str]) -> dict[Element, Way]:
    """A phase scenario: its phases from the first, through the next phase unless one only
    an action ends, and through each action the script foresees (fewest actions first)."""
    timeline = scenario.timeline
    tables = stepline.compile_plan(scenario).tables
    found: dict[Element, Way] = {}

    def note(elements: Iterator[Element], way: Way) -> None:
        for element in elements:
            found.setdefault(element, way)

    ways = {0: Way(scenario.name)}
    pending = [0]
    while pending:
        k = pending.pop(0)
        way, phase = ways[k], timeline[k]
        steps = tuple(dict.fromkeys(cell.status for cell in tables[k]))
        note(_phase_elements(phase.status, phase.importance, steps), way)
        moves: list[tuple[int, Way]] = []
        if not phase.waits and k + 1 < len(timeline):
            moves.append((k + 1, way))
        for action in legal_actions(phase.status):
            target = scripted_next(phase, timeline, action)
            if target is not None:
                moves.append((target, way._replace(actions=(*way.actions, (action, phase.status)))))
        for target, then in moves:
            after = timeline[target].status
            if after is not phase.status:
                note(_both(Category.CHANGE, change_text(phase.status, after)), then)
            if target not in ways:
                ways[target] = then
                pending.append(target)
    for rule in scenario.faults:
        way = ways.get(rule.phase, Way(scenario.name)) if rule.phase is not None else ways[0]
        if rule.phase is None or rule.phase in ways:
            note(fault_elements(rule.fault, status_codes), way)
    return found


def _recorded(scenario: Scenario, status_codes: Mapping[int, str]) -> dict[Element, Way]:
    """A replay: what its recorded responses show, in order."""
    recording = scenario.replay
    assert recording is not None
    way = Way(scenario.name)
    found: dict[Element, Way] = {}
    steps = v4_steps(scenario.kind, scenario.flags)
    before: Status | None = None
    for entry in recording.entries:
        source = recording.entries[entry.base] if entry.base is not None else entry
        document: Any = source.document
        elements: list[Element] = []
        if entry.fault is not None:
            elements.extend(fault_elements(entry.fault, status_codes))
        elif entry.status != 200:
            elements.extend(_both(Category.FAULT, KINDS[HttpStatus]))
        elif source.text is not None:
            elements.extend(_both(Category.FAULT, "not-json"))
        if isinstance(document, dict) and document.get("success") is False:
            code = document.get("code")
            if isinstance(code, str):
                elements.extend(_both(Category.CODE, code))
        data = document.get("data") if isinstance(document, dict) else None
        if isinstance(data, dict) and document.get("success") is True:
            status = _value(Status, data.get("status"))
            level = _value(Importance, data.get("importance"))
            if status is not None:
                elements.extend(_both(Category.STATUS, status.value))
                table = stepline.derive(steps, status, str(data.get("currentStep", "")))
                elements.extend(Element(Api.V4, Category.STEP, c.status.value) for c in table)
                if before is not None and before is not status:
                    elements.extend(_both(Category.CHANGE, change_text(before, status)))
                before = status
            if level is not None:
                elements.extend(_both(Category.LEVEL, level.value))
        for element in elements:
            found.setdefault(element, way)
    for rule in scenario.faults:
        for element in fault_elements(rule.fault, status_codes):
            found.setdefault(element, way)
    return found


def _value(enum: Any, raw: Any) -> Any:
    try:
        return enum(raw)
    except ValueError:
        return None


def scenario_shows(scenario: Scenario, status_codes: Mapping[int, str]) -> dict[Element, Way]:
    """Every element ``scenario`` can show, each with its way of fewest actions.
    ``status_codes``: the code of the envelope each HTTP status of a status fault sends."""
    if scenario.replay is not None:
        return _recorded(scenario, status_codes)
    return _timeline(scenario, status_codes)


def library_shows(library: Library, status_codes: Mapping[int, str]) -> Shows:
    """Every element some scenario of ``library`` can show, with every way to it."""
    shows: Shows = {}
    for scenario in library:
        for element, way in scenario_shows(scenario, status_codes).items():
            shows.setdefault(element, []).append(way)
    return shows
