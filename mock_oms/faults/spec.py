"""Reading faults and fault rules from scenario documents and injection bodies.

The documents already passed ``scenario.schema.json``; what a schema cannot say (a phase
id that does not exist, ``retryAfter`` on a 500, a deviation of a field the body does not
have, a range upside down) is appended to ``problems`` with the path of the value, so that
the loader reports its line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mock_oms.core.errors import DocPath, DocProblems
from mock_oms.core.kinds import Kind
from mock_oms.faults.malform import OUT_OF_RANGE, known_fields
from mock_oms.faults.model import (
    DEFAULT_RETRY_AFTER,
    GATEWAY_STATUSES,
    RETRY_AFTER_STATUSES,
    Body,
    BusinessError,
    Change,
    Close,
    Deviation,
    Fault,
    Hang,
    HttpStatus,
    Latency,
    NotJson,
    Reset,
    Truncate,
    WrongContentType,
)
from mock_oms.faults.rules import NO_END, Rule

__all__ = ["parse_fault", "parse_rules", "parse_span"]

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


def parse_fault(spec: Any, at: DocPath, kinds: tuple[Kind, ...], problems: DocProblems) -> Fault:
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
        if "retryAfter" in value and code not in RETRY_AFTER_STATUSES:
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
    raw: Mapping[str, Any], at: DocPath, fault: Fault, problems: DocProblems
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
    at: DocPath,
    kind: Kind,
    problems: DocProblems,
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
