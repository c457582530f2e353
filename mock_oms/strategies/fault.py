"""One fault as a scenario rule or an injection writes it (``$defs/Fault``)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.model import DEFAULT_HANG
from mock_oms.strategies import fault_parts as parts
from mock_oms.strategies.common import Document

__all__ = [
    "FAULT_NAMES",
    "IN_BAND_ERROR_CODES",
    "TRANSIENT",
    "FaultName",
    "FaultSpec",
    "fault_statuses",
    "faults",
]

FaultSpec = str | Document  # a fault as a scenario writes it: "reset", {"status": 503}, ...
FaultName = Literal[
    "status",
    "close",
    "reset",
    "latency",
    "error",
    "not-json",
    "truncate",
    "content-type",
    "hang",
    "deviation",
]
# Every kind of fault ($defs/Fault), simplest first: the order the fault strategies
# shrink along.
FAULT_NAMES: tuple[FaultName, ...] = get_args(FaultName)
# The faults a client that retries can see through to the truth: every one but a
# deliberate contract deviation (which makes a poll lie).
TRANSIENT: tuple[FaultName, ...] = FAULT_NAMES[:-1]
IN_BAND_ERROR_CODES: tuple[str, ...] = ("INNER_ERROR", "GHANA-OPERIE000000")


@dataclass(frozen=True)
class _Bounds:
    """What one fault strategy may draw: the endpoint, the error codes and HTTP statuses,
    and the longest waits."""

    kind: Kind | None
    error_codes: tuple[str, ...]
    statuses: tuple[int, ...]
    max_delay: float
    max_retry_after: float
    seeded: bool


def _plain(name: str, b: _Bounds) -> FaultSpec:
    """The plainest form of fault ``name``: the bare name, or the least it needs."""
    if name == "status":
        return {"status": b.statuses[0]}
    if name == "latency":
        return {"latency": parts.step(b.max_delay, 1)}
    if name == "error":
        return {"error": {"code": b.error_codes[0]}}
    if name == "hang":
        return "hang" if b.max_delay >= DEFAULT_HANG else {"hang": parts.step(b.max_delay, 1)}
    if name == "deviation":
        return {"deviation": {"field": parts.deviation_fields(b.kind)[0], "change": "missing"}}
    return name


def _detailed(name: str, b: _Bounds) -> SearchStrategy[FaultSpec] | None:
    """Fault ``name`` with its settings drawn (None: it has none)."""
    forms = parts.forms()
    if name == "status":
        short = parts.short_statuses(b.statuses, b.max_retry_after)
        long = parts.status(b.statuses, b.max_retry_after)
        return st.one_of(st.sampled_from(short), long) if short else long
    if name == "latency":
        return parts.delay(b.max_delay, b.seeded, positive=True).map(lambda s: {"latency": s})
    if name == "error":
        return parts.error(b.error_codes, b.statuses)
    if name == "not-json":
        texts = parts.text(forms["not-json"]).filter(lambda t: not parts.is_json(t))
        return texts.map(lambda t: {"not-json": t})
    if name == "truncate":
        least = int(forms["truncate"]["properties"]["bytes"]["minimum"])
        return st.one_of(
            st.integers(1, 9).map(lambda n: {"truncate": {"keep": n / 10}}),
            st.integers(least, 200).map(lambda n: {"truncate": {"bytes": n}}),
        )
    if name == "content-type":
        header = parts.text(parts.defs()["HeaderText"]).filter(lambda t: t == t.strip())
        return header.map(lambda t: {"content-type": t})
    if name == "hang":
        return parts.delay(b.max_delay, False, positive=True).map(lambda s: {"hang": s})
    if name == "deviation":
        return parts.deviation(b.kind)
    return None  # close, reset


def _names(allow: Collection[str], max_delay: float, statuses: Sequence[int]) -> list[FaultName]:
    unknown = set(allow) - set(FAULT_NAMES)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULT_NAMES)}")
    if max_delay < 0:
        raise ValueError("max_delay must be >= 0")
    names = [
        n
        for n in FAULT_NAMES
        if n in allow and (n != "hang" or max_delay > 0) and (n != "status" or statuses)
    ]
    if not names:
        raise ValueError("no fault to draw: allow some (a hang needs max_delay > 0)")
    return names


def _check_codes(codes: Sequence[str]) -> None:
    pattern = parts.forms()["error"]["properties"]["code"]["pattern"]
    validator = schemas.definition_validator(schemas.SCENARIO, "Fault")
    if not codes:
        raise ValueError("give at least one error code")
    for code in codes:
        if not validator.is_valid({"error": {"code": code}}):
            raise ValueError(f"error code {code!r} does not match {pattern}")


def fault_statuses(allowed: Collection[int] | None = None) -> list[int]:
    """The HTTP statuses a status fault may carry (``$defs/HttpFaultStatus``; those of
    ``allowed``), a plain 500 first; ValueError for a status that cannot be a fault."""
    parts.check_statuses(allowed)
    return parts.status_codes(allowed)


def faults(
    kind: Kind | str | None = None,
    *,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
    statuses: Collection[int] | None = None,
    max_retry_after: float | None = None,
) -> SearchStrategy[FaultSpec]:
    """One fault as a scenario rule or an injection writes it (``$defs/Fault``): bare
    (``"reset"``) or an object (``{"status": {"code": 429, "retryAfter": 0}}``).

    ``allow``: the kinds of fault (:data:`FAULT_NAMES`; :data:`TRANSIENT` leaves out
    deliberate contract deviations). ``kind``: the endpoint whose body fields a deviation
    names (None: a field both have). ``max_delay``: the longest wait a fault causes or asks
    for, in seconds: latency, a hang, and Retry-After unless ``max_retry_after`` bounds
    that one apart (a client can wait for it on a clock of its own). ``seeded=False``
    leaves out latency ranges, which the server draws from its seed, so the fault plays
    the same everywhere. ``statuses``: the HTTP statuses of status faults and of in-band
    errors sent under a status (default: every one of ``$defs/HttpFaultStatus``: 500, 502,
    503, 504, 408, 429). In-band errors carry one of ``error_codes``. Shrinks towards
    ``{"status": 500}`` (the first of ``statuses``), then along :data:`FAULT_NAMES` (a
    status, a closed connection, a reset, latency, ...), with no delay.
    """
    codes_allowed = tuple(fault_statuses(statuses))
    names = _names(allow, max_delay, codes_allowed)
    _check_codes(error_codes)
    bounds = _Bounds(
        None if kind is None else Kind(kind),
        tuple(error_codes),
        codes_allowed,
        max_delay,
        max_delay if max_retry_after is None else max_retry_after,
        seeded,
    )
    return _fault([(_plain(name, bounds), _detailed(name, bounds)) for name in names])


@st.composite
def _fault(
    draw: st.DrawFn, forms: Sequence[tuple[FaultSpec, SearchStrategy[FaultSpec] | None]]
) -> FaultSpec:
    # Every fault is two choices at least, its kind and whether it is plain, so that the
    # shrinker, which prefers fewer choices, then smaller ones, ends at the first kind's
    # plain form ({"status": 500}) rather than at a fault that has no settings.
    plain, detailed = draw(st.sampled_from(forms))
    if not draw(st.booleans()) or detailed is None:
        return copy.deepcopy(plain)  # each example its own
    return draw(detailed)
