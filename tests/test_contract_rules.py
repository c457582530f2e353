from __future__ import annotations

import copy
from typing import Any

import pytest

from contract_tests import rules
from contract_tests.rules import Response, Rule
from mock_oms.steps import Kind


def data(status: str = "RUNNING", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": status,
        "importance": "LOW",
        "enableStructMigration": True,
        "enableFullMigration": True,
        "enableIncrSync": True,
        "enableReverseIncrSync": False,
        "currentStep": "FULL_MIGRATION",
        "structMigrationProgress": 100,
        "fullMigrationProgress": 50,
        "incrSyncCheckpoint": 1_700_000_000,
        "reverseIncrSyncCheckpoint": 0,
    }
    out.update(fields)
    return out


def envelope(payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "success": payload is not None,
        "code": "success" if payload is not None else "GHANA-PROJECT000001",
        "message": "success",
        "advice": "",
        "requestId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "pageNumber": 1,
        "pageSize": 1,
        "totalCount": 1,
        "cost": "3 ms",
        "data": payload,
    }
    out.update(fields)
    return out


def session(*payloads: dict[str, Any], kind: Kind = Kind.MIGRATION) -> list[Response]:
    return [
        Response.of(envelope(p), kind=kind, index=i, at=5.0 * i) for i, p in enumerate(payloads)
    ]


def sync_data(status: str = "RUNNING", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": status,
        "importance": "LOW",
        "enableStructSync": True,
        "enableFullSync": True,
        "enableIncrSync": True,
        "currentStep": "INCR_SYNC",
        "structMigrationProgress": 100,
        "fullMigrationProgress": 100,
        "incrSyncCheckpoint": "1700000000",
    }
    out.update(fields)
    return out


# -- one response -------------------------------------------------------------------------


def test_a_valid_response_breaks_no_rule() -> None:
    assert rules.response_violations(Response.of(envelope(data()))) == []
    assert rules.response_violations(Response.of(envelope(None))) == []


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (envelope({k: v for k, v in data().items() if k != "currentStep"}), "currentStep"),
        (envelope(data(fullMigrationProgress=150)), "150"),
        (envelope(data(status="PAUSED")), "PAUSED"),
        (envelope(data(), pageNumber="1"), "pageNumber"),
        (envelope(sync_data()), "enableStructMigration"),
        (None, "not JSON"),
    ],
)
def test_schema_rule(body: Any, why: str) -> None:
    found = rules.schema_violations(Response(Kind.MIGRATION, "p", 200, body, "<html>"))
    assert [v.rule for v in found] == [Rule.SCHEMA]
    assert why in found[0].message


def test_schema_rule_uses_the_schema_of_the_kind() -> None:
    assert rules.schema_violations(Response.of(envelope(sync_data()), kind=Kind.SYNC)) == []


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (envelope(data(), success=False), Rule.SUCCESS_IFF_DATA),
        (envelope(None, success=True), Rule.SUCCESS_IFF_DATA),
        (envelope(data(), requestId=""), Rule.REQUEST_ID),
        (envelope(data(), requestId="   "), Rule.REQUEST_ID),
        ({k: v for k, v in envelope(data()).items() if k != "requestId"}, Rule.REQUEST_ID),
        (envelope(data(), cost="0.003"), Rule.COST),
        (envelope(data(), cost=3), Rule.COST),
        (envelope(data(), cost="3 minutes"), Rule.COST),
    ],
)
def test_envelope_rules(body: dict[str, Any], rule: Rule) -> None:
    found = rules.envelope_violations(Response.of(body))
    assert [v.rule for v in found] == [rule]


@pytest.mark.parametrize("cost", ["13 ms", "13ms", "0 ms", "1.5 s", "2s"])
def test_documented_cost_forms(cost: str) -> None:
    assert rules.envelope_violations(Response.of(envelope(data(), cost=cost))) == []


@pytest.mark.parametrize(
    ("status_code", "body", "expected"),
    [
        (200, envelope(None), []),
        (200, envelope(None, code="PARAM_ERROR"), [Rule.UNKNOWN_PROJECT]),
        (200, envelope(data()), [Rule.UNKNOWN_PROJECT]),
        (404, envelope(None), [Rule.UNKNOWN_PROJECT]),
        (500, envelope(None), [Rule.NO_5XX, Rule.UNKNOWN_PROJECT]),
        (503, None, [Rule.NO_5XX, Rule.UNKNOWN_PROJECT]),
    ],
)
def test_unknown_project_rule(status_code: int, body: Any, expected: list[Rule]) -> None:
    response = Response(Kind.MIGRATION, "nope", status_code, body, "")
    assert [v.rule for v in rules.unknown_project_violations(response)] == expected


def test_malformed_id_rule_wants_param_error() -> None:
    good = Response.of(envelope(None, code="PARAM_ERROR"))
    bad = Response.of(envelope(None))
    assert rules.malformed_id_violations(good) == []
    assert [v.rule for v in rules.malformed_id_violations(bad)] == [Rule.MALFORMED_ID]


# -- sessions -----------------------------------------------------------------------------

