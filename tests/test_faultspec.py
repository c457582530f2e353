"""Reading faults and fault rules from documents, with every problem at its line."""

from __future__ import annotations

from typing import Any

import pytest

from mock_oms.core.errors import ScenarioError
from mock_oms.core.kinds import Kind
from mock_oms.faults.model import (
    Body,
    BusinessError,
    Change,
    Close,
    Deviation,
    Hang,
    HttpStatus,
    Latency,
    NotJson,
    Reset,
    Truncate,
    WrongContentType,
)
from mock_oms.faults.spec import parse_fault
from mock_oms.scenarios.loader import load_text

BOTH = (Kind.MIGRATION, Kind.SYNC)


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("close", Close()),
        ("reset", Reset()),
        ("hang", Hang(60.0)),
        ("truncate", Truncate(keep=0.5)),
        ("not-json", NotJson()),
        ("content-type", WrongContentType("text/html; charset=utf-8")),
        ({"status": 503}, HttpStatus(503, None, Body.HTML)),
        ({"status": 500}, HttpStatus(500, None, Body.ENVELOPE)),
        ({"status": 429}, HttpStatus(429, 1, Body.ENVELOPE)),
        (
            {"status": {"code": 429, "retryAfter": 9, "body": "empty"}},
            HttpStatus(429, 9, Body.EMPTY),
        ),
        ({"status": {"code": 408}}, HttpStatus(408, None, Body.ENVELOPE)),
        ({"latency": 2}, Latency(2.0, 2.0)),
        ({"latency": [1, 3.5]}, Latency(1.0, 3.5)),
        ({"hang": 12}, Hang(12.0)),
        ({"truncate": {"bytes": 10}}, Truncate(keep=None, bytes=10)),
        ({"truncate": {"keep": 0.25}}, Truncate(keep=0.25)),
        ({"not-json": "<html>"}, NotJson("<html>")),
        ({"content-type": "text/plain"}, WrongContentType("text/plain")),
        (
            {"error": {"code": "GHANA-OPERIE000000", "message": "m", "advice": "a"}},
            BusinessError("GHANA-OPERIE000000", "m", "a", 200),
        ),
        (
            {"error": {"code": "INNER_ERROR", "status": 500}},
            BusinessError("INNER_ERROR", None, None, 500),
        ),
        (
            {"deviation": {"field": "data.status", "change": "missing"}},
            Deviation("data.status", Change.MISSING),
        ),
        (
            {"deviation": {"field": "requestId", "change": "value", "value": 5}},
            Deviation("requestId", Change.VALUE, 5),
        ),
    ],
)
def test_parse_fault(spec: Any, fault: Any) -> None:
    problems: list[Any] = []
    assert parse_fault(spec, (), BOTH, problems) == fault
    assert problems == []


SCENARIO = """\
name: s
kind: migration
faults:
{faults}
timeline:
  - {{id: first, status: INIT, seconds: 5}}
  - {{status: RUNNING}}
"""


@pytest.mark.parametrize(
    ("faults", "line", "reason"),
    [
        ("  - {fault: {stauts: 503}}", 4, "unknown field 'stauts'"),
        ("  - {fault: rest}", 4, "is not one of"),
        ("  - {fault: {status: 501}}", 4, "501 is not one of"),
        ("  - {fault: reset, phase: second}", 4, "no phase has the id 'second'"),
        ("  - {fault: reset, phase: 7}", 4, "no phase 7"),
        ("  - fault: hang\n    delay: 2", 5, "a hang is a delay already"),
        ("  - {fault: {latency: [3, 1]}}", 4, "upside down"),
        ("  - {fault: reset, polls: {from: 4, to: 2}}", 4, "is empty"),
        ("  - {fault: reset, window: {from: 4, to: 2}}", 4, "ends before it starts"),
        (
            "  - {fault: {status: {code: 500, retryAfter: 3}}}",
            4,
            "Retry-After goes with 429 or 503",
        ),
        (
            "  - fault: {deviation: {field: data.enableReverseIncrSync, change: out-of-range}}",
            4,
            "has no range to leave",
        ),
        ("  - fault: {deviation: {field: data.nope, change: null}}", 4, "no field 'data.nope'"),
        ("  - fault: {deviation: {field: data.status, change: value}}", 4, "give `value`"),
        ("  - {fault: reset, probability: 0}", 4, "less than or equal to the minimum"),
    ],
)
def test_bad_fault_rules_are_reported_with_their_line(faults: str, line: int, reason: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text(SCENARIO.format(faults=faults), "s.yaml")
    problems = caught.value.problems
    assert any(p.line == line and reason in p.reason for p in problems), problems


def test_sync_fields_are_checked_against_the_sync_body() -> None:
    text = SCENARIO.format(
        faults="  - fault: {deviation: {field: data.reverseIncrSyncCheckpoint, change: null}}"
    ).replace("kind: migration", "kind: sync")
    with pytest.raises(ScenarioError, match=r"no field 'data\.reverseIncrSyncCheckpoint'"):
        load_text(text)


def test_rules_keep_phase_rules_first() -> None:
    scenario = load_text(
        """\
name: s
kind: migration
faults:
  - {fault: close, phase: first}
timeline:
  - {id: first, status: INIT, seconds: 5}
  - {status: RUNNING, faults: [{fault: reset, polls: 2}]}
"""
    )
    assert [(r.fault, r.phase, r.key) for r in scenario.faults] == [
        (Reset(), 1, "timeline.1.faults.0"),
        (Close(), 0, "faults.0"),
    ]
    assert not scenario.plain


def test_a_phase_rule_may_not_name_a_phase() -> None:
    with pytest.raises(ScenarioError, match=r"timeline\[0\].faults\[0\].phase: not allowed here"):
        load_text(
            "name: s\nkind: migration\ntimeline:\n"
            "  - {status: INIT, faults: [{fault: reset, phase: 0}]}\n"
        )
