"""The fault model: parsing, labels, selection, determinism, body shaping (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_oms.errors import ScenarioError
from mock_oms.faults import (
    Body,
    BusinessError,
    Change,
    Choice,
    Close,
    Deviation,
    Hang,
    HttpStatus,
    Latency,
    NotJson,
    Reset,
    Rule,
    Truncate,
    WrongContentType,
    deviate,
    kept_bytes,
    label,
    parse_fault,
    pick,
    resolve,
    stream,
    without_commas,
)
from mock_oms.loader import load_text
from mock_oms.steps import Kind

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


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (HttpStatus(503), "status:503"),
        (Hang(30), "hang:30"),
        (Close(), "close"),
        (Reset(), "reset"),
        (Truncate(), "truncate"),
        (NotJson(), "not-json"),
        (WrongContentType("text/html; charset=utf-8"), "content-type:text/html"),
        (BusinessError("INNER_ERROR"), "error:INNER_ERROR"),
        (Deviation("data.status", Change.NULL), "deviation:null:data.status"),
    ],
)
def test_label(fault: Any, expected: str) -> None:
    assert label(fault) == expected


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (Choice(Latency(1, 3), 2.25), "latency:2.25"),
        (Choice(HttpStatus(504), 5.0), "status:504+delay:5"),
        (Choice(Reset()), "reset"),
    ],
)
def test_choice_label(choice: Choice, expected: str) -> None:
    assert choice.label == expected


DOC: dict[str, Any] = {
    "success": True,
    "requestId": "r",
    "data": {"status": "RUNNING", "fullMigrationProgress": 40, "incrSyncCheckpoint": "17"},
}


@pytest.mark.parametrize(
    ("deviation", "check"),
    [
        (Deviation("data.status", Change.MISSING), lambda d: "status" not in d["data"]),
        (Deviation("data.status", Change.NULL), lambda d: d["data"]["status"] is None),
        (Deviation("requestId", Change.MISSING), lambda d: "requestId" not in d),
        (
            Deviation("data.fullMigrationProgress", Change.OUT_OF_RANGE),
            lambda d: d["data"]["fullMigrationProgress"] == 101,
        ),
        (Deviation("data.status", Change.OUT_OF_RANGE), lambda d: d["data"]["status"] == "UNKNOWN"),
        # a sync checkpoint is text: out of range stays text
        (
            Deviation("data.incrSyncCheckpoint", Change.OUT_OF_RANGE),
            lambda d: d["data"]["incrSyncCheckpoint"] == "-1",
        ),
        (
            Deviation("data.fullMigrationProgress", Change.WRONG_TYPE),
            lambda d: d["data"]["fullMigrationProgress"] == "40",
        ),
        (Deviation("success", Change.WRONG_TYPE), lambda d: d["success"] == "true"),
        (Deviation("data.status", Change.VALUE, 3), lambda d: d["data"]["status"] == 3),
    ],
)
def test_deviate(deviation: Deviation, check: Any) -> None:
    before = json.dumps(DOC)
    assert check(deviate(DOC, deviation))
    assert json.dumps(DOC) == before  # the original is left alone


def test_without_commas_breaks_json_but_keeps_strings() -> None:
    body = json.dumps({"a": "x,y", "b": [1, 2]}).encode()
    broken = without_commas(body)
    with pytest.raises(ValueError, match="Expecting"):
        json.loads(broken)
    assert b'"x,y"' in broken
    assert broken.count(b",") == 1


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.01, max_value=0.99))
def test_truncation_always_sends_less_than_all(length: int, keep: float) -> None:
    kept = kept_bytes(Truncate(keep=keep), length)
    assert 0 <= kept < max(length, 1)
    assert kept_bytes(Truncate(keep=None, bytes=length + 5), length) < max(length, 1)


@pytest.mark.parametrize(
    ("rule", "poll", "phase", "elapsed", "expected"),
    [
        (Rule(Reset(), "k"), 1, 0, 0.0, True),
        (Rule(Reset(), "k", phase=2), 1, 2, 0.0, True),
        (Rule(Reset(), "k", phase=2), 1, 1, 0.0, False),
        (Rule(Reset(), "k", polls=(3, 3)), 3, 0, 0.0, True),
        (Rule(Reset(), "k", polls=(3, 3)), 4, 0, 0.0, False),
        (Rule(Reset(), "k", polls=(3, 5)), 5, 0, 0.0, True),
        (Rule(Reset(), "k", every=3), 6, 0, 0.0, True),
        (Rule(Reset(), "k", every=3), 7, 0, 0.0, False),
        (Rule(Reset(), "k", window=(10.0, 20.0)), 1, 0, 10.0, True),
        (Rule(Reset(), "k", window=(10.0, 20.0)), 1, 0, 20.0, False),
        (Rule(Reset(), "k", window=(10.0, 20.0)), 1, 0, 9.9, False),
    ],
)
def test_rule_conditions(rule: Rule, poll: int, phase: int, elapsed: float, expected: bool) -> None:
    assert rule.matches(poll, phase, elapsed) is expected


def test_first_matching_rule_wins() -> None:
    rules = (Rule(Reset(), "a", polls=(2, 2)), Rule(Close(), "b"))
    kw: dict[str, Any] = {"seed": 1, "project": "p", "phase": 0, "elapsed": 0.0, "max_delay": 9}
    assert pick(rules, poll=2, **kw) == Choice(Reset(), 0.0, "a")
    assert pick(rules, poll=3, **kw) == Choice(Close(), 0.0, "b")


def sequence(seed: int, project: str = "p", polls: int = 200) -> list[str | None]:
    rules = (
        Rule(HttpStatus(503), "a", probability=0.2),
        Rule(Latency(0.1, 0.9), "b", probability=0.3),
    )
    out = []
    for poll in range(1, polls + 1):
        choice = pick(
            rules, seed=seed, project=project, poll=poll, phase=0, elapsed=0.0, max_delay=10
        )
        out.append(None if choice is None else choice.label)
    return out


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_same_seed_same_faults_poll_for_poll(seed: int) -> None:
    assert sequence(seed) == sequence(seed)
    assert sequence(seed) != sequence(seed + 1)
    # another project gets its own sequence
    assert sequence(seed, "q") != sequence(seed)


def test_a_rule_that_does_not_apply_leaves_the_draws_of_the_others_alone() -> None:
    rules = (
        Rule(Close(), "a", phase=1, probability=0.5),
        Rule(Reset(), "b", probability=0.5),
    )
    kw: dict[str, Any] = {"seed": 9, "project": "p", "elapsed": 0.0, "max_delay": 9}
    compared = 0
    for poll in range(1, 200):
        off = pick(rules, poll=poll, phase=0, **kw)  # rule a does not apply
        on = pick(rules, poll=poll, phase=1, **kw)  # rule a applies but may lose its draw
        if on is None or on.fault != Close():
            assert on == off
            compared += 1
    assert 50 < compared < 150


def test_probability_is_roughly_honoured() -> None:
    labels = sequence(3, polls=2000)
    share = sum(1 for x in labels if x == "status:503") / len(labels)
    assert 0.15 < share < 0.25


def test_delays_are_capped() -> None:
    assert resolve(Latency(50, 50), None, None, 2.0).delay == 2.0
    assert resolve(Hang(600), None, None, 5.0).fault == Hang(5.0)
    rng = stream(1, "p", 1, "k")
    assert 1.0 <= resolve(Latency(1, 2), None, rng, 9).delay <= 2.0


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
