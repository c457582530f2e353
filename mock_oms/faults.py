"""Faults: what goes wrong with an OMS response, when, and which one a poll gets. Pure.

A *fault* says what goes wrong (an HTTP error status, latency, a hang, a closed or reset
connection, a truncated or non-JSON body, a wrong Content-Type, an in-band business error,
a deliberate contract deviation). A *rule* says when: on a phase, on the Nth poll, every
Nth poll, in a window of scenario time, with a probability. Scenarios declare rules
(``scenario.schema.json`` ``$defs/FaultRule``); the control API injects faults at run time
(``injections.py``).

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
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from mock_oms import schemas
from mock_oms.steps import Kind

Path_ = tuple[str | int, ...]
Problems = list[tuple[Path_, str]]

DEFAULT_HANG = 60.0
DEFAULT_MAX_DELAY = 300.0
DEFAULT_KEEP = 0.5
DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
DEFAULT_RETRY_AFTER = 1  # seconds, for 429 when the rule gives none
GATEWAY_STATUSES = frozenset({502, 503, 504})
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


# -- deliberate deviations ----------------------------------------------------------------


@cache
def known_fields(kind: Kind) -> frozenset[str]:
    """The body fields a deviation may name for ``kind``: envelope fields and ``data.X``."""
    schema = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    defs = schema["$defs"]
    data = defs["MigrationProgress" if kind is Kind.MIGRATION else "SyncProgress"]
    return frozenset(defs["SuccessEnvelope"]["properties"]) | frozenset(
        f"data.{name}" for name in data["properties"]
    )


# A value outside each field's documented range (percentages 0..100, checkpoints are Unix
# seconds, the enumerations, and currentStep which is never full verification).
OUT_OF_RANGE: Mapping[str, Any] = {
    "data.structMigrationProgress": 101,
    "data.fullMigrationProgress": 101,
    "data.incrSyncCheckpoint": -1,
    "data.reverseIncrSyncCheckpoint": -1,
    "data.status": "UNKNOWN",
    "data.importance": "UNKNOWN",
    "data.currentStep": "FULL_VERIFIER",
    "pageNumber": -1,
    "pageSize": -1,
    "totalCount": -1,
    "cost": "-1 ms",
}


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.lstrip("-").isdigit() else 0
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return ""


def deviate(document: Any, deviation: Deviation) -> Any:
    """A copy of ``document`` (a parsed body) with the deviation applied to it."""
    if not isinstance(document, dict):
        return document
    out = dict(document)
    head, _, tail = deviation.field.partition(".")
    target = out
    if tail:
        inner = out.get(head)
        if not isinstance(inner, dict):
            return out
        target = out[head] = dict(inner)
        name = tail
    else:
        name = head
    change = deviation.change
    if change is Change.MISSING:
        target.pop(name, None)
    elif change is Change.NULL:
        target[name] = None
    elif change is Change.VALUE:
        target[name] = deviation.value
    elif change is Change.WRONG_TYPE:
        target[name] = _wrong_type(target.get(name))
    else:
        value = OUT_OF_RANGE[deviation.field]
        target[name] = str(value) if isinstance(target.get(name), str) else value
    return out


# -- body shaping -------------------------------------------------------------------------


def without_commas(body: bytes) -> bytes:
    """``body`` with the commas between JSON members dropped (strings left alone): text that
    looks like JSON and is not, like the sample in the OMS documentation."""
    out = bytearray()
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte == 0x2C:  # comma
            out.append(0x0A)
            continue
        out.append(byte)
    return bytes(out)


def kept_bytes(truncate: Truncate, length: int) -> int:
    """How much of a ``length``-byte body a truncate fault sends (always less than all)."""
    if length <= 0:
        return 0
    wanted = (
        truncate.bytes if truncate.bytes is not None else math.floor(length * (truncate.keep or 0))
    )
    return max(0, min(wanted, length - 1))


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


# -- reading the documents ------------------------------------------------------------------

_BARE: Mapping[str, Fault] = {
    "close": Close(),
    "reset": Reset(),
    "hang": Hang(),
    "truncate": Truncate(),
    "not-json": NotJson(),
    "content-type": WrongContentType(),
}


def parse_span(spec: Any) -> tuple[float, float]:
    if isinstance(spec, list):
        return float(spec[0]), float(spec[1])
    return float(spec), float(spec)


def parse_fault(spec: Any, at: Path_, kinds: tuple[Kind, ...], problems: Problems) -> Fault:
    """A fault from its schema-valid form; rule violations are appended to ``problems``.

    ``kinds`` are the endpoints whose bodies a deviation may act on (one for a scenario,
    both for a fault injected for every project).
    """
    if isinstance(spec, str):
        return _BARE[spec]
    ((name, value),) = spec.items()
    where = (*at, name)
    if name == "status":
        if isinstance(value, int):
            return HttpStatus(value, DEFAULT_RETRY_AFTER if value == 429 else None, _body(value))
        code = value["code"]
        retry = value.get("retryAfter", DEFAULT_RETRY_AFTER if code == 429 else None)
        if "retryAfter" in value and code not in (429, 503):
            problems.append(((*where, "retryAfter"), "Retry-After goes with 429 or 503 only"))
        return HttpStatus(code, retry, Body(value.get("body", _body(code))))
    if name == "latency":
        low, high = parse_span(value)
        if high < low:
            problems.append((where, f"latency range [{low:g}, {high:g}] is upside down"))
        return Latency(low, high)
    if name == "hang":
        return Hang(float(value))
    if name == "truncate":
        if "bytes" in value:
            return Truncate(keep=None, bytes=value["bytes"])
        return Truncate(keep=float(value["keep"]))
    if name == "not-json":
        return NotJson(value)
    if name == "content-type":
        return WrongContentType(value)
    if name == "error":
        return BusinessError(
            value["code"], value.get("message"), value.get("advice"), value.get("status", 200)
        )
    # YAML reads a bare `change: null` as None: it means the null change all the same
    deviation = Deviation(value["field"], Change(value["change"] or "null"), value.get("value"))
    known = frozenset().union(*(known_fields(k) for k in kinds))
    if deviation.field not in known:
        problems.append(
            (
                (*where, "field"),
                f"no field {deviation.field!r} in the body; known: {', '.join(sorted(known))}",
            )
        )
    elif deviation.change is Change.OUT_OF_RANGE and deviation.field not in OUT_OF_RANGE:
        problems.append(
            (
                (*where, "change"),
                f"{deviation.field} has no range to leave; out-of-range "
                f"applies to {', '.join(OUT_OF_RANGE)} (use wrong-type or value)",
            )
        )
    if (deviation.change is Change.VALUE) != ("value" in value):
        problems.append((where, "give `value` exactly when change is value"))
    return deviation


def _body(code: int) -> Body:
    return Body.HTML if code in GATEWAY_STATUSES else Body.ENVELOPE


def _delay(
    raw: Mapping[str, Any], at: Path_, fault: Fault, problems: Problems
) -> tuple[float, float] | None:
    if "delay" not in raw:
        return None
    span = parse_span(raw["delay"])
    if span[1] < span[0]:
        problems.append(((*at, "delay"), f"delay range [{span[0]:g}, {span[1]:g}] is upside down"))
    if isinstance(fault, Hang):
        problems.append(((*at, "delay"), "a hang is a delay already; drop `delay`"))
    return span


def parse_rules(
    raw_rules: list[dict[str, Any]],
    at: Path_,
    kind: Kind,
    problems: Problems,
    *,
    phase_ids: Mapping[str, int] | None = None,
    phases: int = 0,
    phase: int | None = None,
) -> tuple[Rule, ...]:
    """Rules from a schema-valid list at path ``at``.

    ``phase`` is the index of the phase that declares them (rules inside a phase);
    ``phase_ids`` and ``phases`` resolve a ``phase`` condition (``phases`` 0: a replay,
    which has none).
    """
    rules = []
    for i, raw in enumerate(raw_rules):
        where = (*at, i)
        fault = parse_fault(raw["fault"], (*where, "fault"), (kind,), problems)
        delay = _delay(raw, where, fault, problems)
        target = phase
        if "phase" in raw:
            ref = raw["phase"]
            if phases == 0:
                problems.append(((*where, "phase"), "a replay scenario has no phases"))
            elif isinstance(ref, int):
                if ref >= phases:
                    problems.append(
                        ((*where, "phase"), f"no phase {ref}: the timeline has {phases}")
                    )
                target = ref
            else:
                target = (phase_ids or {}).get(ref)
                if target is None:
                    problems.append(((*where, "phase"), f"no phase has the id {ref!r}"))
        polls = None
        if "polls" in raw:
            spec = raw["polls"]
            polls = (
                (spec, spec)
                if isinstance(spec, int)
                else (spec.get("from", 1), spec.get("to", NO_END))
            )
            if polls[1] < polls[0]:
                problems.append(
                    ((*where, "polls"), f"polls from {polls[0]} to {polls[1]} is empty")
                )
        window = None
        if "window" in raw:
            spec = raw["window"]
            window = (float(spec.get("from", 0.0)), float(spec.get("to", math.inf)))
            if window[1] <= window[0]:
                problems.append(((*where, "window"), "the window ends before it starts"))
        key = ".".join(str(p) for p in where)
        rules.append(
            Rule(
                fault,
                key,
                delay,
                target,
                polls,
                raw.get("every"),
                window,
                raw.get("probability"),
                raw.get("note", ""),
            )
        )
    return tuple(rules)
