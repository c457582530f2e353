"""The parts of a fault as ``scenario.schema.json``'s ``$defs/Fault`` writes them: each
form's settings drawn within the schema and kept to what ``mock-oms validate`` accepts,
with every wait bounded."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.malform import OUT_OF_RANGE, known_fields
from mock_oms.faults.model import DEFAULT_RETRY_AFTER, RETRY_AFTER_STATUSES, Change
from mock_oms.strategies.common import KINDS, Document, loadable

__all__ = [
    "DELAY_STEPS",
    "TEXT_SIZE",
    "check_statuses",
    "defs",
    "delay",
    "deviation",
    "deviation_fields",
    "error",
    "fault_branch",
    "forms",
    "is_json",
    "json_values",
    "notes",
    "schema_fault_names",
    "short_statuses",
    "status",
    "status_codes",
    "step",
    "text",
    "tidy",
]

DELAY_STEPS = 20  # delays are multiples of max_delay / DELAY_STEPS: readable, and 0 first
TEXT_SIZE = 40  # texts (messages, advice, not-JSON bodies, notes) stay short


def defs() -> Mapping[str, Any]:
    defs: Mapping[str, Any] = schemas.load(schemas.SCENARIO)["$defs"]
    return defs


def fault_branch(key: str) -> Any:
    return next(branch for branch in defs()["Fault"]["oneOf"] if key in branch)


def forms() -> Mapping[str, Any]:
    """The object forms of ``$defs/Fault``, by fault name."""
    forms: Mapping[str, Any] = fault_branch("properties")["properties"]
    return forms


def schema_fault_names() -> frozenset[str]:
    """Every fault ``$defs/Fault`` names, bare or as an object (what FAULT_NAMES covers)."""
    return frozenset(fault_branch("enum")["enum"]) | frozenset(forms())


def tidy(seconds: float) -> float | int:
    rounded = round(seconds, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def step(bound: float, n: int) -> float | int:
    return tidy(bound * n / DELAY_STEPS)


@st.composite
def delay(draw: st.DrawFn, bound: float, seeded: bool, positive: bool = False) -> Any:
    """Seconds up to ``bound`` (a multiple of ``bound / DELAY_STEPS``), or with ``seeded`` a
    range [low, high] the server draws from. Shrinks towards 0 (one step when
    ``positive``)."""
    low = draw(st.integers(1 if positive else 0, DELAY_STEPS))
    if not seeded or not draw(st.booleans()):
        return step(bound, low)
    return [step(bound, low), step(bound, draw(st.integers(low, DELAY_STEPS)))]


def text(schema: Mapping[str, Any], size: int = TEXT_SIZE) -> SearchStrategy[str]:
    """Text the (string) schema allows, at most ``size`` characters, that a scenario file
    can hold."""
    limit = min(int(schema.get("maxLength", size)), size)
    text: SearchStrategy[str] = from_schema({**schema, "maxLength": limit}).map(loadable)
    return text


def notes() -> SearchStrategy[str]:
    return st.text(max_size=TEXT_SIZE).map(loadable)


def status_codes(allowed: Collection[int] | None = None) -> list[int]:
    """The statuses of ``$defs/HttpFaultStatus`` (those of ``allowed``), a plain 500 first."""
    codes: list[int] = list(defs()["HttpFaultStatus"]["enum"])
    if allowed is not None:
        codes = [code for code in codes if code in allowed]
    return sorted(codes, key=lambda code: (code != 500, codes.index(code)))


def check_statuses(statuses: Collection[int] | None) -> None:
    known = status_codes()
    if statuses is not None and not set(statuses) <= set(known):
        wrong = sorted(set(statuses) - set(known))
        raise ValueError(f"statuses {wrong} cannot be faults; known: {known}")


def short_statuses(statuses: Sequence[int], max_retry_after: float) -> list[Document]:
    """``{"status": CODE}`` for each code whose default wait stays within
    ``max_retry_after`` (429 alone asks for DEFAULT_RETRY_AFTER seconds)."""
    return [
        {"status": code}
        for code in statuses
        if code != 429 or max_retry_after >= DEFAULT_RETRY_AFTER
    ]


@st.composite
def status(draw: st.DrawFn, statuses: Sequence[int], max_retry_after: float) -> Document:
    """The long form: a code with maybe Retry-After (429 and 503) and a body style."""
    code = draw(st.sampled_from(list(statuses)))
    form = forms()["status"]["oneOf"][1]["properties"]
    spec: Document = {"code": code}
    if code in RETRY_AFTER_STATUSES:
        most = min(int(max_retry_after), int(form["retryAfter"]["maximum"]))
        waits = st.integers(int(form["retryAfter"]["minimum"]), most)
        needed = code == 429 and max_retry_after < DEFAULT_RETRY_AFTER
        retry = draw(waits if needed else st.one_of(st.none(), waits))
        if retry is not None:
            spec["retryAfter"] = retry
    body = draw(st.one_of(st.none(), st.sampled_from(list(form["body"]["enum"]))))
    if body is not None:
        spec["body"] = body
    return {"status": spec}


@st.composite
def error(draw: st.DrawFn, codes: Sequence[str], statuses: Sequence[int]) -> Document:
    form = forms()["error"]["properties"]
    spec: Document = {"code": draw(st.sampled_from(list(codes)))}
    for name in ("message", "advice"):
        if draw(st.booleans()):
            spec[name] = draw(text(form[name]))
    if draw(st.booleans()):  # in band (200), or under a status a client retries
        spec["status"] = draw(st.sampled_from([200, *statuses]))
    return {"error": spec}


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def deviation_fields(kind: Kind | None) -> list[str]:
    """The fields a deviation may name: the kind's, or those both kinds have."""
    kinds = [kind] if kind is not None else list(KINDS)
    common = frozenset.intersection(*(known_fields(k) for k in kinds))
    return sorted(common)


def json_values() -> SearchStrategy[Any]:
    """Small JSON values (for a deviation's ``value``)."""
    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=5,
    )
    return values.map(loadable)


@st.composite
def deviation(draw: st.DrawFn, kind: Kind | None) -> Document:
    field = draw(st.sampled_from(deviation_fields(kind)))
    enum = forms()["deviation"]["properties"]["change"]["enum"]
    changes = [
        c
        for c in enum
        if c is not None and (c != Change.OUT_OF_RANGE.value or field in OUT_OF_RANGE)
    ]
    change = draw(st.sampled_from(changes))
    spec: Document = {"field": field, "change": change}
    if change == Change.VALUE.value:
        spec["value"] = draw(json_values())
    return {"deviation": spec}
