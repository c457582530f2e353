"""Faults: what goes wrong with an OMS response, when, and which one a poll gets. Pure.

A *fault* says what goes wrong (an HTTP error status, latency, a hang, a closed or reset
connection, a truncated or non-JSON body, a wrong Content-Type, an in-band business error,
a deliberate contract deviation). A *rule* says when: on a phase, on the Nth poll, every
Nth poll, in a window of scenario time, with a probability. Scenarios declare rules
(``scenario.schema.json`` ``$defs/FaultRule``, read by ``faultspec.py``); the control API
injects faults at run time (``injections.py``). ``malform.py`` spoils bodies.

Determinism: every random draw comes from a ``random.Random`` seeded with a hash of
(server seed, project ID, poll number), so the same seed gives the same faults and delays
poll for poll, whatever other projects do meanwhile. Each rule owns fixed slots of that
poll's draws (:data:`DRAWS_PER_RULE` from ``DRAWS_PER_RULE * index``), so whether one rule
applies never shifts the draws of another. Nothing here reads a
clock or touches the web: the web layer (``delivery.py``) turns a :class:`Choice` into
bytes on the wire.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_HANG",
    "DEFAULT_KEEP",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_RETRY_AFTER",
    "DRAWS_PER_RULE",
    "GATEWAY_STATUSES",
    "NO_BODY",
    "NO_END",
    "RETRY_AFTER_STATUSES",
    "Body",
    "BusinessError",
    "Change",
    "Choice",
    "Close",
    "Deviation",
    "Draws",
    "Fault",
    "Hang",
    "HttpStatus",
    "Latency",
    "NotJson",
    "Reset",
    "Rule",
    "Truncate",
    "WrongContentType",
    "label",
    "needs_draw",
    "pick",
    "resolve",
    "stream",
]

DEFAULT_HANG = 60.0
DEFAULT_MAX_DELAY = 300.0
DEFAULT_KEEP = 0.5
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
DEFAULT_RETRY_AFTER = 1  # seconds, for 429 when the rule gives none
GATEWAY_STATUSES = frozenset({502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})  # the statuses that may carry Retry-After
NO_END = 2**62  # an open upper bound for poll ranges
DRAWS_PER_RULE = 3  # probability, delay jitter, latency jitter


class Body(StrEnum):
    """What a status fault sends as its body."""

    ENVELOPE = "envelope"  # an OMS error envelope (success false)
    HTML = "html"  # a gateway's HTML error page
    EMPTY = "empty"


class Change(StrEnum):
    MISSING = "missing"
    NULL = "null"
    OUT_OF_RANGE = "out-of-range"
    WRONG_TYPE = "wrong-type"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class HttpStatus:
    code: int
    retry_after: int | None = None
    body: Body = Body.ENVELOPE


@dataclass(frozen=True, slots=True)
class Latency:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Hang:
    seconds: float = DEFAULT_HANG


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(frozen=True, slots=True)
class Reset:
    pass


@dataclass(frozen=True, slots=True)
class Truncate:
    keep: float | None = DEFAULT_KEEP  # fraction of the body sent
    bytes: int | None = None  # or an exact count


@dataclass(frozen=True, slots=True)
class NotJson:
    text: str | None = None  # None: the real body with its commas removed


@dataclass(frozen=True, slots=True)
class WrongContentType:
    content_type: str = DEFAULT_CONTENT_TYPE


@dataclass(frozen=True, slots=True)
class BusinessError:
    code: str
    message: str | None = None
    advice: str | None = None
    status: int = 200


@dataclass(frozen=True, slots=True)
class Deviation:
    field: str  # "requestId" or "data.status"
    change: Change
    value: Any = None


Fault = (
    HttpStatus
    | Latency
    | Hang
    | Close
    | Reset
    | Truncate
    | NotJson
    | WrongContentType
    | BusinessError
    | Deviation
)

# Faults that end the exchange without a complete response: they take no body and no delay.
NO_BODY = (Hang, Close, Reset)


def label(fault: Fault) -> str:
    """The short name of a fault, as the journal records it."""
    match fault:
        case HttpStatus(code=code):
            return f"status:{code}"
        case Latency():
            return "latency"
        case Hang(seconds=seconds):
            return f"hang:{seconds:g}"
        case Close():
            return "close"
        case Reset():
            return "reset"
        case Truncate():
            return "truncate"
        case NotJson():
            return "not-json"
        case WrongContentType(content_type=content_type):
            return f"content-type:{content_type.split(';')[0]}"
        case BusinessError(code=code):
            return f"error:{code}"
        case Deviation(field=name, change=change):
            # "deviation:" marks a deliberate contract break, never a bug of the fake
            return f"deviation:{change.value}:{name}"
    raise AssertionError(fault)  # pragma: no cover


# -- rules ----------------------------------------------------------------------------------


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
        return self.window is None or self.window[0] <= elapsed < self.window[1]


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
