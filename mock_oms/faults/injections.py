"""Faults injected at run time through the control API: what is injected, and where.

:class:`Injections` belongs to one server. It holds the injected faults, for one project or
global (every OMS request), indexed by project: a poll looks only at its own project's
injections and the global ones, so its cost does not grow with what other projects hold.
Each active injection counts every poll it covers, so ``count`` means "the next N polls"
(a fault with a probability may skip some of them). Which fault a poll gets is decided by
``chooser.FaultChooser``.

``armed`` is a plain attribute, true while anything is injected: the hot path reads it (and
the scenario's ``plain`` flag) and skips everything here when both say "nothing". Time is
scenario time handed in by the caller; nothing here reads a clock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from mock_oms.core.clock import reached
from mock_oms.core.errors import DocProblems, DocumentProblems, LimitReached
from mock_oms.core.kinds import Kind
from mock_oms.faults.model import Fault
from mock_oms.faults.spec import parse_fault, parse_span

__all__ = [
    "DEFAULT_MAX_INJECTIONS",
    "MAX_INJECTED_BYTES",
    "Active",
    "Injection",
    "Injections",
    "parse_injection",
]


@dataclass(frozen=True, slots=True)
class Injection:
    """A fault to inject and for how long (``count`` polls, ``seconds``, or until cleared)."""

    fault: Fault
    delay: tuple[float, float] | None = None
    count: int | None = None
    seconds: float | None = None
    probability: float | None = None
    note: str = ""
    document: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Active:
    id: int
    project_id: str | None  # None: every OMS request
    injection: Injection
    since: float  # scenario time it was injected
    until: float | None  # scenario time it expires
    remaining: int | None  # polls left
    # the how-manieth injection into its project (or the global one) since it was cleared:
    # names its random draws, so that they depend on nothing another project does
    ordinal: int = 1

    @property
    def key(self) -> str:
        return f"inject:{self.ordinal}"


def parse_injection(doc: dict[str, Any], kinds: tuple[Kind, ...]) -> Injection:
    """An :class:`Injection` from a body valid against ``$defs/Injection``."""
    problems: DocProblems = []
    fault = parse_fault(doc["fault"], ("fault",), kinds, problems)
    delay = parse_span(doc["delay"]) if "delay" in doc else None
    if delay is not None and delay[1] < delay[0]:
        problems.append((("delay",), "delay range is upside down"))
    if problems:
        raise DocumentProblems(problems)
    return Injection(
        fault,
        delay,
        doc.get("count"),
        doc.get("seconds"),
        doc.get("probability"),
        doc.get("note", ""),
        doc,
    )


DEFAULT_MAX_INJECTIONS = 10_000  # active at once (--max-injections)
MAX_INJECTED_BYTES = 64 * 1024 * 1024  # of their documents together


class _Held(NamedTuple):
    active: Active  # as injected (``remaining`` is its count then)
    start: int  # the requests its project (or the global slot) had covered before it
    size: int  # bytes of its document, counted against MAX_INJECTED_BYTES


class _Slot:
    """The injections of one project (or the global ones): oldest first, and how many
    requests the slot has covered. An injection's count is not decremented on every
    request (which costs a pass over all of them): it is read off the slot's counter."""

    __slots__ = ("covered", "held")

    def __init__(self) -> None:
        self.covered = 0
        self.held: dict[int, _Held] = {}


def _remaining(held: _Held, covered: int) -> int | None:
    count = held.active.injection.count
    return None if count is None else count - (covered - held.start)


def _live(held: _Held, covered: int, now: float) -> bool:
    until = held.active.until
    remaining = _remaining(held, covered)
    # expired at `until`, to the millisecond (core.clock.reached: no float rounding)
    return (until is None or not reached(now, until)) and (remaining is None or remaining > 0)


