"""What would show an element a client was never shown: a scenario of the library (read by
``shows.py``), with the operator actions on the way if it takes some; else a fault to
inject; else what a client does to be answered with an error code.

A scenario that shows the element by itself comes first, then the one needing the fewest
actions; among equals, for a status, a level, a change or a step the scenario with the
fewest kinds of fault (a plain story rather than a flaky one), for a fault or a code the
one that declares the fewest (the most to the point), then a timeline before a replay, then
the name. Where no scenario's script reaches a status or a change, the lifecycle table
says which operator action does, from a status some scenario shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_oms.core.errors import oms_errors
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import ACTIONS, AUTOMATIC, Action, Status, legal_actions
from mock_oms.coverage.elements import Category, Element
from mock_oms.coverage.shows import Shows, Way
from mock_oms.faults.model import GATEWAY_STATUSES

__all__ = ["FAULT_EXAMPLES", "Focus", "Hint", "flow", "hint_for", "rank", "scenario_hint"]

# A fault of each kind, as `mock-oms ctl fault add` and POST /_mock/faults take it.
FAULT_EXAMPLES: dict[str, Any] = {
    "status": {"status": 503},
    "latency": {"latency": [1, 2]},
    "hang": {"hang": 5},
    "close": "close",
    "reset": "reset",
    "truncate": "truncate",
    "not-json": "not-json",
    "content-type": "content-type",
    "error": {"error": {"code": "INNER_ERROR"}},
    "deviation": {"deviation": {"field": "data.status", "change": "missing"}},
}


@dataclass(frozen=True, slots=True)
class Hint:
    """What would show an element: ``text`` for people; the parts for tools."""

    text: str
    scenario: str | None = None  # the scenario that shows it (poll its name, or NAME~x)
    actions: tuple[tuple[Action, Status], ...] = ()  # each taken when the project shows STATUS
    scripted: bool = True  # whether the scenario foresees the actions
    fault: Any = None  # a fault to inject into the project's polls
    trigger: str | None = None  # what a client does to be answered with it


def flow(value: Any) -> str:
    """A fault as YAML flow text, as a scenario or the command line writes it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, str) and value and all(c.isalnum() or c in "-_." for c in value):
        return value
    return json.dumps(value)


Focus = Mapping[str, tuple[int, int]]  # scenario -> its kinds of fault, 1 for a replay


def rank(library: Library, shows: Shows) -> dict[str, tuple[int, int]]:
    """Each scenario's kinds of fault (declared or recorded), and 1 for a replay: the
    second key of the order of ways."""
    kinds: dict[str, set[str]] = {s.name: set() for s in library}
    for element, ways in shows.items():
        if element.category is Category.FAULT:
            for way in ways:
                kinds.setdefault(way.scenario, set()).add(element.value)
    replays = {s.name for s in library if s.replay is not None}
    return {name: (len(found), int(name in replays)) for name, found in kinds.items()}


def _best(ways: list[Way], focus: Focus) -> Way:
    return min(ways, key=lambda w: (len(w.actions), *focus.get(w.scenario, (0, 0)), w.scenario))


def scenario_hint(way: Way, scripted: bool = True) -> Hint:
    """``scenario S``, and each action: as the script foresees it, or as an operator acts
    off the script (``mock-oms ctl act``, or the V4 action)."""
    text = f"scenario {way.scenario}"
    for action, status in way.actions:
        act = action.value if scripted else f"`mock-oms ctl act ID {action.value}`"
        text += f", then {act} when it shows {status.value}"
    return Hint(text, way.scenario, way.actions, scripted)


def _injection(fault: Any) -> Hint:
    shown = flow(fault)
    quoted = shown if all(c.isalnum() or c == "-" for c in shown) else f"'{shown}'"
    return Hint(f"inject: mock-oms ctl fault add {quoted} --project ID --count 1", fault=fault)


def _status_ways(shows: Shows, focus: Focus) -> dict[Status, Way]:
    """The way to each status: shown by a scenario, else reached from one by operator
    actions (and by what the service does by itself after them: RELEASING moves on)."""
    reached: dict[Status, Way] = {}
    for status in Status:
        found = [
            w
            for e, ws in shows.items()
            if e.category is Category.STATUS and e.value == status.value
            for w in ws
        ]
        if found:
            reached[status] = _best(found, focus)
    pending = list(reached)
    while pending:
        src = pending.pop(0)
        way = reached[src]
        moves = [
            (dst, way._replace(actions=(*way.actions, (action, src))))
            for (frm, action), dst in ACTIONS.items()
            if frm is src
        ]
        if not legal_actions(src):  # the service moves it on by itself
            moves += [(dst, way) for frm, dst in AUTOMATIC if frm is src]
        for dst, then in moves:
            if dst not in reached:
                reached[dst] = then
                pending.append(dst)
    return reached


def _change_hint(element: Element, shows: Shows, focus: Focus) -> Hint | None:
    before, _, after = element.value.partition("->")
    src, dst = Status(before), Status(after)
    way = _status_ways(shows, focus).get(src)
    if way is None:
        return None
    action = next((a for (frm, a), to in ACTIONS.items() if frm is src and to is dst), None)
    if action is not None:
        return scenario_hint(way._replace(actions=(*way.actions, (action, src))), False)
    if (src, dst) in AUTOMATIC and not legal_actions(src):
        return scenario_hint(way, False)
    return None


def _code_hint(code: str, status_codes: Mapping[int, str]) -> Hint:
    for cls in oms_errors():
        if cls.code == code and cls.trigger:
            return Hint(cls.trigger, trigger=cls.trigger)
    statuses = [status for status, named in sorted(status_codes.items()) if named == code]
    if statuses:
        status = statuses[0]  # a gateway status sends an HTML page unless told
        if status in GATEWAY_STATUSES:
            return _injection({"status": {"code": status, "body": "envelope"}})
        return _injection({"status": status})
    return _injection({"error": {"code": code}})


def hint_for(
    element: Element,
    shows: Shows,
    focus: Focus,
    status_codes: Mapping[int, str],
) -> Hint:
    """What would show ``element``."""
    ways = shows.get(element)
    if ways:
        return scenario_hint(_best(ways, focus))
    category = element.category
    if category is Category.STATUS:
        way = _status_ways(shows, focus).get(Status(element.value))
        if way is not None:
            return scenario_hint(way, False)
    elif category is Category.CHANGE:
        hint = _change_hint(element, shows, focus)
        if hint is not None:
            return hint
    elif category is Category.FAULT:
        return _injection(FAULT_EXAMPLES[element.value])
    elif category is Category.CODE:
        return _code_hint(element.value, status_codes)
    what = {
        Category.STATUS: f"a phase with status: {element.value}",
        Category.CHANGE: f"phases {element.value.replace('->', ' then ')}",
        Category.LEVEL: f"a phase with importance: {element.value}",
        Category.STEP: f"a phase whose steps: show a step {element.value}",
    }.get(category, element.value)
    return Hint(f"no loaded scenario shows it: write one with {what}")
