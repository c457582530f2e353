"""Faults injected at run time through the control API, and the choice of a poll's fault.

A :class:`FaultBook` belongs to one server. It holds the injected faults (for one project,
or global: for every OMS request) and chooses the fault of each poll: injected faults
first (the project's, then the global ones, newest first), then the scenario's rules.
Each active injection sees every poll it covers, so ``count`` means "the next N polls"
and a fault with a probability may skip some of them.

``armed`` is a plain attribute, true while anything is injected: the hot path reads it
(and the scenario's ``plain`` flag) and skips everything here when both say "nothing".
Time is scenario time handed in by the caller; nothing here reads a clock.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from mock_oms.core.kinds import Kind
from mock_oms.faults.model import (
    DEFAULT_MAX_DELAY,
    Choice,
    Fault,
    Rule,
    needs_draw,
    pick,
    resolve,
    stream,
)
from mock_oms.faults.spec import parse_fault, parse_span

Path_ = tuple[str | int, ...]


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


class InjectionProblems(ValueError):
    def __init__(self, problems: list[tuple[Path_, str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p)) or 'body'}: {r}" for p, r in problems))
        self.problems = problems


def parse_injection(doc: dict[str, Any], kinds: tuple[Kind, ...]) -> Injection:
    """An :class:`Injection` from a body valid against ``$defs/Injection``."""
    problems: list[tuple[Path_, str]] = []
    fault = parse_fault(doc["fault"], ("fault",), kinds, problems)
    delay = parse_span(doc["delay"]) if "delay" in doc else None
    if delay is not None and delay[1] < delay[0]:
        problems.append((("delay",), "delay range is upside down"))
    if problems:
        raise InjectionProblems(problems)
    return Injection(
        fault,
        delay,
        doc.get("count"),
        doc.get("seconds"),
        doc.get("probability"),
        doc.get("note", ""),
        doc,
    )


class FaultBook:
    def __init__(self, seed: int = 0, max_delay: float = DEFAULT_MAX_DELAY) -> None:
        self.seed = seed
        self.max_delay = max_delay
        self._lock = threading.Lock()
        self._restart()

    def _restart(self) -> None:
        """Numbering and draws as in a new book (its seed kept)."""
        self._ids = itertools.count(1)
        self._active: tuple[Active, ...] = ()  # oldest first
        self._ordinals: dict[str | None, int] = {}  # injections so far, per project
        self._requests = 0  # requests without a project poll number, for their draws
        self.armed = False

    def inject(self, injection: Injection, project_id: str | None, now: float) -> Active:
        until = now + injection.seconds if injection.seconds is not None else None
        with self._lock:
            ordinal = self._ordinals[project_id] = self._ordinals.get(project_id, 0) + 1
            active = Active(
                next(self._ids), project_id, injection, now, until, injection.count, ordinal
            )
            self._active = (*self._active, active)
            self.armed = True
            return active

    def active(self, now: float, project_id: str | None = None) -> list[Active]:
        """What is injected now: everything, or only what ``project_id`` has of its own."""
        with self._lock:
            self._expire(now)
            return [a for a in self._active if project_id is None or a.project_id == project_id]

    def clear(self, project_id: str | None = None) -> int:
        """Remove the project's injections, or all of them; returns how many went. Faults
        injected afterwards draw as they would have in a new book (into a new project)."""
        with self._lock:
            cleared = len(self._active)
            if project_id is None:
                self._restart()
                return cleared
            self._active = tuple(a for a in self._active if a.project_id != project_id)
            self._ordinals.pop(project_id, None)
            self.armed = bool(self._active)
            return cleared - len(self._active)

    def _expire(self, now: float) -> None:
        kept = tuple(a for a in self._active if a.until is None or now < a.until)
        if len(kept) != len(self._active):
            self._active = kept
            self.armed = bool(kept)

    def _take(self, project_id: str | None, poll: int | None, now: float) -> Choice | None:
        """The injected fault of one request; every injection that covers the request
        counts it, whether or not it fires."""
        with self._lock:
            self._expire(now)
            covering = [a for a in self._active if a.project_id in (project_id, None)]
            if not covering:
                return None
            if poll is None:
                self._requests += 1
                poll = self._requests
            chosen: Choice | None = None
            # the project's own injections first, then the global ones; newest first in each
            for active in sorted(covering, key=lambda a: (a.project_id is None, -a.id)):
                chosen = self._fire(active, project_id or "", poll)
                if chosen is not None:
                    break
            seen = {a.id for a in covering}
            counted = (
                replace(a, remaining=a.remaining - 1)
                if a.id in seen and a.remaining is not None
                else a
                for a in self._active
            )
            self._active = tuple(a for a in counted if a.remaining != 0)
            self.armed = bool(self._active)
            return chosen

    def _fire(self, active: Active, project: str, poll: int) -> Choice | None:
        injection = active.injection
        rng = None
        if needs_draw(injection.delay, injection.fault, injection.probability):
            rng = stream(self.seed, project, poll, active.key)
            if injection.probability is not None and rng.random() >= injection.probability:
                return None
        return resolve(injection.fault, injection.delay, rng, self.max_delay, active.key)

    def choose(
        self,
        rules: tuple[Rule, ...],
        project_id: str,
        poll: int,
        phase: int,
        elapsed: float,
        now: float,
    ) -> Choice | None:
        """The fault of the ``poll``-th poll of a project (None: answer normally)."""
        if self.armed:
            chosen = self._take(project_id, poll, now)
            if chosen is not None:
                return chosen
        if not rules:
            return None
        return pick(
            rules,
            seed=self.seed,
            project=project_id,
            poll=poll,
            phase=phase,
            elapsed=elapsed,
            max_delay=self.max_delay,
        )

    def choose_global(self, now: float) -> Choice | None:
        """The fault of a request that polls no project (unknown ID, bad path)."""
        return self._take(None, None, now) if self.armed else None

    def entry_choice(self, fault: Fault, project_id: str, poll: int, key: str) -> Choice:
        """A recorded fault (a replay entry's), resolved with the same seeded draws."""
        rng = stream(self.seed, project_id, poll, key) if needs_draw(None, fault, None) else None
        return resolve(fault, None, rng, self.max_delay, key)
