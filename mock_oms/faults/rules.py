"""When a fault applies (a rule: a phase, the Nth poll, every N, a time window, a
probability) and which one a poll gets, with its random parts drawn. Pure.

Determinism: every random draw comes from a ``random.Random`` seeded with a hash of
(server seed, project ID, poll number), so the same seed gives the same faults and delays
poll for poll, whatever other projects do meanwhile. Each rule owns fixed slots of that
poll's draws (:data:`DRAWS_PER_RULE` from ``DRAWS_PER_RULE * index``), so whether one rule
applies never shifts the draws of another.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from typing import Protocol

from mock_oms.core.clock import reached
from mock_oms.faults.model import Fault, Hang, Latency, label

__all__ = [
    "DRAWS_PER_RULE",
    "NO_END",
    "Choice",
    "Draws",
    "Rule",
    "needs_draw",
    "pick",
    "resolve",
    "stream",
]

DRAWS_PER_RULE = 3  # probability, delay jitter, latency jitter
NO_END = 2**62  # an open upper bound for poll ranges


@dataclass(frozen=True, slots=True)
class Rule:
    """A fault and the conditions under which a poll gets it (absent conditions hold)."""

    fault: Fault
    key: str  # where it was declared; names its random stream
    delay: tuple[float, float] | None = None
    phase: int | None = None
    polls: tuple[int, int] | None = None  # inclusive
    every: int | None = None
    window: tuple[float, float] | None = None  # [from, to)
    probability: float | None = None
    note: str = ""

    def matches(self, poll: int, phase: int, elapsed: float) -> bool:
        """Whether the conditions other than the probability hold."""
        if self.phase is not None and self.phase != phase:
            return False
        if self.polls is not None and not self.polls[0] <= poll <= self.polls[1]:
            return False
        if self.every is not None and poll % self.every:
            return False
        window = self.window  # [from, to), compared to the millisecond
        return window is None or (reached(elapsed, window[0]) and not reached(elapsed, window[1]))


@dataclass(frozen=True, slots=True)
class Choice:
    """The fault a response gets, with its random parts drawn and its times capped."""

    fault: Fault
    delay: float = 0.0  # seconds before anything happens (a latency fault's own delay too)
    source: str = ""  # the rule key or injection that chose it

    @property
    def label(self) -> str:
        if isinstance(self.fault, Latency):
            return f"latency:{self.delay:.3g}"
        name = label(self.fault)
        return f"{name}+delay:{self.delay:.3g}" if self.delay > 0 else name


def stream(seed: int, project: str, poll: int, key: str = "rules") -> random.Random:
    """The random generator of one poll of one project (``key``: whose draws they are)."""
    text = f"{seed}\x1f{project}\x1f{poll}\x1f{key}".encode()
    return random.Random(int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big"))


class Draws(Protocol):
    """What fault resolution draws from: a ``random.Random``, or a rule's slots of one."""

    def random(self) -> float: ...

    def uniform(self, a: float, b: float) -> float: ...


class _Slots:
    """A rule's own draws from the poll's generator (the slots of earlier rules skipped)."""

    def __init__(self, rng: random.Random) -> None:
        self._values = iter([rng.random() for _ in range(DRAWS_PER_RULE)])

    def random(self) -> float:
        return next(self._values)

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()


class _PollDraws:
    """The draws of one poll, handed out to rules by slot."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used = 0

    def slots(self, index: int) -> _Slots:
        start = index * DRAWS_PER_RULE
        while self._used < start:  # skip the slots of the rules before
            self._rng.random()
            self._used += 1
        self._used = start + DRAWS_PER_RULE
        return _Slots(self._rng)


def _draw(span: tuple[float, float] | None, rng: Draws | None) -> float:
    if span is None:
        return 0.0
    low, high = span
    if low == high or rng is None:
        return low
    return rng.uniform(low, high)


def resolve(
    fault: Fault,
    delay: tuple[float, float] | None,
    rng: Draws | None,
    max_delay: float,
    source: str = "",
) -> Choice:
    """A :class:`Choice` for ``fault``: delays drawn from ``rng`` and capped at ``max_delay``."""
    seconds = _draw(delay, rng)
    if isinstance(fault, Latency):
        seconds += _draw((fault.low, fault.high), rng)
    elif isinstance(fault, Hang) and fault.seconds > max_delay:
        fault = replace(fault, seconds=max_delay)
    return Choice(fault, min(seconds, max_delay), source)


def needs_draw(delay: tuple[float, float] | None, fault: Fault, probability: float | None) -> bool:
    spans = [delay] + ([(fault.low, fault.high)] if isinstance(fault, Latency) else [])
    return probability is not None or any(s is not None and s[0] != s[1] for s in spans)


def pick(
    rules: tuple[Rule, ...],
    *,
    seed: int,
    project: str,
    poll: int,
    phase: int,
    elapsed: float,
    max_delay: float,
) -> Choice | None:
    """The first rule whose conditions hold and whose draw succeeds, resolved."""
    draws: _PollDraws | None = None
    for index, rule in enumerate(rules):
        if not rule.matches(poll, phase, elapsed):
            continue
        rng = None
        if needs_draw(rule.delay, rule.fault, rule.probability):
            draws = draws or _PollDraws(stream(seed, project, poll))
            rng = draws.slots(index)
            if rule.probability is not None and rng.random() >= rule.probability:
                continue
        return resolve(rule.fault, rule.delay, rng, max_delay, rule.key)
    return None
