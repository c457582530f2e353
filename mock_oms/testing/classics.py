"""The classic cases: one small case for each bug client authors keep writing, served by
``check_client`` before the generated ones, so that a run at the default settings finds
each of them, whatever its seed.

A project that settles on its second poll, one that fails, one suspended and resumed,
one that does not exist; then, on the first poll of the settling project, each kind of
transient fault in its plainest form: every HTTP status in turn (a 429 asking for
Retry-After, a 503 too), a closed and a reset connection, a body that is not JSON, a
truncated one, a wrong content type, an in-band error, latency and a short hang.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from mock_oms.core.kinds import Kind
from mock_oms.strategies import FaultName, FaultSpec, fault_statuses
from mock_oms.testing.case import CASE_SCENARIO, Case

__all__ = ["BARE_429_RETRY_AFTER", "FLAGS_OFF", "NOT_JSON_TYPE", "Document", "classic_cases"]

Document = dict[str, Any]
# What the server sends with a bare 429 (faults.model.DEFAULT_RETRY_AFTER: the tools talk
# to a server, they do not import its fault layer), and a content type that is not JSON.
BARE_429_RETRY_AFTER = 1
NOT_JSON_TYPE = "text/html; charset=utf-8"
FLAGS_OFF = {"struct": False, "full": False, "incr": False}


def _scenario(kind: Kind, *statuses: str) -> Document:
    timeline: list[Document] = [{"status": s, "polls": 1} for s in statuses[:-1]]
    timeline.append({"status": statuses[-1]})
    flags = FLAGS_OFF | ({"reverse": False} if kind is Kind.MIGRATION else {})
    return {"name": CASE_SCENARIO, "kind": kind.value, "flags": flags, "timeline": timeline}


def _faults(
    fault_kinds: Collection[FaultName],
    statuses: Sequence[int],
    max_delay: float,
    max_retry_after: float,
) -> list[FaultSpec]:
    out: list[FaultSpec] = []
    if "status" in fault_kinds:
        for code in statuses:
            if code == 429 and max_retry_after < BARE_429_RETRY_AFTER:
                out.append({"status": {"code": 429, "retryAfter": 0}})
            else:
                out.append({"status": code})
        if 503 in statuses and max_retry_after >= 1:
            out.append({"status": {"code": 503, "retryAfter": int(min(max_retry_after, 2))}})
    plain: dict[FaultName, FaultSpec] = {
        "close": "close",
        "reset": "reset",
        "not-json": "not-json",
        "truncate": "truncate",
        "content-type": {"content-type": NOT_JSON_TYPE},
        "error": {"error": {"code": "INNER_ERROR"}},
    }
    if max_delay > 0:
        plain["latency"] = {"latency": max_delay}
        plain["hang"] = {"hang": max_delay}
    out += [spec for name, spec in plain.items() if name in fault_kinds]
    return out


def classic_cases(
    *,
    kinds: Sequence[Kind],
    max_phases: int,
    max_faults: int,
    max_delay: float,
    max_retry_after: float,
    fault_kinds: Collection[FaultName],
    statuses: Collection[int] | None,
) -> list[Case]:
    """The classic cases for the options of :func:`client_cases` (see the module)."""
    first = kinds[0]
    cases = [Case(_scenario(kind, "RUNNING", "FINISHED")) for kind in kinds]
    if max_phases >= 2:
        cases.append(Case(_scenario(first, "RUNNING", "FAILED")))
    if max_phases >= 4:
        cases.append(Case(_scenario(first, "RUNNING", "SUSPEND", "RUNNING", "FINISHED")))
    cases.append(Case(_scenario(first, "INIT"), missing=True))
    if max_faults >= 1 and max_phases >= 2:
        codes = fault_statuses(statuses)
        settles = _scenario(first, "RUNNING", "FINISHED")
        for fault in _faults(fault_kinds, codes, max_delay, max_retry_after):
            cases.append(Case(settles, faults=(fault,)))
    return cases