class Injections:
    """The faults injected into one server, by project (``None``: global).

    Choosing a poll's fault looks at its own project's slot and the global one, newest
    first, and stops at the first injection sure to fire (one without a probability): its
    cost does not grow with the number injected. At most ``max_active`` injections (and
    :data:`MAX_INJECTED_BYTES` of their documents) are held; past that, :class:`LimitReached`.
    """

    def __init__(self, max_active: int = DEFAULT_MAX_INJECTIONS) -> None:
        self.max_active = max_active
        self._lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """Empty, and numbered as a new store."""
        self._ids = itertools.count(1)
        self._slots: dict[str | None, _Slot] = {}
        self._count = 0  # held (spent ones too, until a pass drops them)
        self._bytes = 0
        self._ordinals: dict[str | None, int] = {}  # injections so far, per project
        self._requests = 0  # requests without a project poll number, for their draws
        self.armed = False

    def __len__(self) -> int:
        return self._count

    def inject(
        self, injection: Injection, project_id: str | None, now: float, *, size: int = 0
    ) -> Active:
        """Hold ``injection`` for ``project_id`` (None: every request); ``size``: the
        bytes of its document. :class:`LimitReached` when the server holds its most."""
        until = now + injection.seconds if injection.seconds is not None else None
        with self._lock:
            if self._count >= self.max_active or self._bytes + size > MAX_INJECTED_BYTES:
                self._drop_spent(now)
            if self._count >= self.max_active:
                raise LimitReached(
                    f"{self._count} faults are injected already, the most this server holds "
                    "(--max-injections); clear some first"
                )
            if self._bytes + size > MAX_INJECTED_BYTES:
                raise LimitReached(
                    f"the injected faults hold {self._bytes} bytes of documents; this one "
                    f"({size} bytes) would pass {MAX_INJECTED_BYTES}; clear some first"
                )
            ordinal = self._ordinals[project_id] = self._ordinals.get(project_id, 0) + 1
            active = Active(
                next(self._ids), project_id, injection, now, until, injection.count, ordinal
            )
            slot = self._slots.get(project_id)
            if slot is None:
                slot = self._slots[project_id] = _Slot()
            slot.held[active.id] = _Held(active, slot.covered, size)
            self._count += 1
            self._bytes += size
            self.armed = True
            return active

    def active(self, now: float, project_id: str | None = None) -> list[Active]:
        """What is injected now: everything (oldest first), or what ``project_id`` has of
        its own; each with the polls it still covers."""
        with self._lock:
            self._drop_spent(now)
            keys = list(self._slots) if project_id is None else [project_id]
            found: list[Active] = []
            for key in keys:
                slot = self._slots.get(key)
                if slot is not None:
                    found.extend(
                        replace(h.active, remaining=_remaining(h, slot.covered))
                        for h in slot.held.values()
                    )
            return sorted(found, key=lambda a: a.id)

    def clear(self, project_id: str | None = None) -> int:
        """Remove the project's injections, or all of them; returns how many went (spent
        ones not counted). Faults injected afterwards draw as they would have in a new
        store (into a new project)."""
        with self._lock:
            if project_id is None:
                cleared = sum(
                    1
                    for slot in self._slots.values()
                    for h in slot.held.values()
                    if _remaining(h, slot.covered) != 0
                )
                self.restart()
                return cleared
            slot = self._slots.pop(project_id, None)
            self._ordinals.pop(project_id, None)
            if slot is None:
                return 0
            self._forget(slot.held.values())
            return sum(1 for h in slot.held.values() if _remaining(h, slot.covered) != 0)

    def take(
        self, project_id: str | None, poll: int | None, now: float
    ) -> tuple[list[Active], int]:
        """The injections that may answer one request, the project's own first, newest
        first in each, up to the first sure to fire; and the poll number their draws use.
        Every live injection of both slots counts the request."""
        with self._lock:
            own = self._slots.get(project_id) if project_id is not None else None
            shared = self._slots.get(None)
            if own is None and shared is None:
                return [], 0
            if poll is None:
                self._requests += 1
                poll = self._requests
            covering: list[Active] = []
            sure = False
            for key, slot in ((project_id, own), (None, shared)):
                if slot is None:
                    continue
                slot.covered += 1
                if not sure:
                    sure = self._collect(key, slot, now, covering)
            return covering, poll

    def _collect(self, key: str | None, slot: _Slot, now: float, into: list[Active]) -> bool:
        """Add ``slot``'s live injections, newest first, to ``into`` until one is sure to
        fire (returns whether one was); drop the spent ones met on the way."""
        spent: list[int] = []
        sure = False
        before = slot.covered - 1  # the counter before this request
        for ident in reversed(slot.held):
            held = slot.held[ident]
            if not _live(held, before, now):
                spent.append(ident)
                continue
            into.append(held.active)
            if held.active.injection.probability is None:
                sure = True
                break
        if spent:
            self._forget([slot.held.pop(ident) for ident in spent])
            if not slot.held:
                del self._slots[key]
        return sure

    def _drop_spent(self, now: float) -> None:
        for key, slot in list(self._slots.items()):
            spent = [i for i, h in slot.held.items() if not _live(h, slot.covered, now)]
            if spent:
                self._forget([slot.held.pop(ident) for ident in spent])
                if not slot.held:
                    del self._slots[key]

    def _forget(self, gone: Iterable[_Held]) -> None:
        for held in gone:
            self._count -= 1
            self._bytes -= held.size
        self.armed = self._count > 0
