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
from dataclasses import dataclass, field, replace
from typing import Any

from mock_oms.core.clock import reached
from mock_oms.core.errors import DocProblems, DocumentProblems
from mock_oms.core.kinds import Kind
from mock_oms.faults.model import Fault
from mock_oms.faults.spec import parse_fault, parse_span

__all__ = ["Active", "Injection", "Injections", "parse_injection"]


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


class Injections:
    """The faults injected into one server, by project (``None``: global)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """Empty, and numbered as a new store."""
        self._ids = itertools.count(1)
        # project (None: global) -> its active injections, oldest first
        self._by_project: dict[str | None, tuple[Active, ...]] = {}
        self._count = 0
        self._ordinals: dict[str | None, int] = {}  # injections so far, per project
        self._requests = 0  # requests without a project poll number, for their draws
        self.armed = False

    def __len__(self) -> int:
        return self._count

    def inject(self, injection: Injection, project_id: str | None, now: float) -> Active:
        until = now + injection.seconds if injection.seconds is not None else None
        with self._lock:
            ordinal = self._ordinals[project_id] = self._ordinals.get(project_id, 0) + 1
            active = Active(
                next(self._ids), project_id, injection, now, until, injection.count, ordinal
            )
            self._set(project_id, (*self._by_project.get(project_id, ()), active))
            return active

    def active(self, now: float, project_id: str | None = None) -> list[Active]:
        """What is injected now: everything (oldest first), or what ``project_id`` has of
        its own."""
        with self._lock:
            keys = list(self._by_project) if project_id is None else [project_id]
            found: list[Active] = []
            for key in keys:
                found.extend(self._live(key, now))
            return sorted(found, key=lambda a: a.id)

    def clear(self, project_id: str | None = None) -> int:
        """Remove the project's injections, or all of them; returns how many went. Faults
        injected afterwards draw as they would have in a new store (into a new project)."""
        with self._lock:
            if project_id is None:
                cleared = self._count
                self.restart()
                return cleared
            cleared = len(self._by_project.get(project_id, ()))
            self._set(project_id, ())
            self._ordinals.pop(project_id, None)
            return cleared

    def take(
        self, project_id: str | None, poll: int | None, now: float
    ) -> tuple[list[Active], int]:
        """The injections covering one request, the project's own first, newest first in
        each, and the poll number their draws use; each of them counts the request."""
        with self._lock:
            own = self._live(project_id, now) if project_id is not None else ()
            shared = self._live(None, now)
            if not own and not shared:
                return [], 0
            if poll is None:
                self._requests += 1
                poll = self._requests
            covering = [*reversed(own), *reversed(shared)]
            if project_id is not None:
                self._set(project_id, _counted(own))
            self._set(None, _counted(shared))
            return covering, poll

    def _live(self, key: str | None, now: float) -> tuple[Active, ...]:
        current = self._by_project.get(key, ())
        kept = tuple(a for a in current if a.until is None or not reached(now, a.until))
        if len(kept) != len(current):
            self._set(key, kept)
        return kept

    def _set(self, key: str | None, value: tuple[Active, ...]) -> None:
        self._count += len(value) - len(self._by_project.get(key, ()))
        if value:
            self._by_project[key] = value
        else:
            self._by_project.pop(key, None)
        self.armed = self._count > 0


def _counted(actives: tuple[Active, ...]) -> tuple[Active, ...]:
    """``actives`` after one more covered request: counts down, the spent ones gone."""
    counted = (
        replace(a, remaining=a.remaining - 1) if a.remaining is not None else a for a in actives
    )
    return tuple(a for a in counted if a.remaining != 0)