# (rule, a session that keeps it, a session that breaks it)
SESSIONS: list[tuple[Rule, list[Response], list[Response]]] = [
    (
        Rule.TRANSITIONS,
        # polls may miss statuses: INIT -> FINISHED went through RUNNING
        session(
            data("INIT"),
            data("FINISHED", fullMigrationProgress=100),
            data("DELETED", fullMigrationProgress=100),
        ),
        session(data("SUSPEND"), data("INIT")),
    ),
    (
        Rule.TERMINAL,
        session(
            *(
                data(status, fullMigrationProgress=100)
                for status in ("FINISHED", "RELEASING", "RELEASED", "DELETED")
            )
        ),
        session(data("FINISHED", fullMigrationProgress=100), data("RUNNING")),
    ),
    (
        Rule.TERMINAL,
        session(data("DELETED"), data("DELETED")),
        session(data("DELETED"), data("RELEASED")),
    ),
    (
        Rule.PROGRESS_RANGE,
        session(data(fullMigrationProgress=0), data(fullMigrationProgress=100)),
        session(data(fullMigrationProgress=150)),
    ),
    (
        Rule.PROGRESS_RANGE,
        session(data(structMigrationProgress=0)),
        session(data(structMigrationProgress=-1)),
    ),
    (
        Rule.PROGRESS_MONOTONIC,
        # a new run (FAILED -> RUNNING) may start a phase over
        session(
            data(fullMigrationProgress=60),
            data("FAILED", fullMigrationProgress=60),
            data(fullMigrationProgress=10),
        ),
        session(data(fullMigrationProgress=60), data(fullMigrationProgress=59)),
    ),
    (
        Rule.PROGRESS_MONOTONIC,
        session(data("SUSPEND", fullMigrationProgress=40), data(fullMigrationProgress=0)),
        session(
            data("SUSPEND", fullMigrationProgress=40), data("SUSPEND", fullMigrationProgress=0)
        ),
    ),
    (
        Rule.CHECKPOINT_MONOTONIC,
        session(
            data(incrSyncCheckpoint=10), data(incrSyncCheckpoint=10), data(incrSyncCheckpoint=11)
        ),
        session(data(incrSyncCheckpoint=10), data(incrSyncCheckpoint=9)),
    ),
    (
        Rule.CHECKPOINT_MONOTONIC,
        session(
            sync_data(incrSyncCheckpoint="3,100"),
            sync_data(incrSyncCheckpoint="4,0"),
            kind=Kind.SYNC,
        ),
        session(
            sync_data(incrSyncCheckpoint="3,100"),
            sync_data(incrSyncCheckpoint="3,99"),
            kind=Kind.SYNC,
        ),
    ),
    (
        Rule.FINISHED_COMPLETE,
        session(
            data(
                "FINISHED",
                fullMigrationProgress=100,
                enableStructMigration=False,
                structMigrationProgress=0,
            )
        ),
        session(data("FINISHED", fullMigrationProgress=99)),
    ),
    (
        Rule.STEP_MATCHES_FLAGS,
        session(data(currentStep="INCR_SYNC")),
        session(data(currentStep="REVERSE_INCR_SYNC")),
    ),
    (
        Rule.STEP_MATCHES_FLAGS,
        session(data(currentStep="PRE_CHECK")),
        session(data(currentStep="FULL_VERIFIER")),
    ),
    (
        Rule.FLAGS_CONSTANT,
        session(data(), data()),
        session(data(), data(enableIncrSync=False, currentStep="FULL_MIGRATION")),
    ),
]


@pytest.mark.parametrize(
    ("rule", "good", "bad"), SESSIONS, ids=[f"{s[0].value}-{i}" for i, s in enumerate(SESSIONS)]
)
def test_session_rule(rule: Rule, good: list[Response], bad: list[Response]) -> None:
    check = rules.SESSION_RULES[rule]
    assert check(good) == []
    found = check(bad)
    assert found
    assert {v.rule for v in found} == {rule}
    assert found[0].response is bad[-1]


@pytest.mark.parametrize(("rule", "good", "bad"), SESSIONS)
def test_every_rule_accepts_the_good_sessions(
    rule: Rule, good: list[Response], bad: list[Response]
) -> None:
    assert rules.session_violations(good) == []


def test_session_rules_skip_error_responses() -> None:
    responses = [
        *session(data(fullMigrationProgress=60)),
        Response.of(envelope(None), index=1),
        *session(data(fullMigrationProgress=70)),
    ]
    assert rules.session_violations(responses) == []


def test_a_violation_shows_the_rule_and_the_responses() -> None:
    bad = session(data(fullMigrationProgress=60), data(fullMigrationProgress=20))
    text = rules.report(rules.progress_monotonic_violations(bad))
    assert "[progress-monotonic]" in text
    assert "fullMigrationProgress went down from 60 to 20" in text
    assert '"fullMigrationProgress": 20' in text  # the offending response
    assert '"fullMigrationProgress": 60' in text  # and the one before it


def test_report_shortens_long_lists() -> None:
    bad = session(*[data(fullMigrationProgress=150) for _ in range(8)])
    text = rules.report(rules.progress_range_violations(bad), limit=2)
    assert "8 violation(s)" in text
    assert "and 6 more" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, (12,)),
        ("12", (12,)),
        ("3,100", (3, 100)),
        ("abc", None),
        (True, None),
        (None, None),
    ],
)
def test_checkpoint_value(value: Any, expected: tuple[int, ...] | None) -> None:
    assert rules.checkpoint_value(value) == expected


def test_terminal_statuses_are_those_that_never_run_again() -> None:
    assert {s.value for s in rules.TERMINAL} == {"FINISHED", "RELEASING", "RELEASED", "DELETED"}


def test_rules_do_not_mutate_responses() -> None:
    bad = session(data(fullMigrationProgress=150), data("DELETED"), data("INIT"))
    before = copy.deepcopy([r.body for r in bad])
    rules.session_violations(bad)
    assert [r.body for r in bad] == before
