"""The exposure space: every situation mock-oms can show a client, in each API it applies to,
derived from its tables and the loaded scenarios (never a list kept by hand).

- every project status (``lifecycle.Status``), V3 and V4;
- every legal status change: the lifecycle table's edges (``lifecycle.EDGES``) and every
  change a scenario scripts or a replay recorded, V3 and V4;
- every alert level (``lifecycle.Importance``), V3 and V4;
- every step status of the V4 step list (``steps.StepStatus``), V4;
- every kind of fault (``faults.model.KINDS``), V3 and V4;
- every error code the OMS endpoints answer with: the errors whose ``apis`` name the API
  (``errors.oms_errors``; UNAUTHORIZED only when the server requires credentials), the
  envelope of each status fault, and every code a scenario's fault or recording sends.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from mock_oms.core.errors import Unauthorized, oms_errors
from mock_oms.core.kinds import Api
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import EDGES, Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.coverage.elements import Category, Element, change_text, fault_kinds
from mock_oms.coverage.hints import Focus, Hint, hint_for, rank
from mock_oms.coverage.shows import Shows, library_shows

__all__ = ["Space", "SpaceCache", "space_of"]


@dataclass(frozen=True)
class Space:
    """The exposure space of one server, what its scenarios show, and a hint for each."""

    elements: tuple[Element, ...]
    shows: Shows
    hints: Mapping[Element, Hint]
    focus: Focus  # the order of scenarios among equal ways (hints.rank)

    def __contains__(self, element: object) -> bool:
        return element in self.hints


def _changes(shows: Shows) -> list[tuple[Status, Status]]:
    scripted = set()
    for element in shows:
        if element.category is Category.CHANGE:
            before, _, after = element.value.partition("->")
            scripted.add((Status(before), Status(after)))
    order = {s: i for i, s in enumerate(Status)}
    return sorted(EDGES | scripted, key=lambda e: (order[e[0]], order[e[1]]))


def _codes(api: Api, auth: bool, status_codes: Mapping[int, str], shows: Shows) -> list[str]:
    codes = [
        cls.code for cls in oms_errors() if api in cls.apis and (auth or cls is not Unauthorized)
    ]
    codes += [status_codes[status] for status in sorted(status_codes)]
    codes += sorted(e.value for e in shows if e.category is Category.CODE and e.api is api)
    return list(dict.fromkeys(codes))


def space_of(library: Library, *, auth: bool, status_codes: Mapping[int, str]) -> Space:
    """The exposure space of a server serving ``library`` (``auth``: whether it requires
    credentials; ``status_codes``: the code of the envelope each status fault sends)."""
    shows = library_shows(library, status_codes)
    changes = [change_text(a, b) for a, b in _changes(shows)]
    elements: list[Element] = []
    for api in Api:
        values: dict[Category, list[str]] = {
            Category.STATUS: [s.value for s in Status],
            Category.CHANGE: changes,
            Category.LEVEL: [i.value for i in Importance],
            Category.STEP: [s.value for s in StepStatus] if api is Api.V4 else [],
            Category.FAULT: list(fault_kinds()),
            Category.CODE: _codes(api, auth, status_codes, shows),
        }
        for category, listed in values.items():
            elements.extend(Element(api, category, value) for value in listed)
    focus = rank(library, shows)
    hints = {e: hint_for(e, shows, focus, status_codes) for e in elements}
    return Space(tuple(elements), shows, hints, focus)


class SpaceCache:
    """The space of the library a server serves now, made again when the library changes
    (an upload, a reload, a fresh reset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: tuple[Library, bool, Space] | None = None

    def get(self, library: Library, *, auth: bool, status_codes: Mapping[int, str]) -> Space:
        with self._lock:
            made = self._made
            if made is not None and made[0] is library and made[1] is auth:
                return made[2]
            space = space_of(library, auth=auth, status_codes=status_codes)
            self._made = (library, auth, space)
            return space
