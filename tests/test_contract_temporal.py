from __future__ import annotations

import copy
from typing import Any

import pytest
from test_contract_rules import data, envelope, sync_data

from contract_tests import temporal
from contract_tests.rules import Response, Rule, report
from mock_oms.core.kinds import Kind


def session(*payloads: dict[str, Any], kind: Kind = Kind.MIGRATION) -> list[Response]:
    return [
        Response.of(envelope(p), kind=kind, index=i, at=5.0 * i) for i, p in enumerate(payloads)
    ]


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
    check = temporal.SESSION_RULES[rule]
    assert check(good) == []
    found = check(bad)
    assert found
    assert {v.rule for v in found} == {rule}
    assert found[0].response is bad[-1]


@pytest.mark.parametrize(("rule", "good", "bad"), SESSIONS)
def test_every_rule_accepts_the_good_sessions(
    rule: Rule, good: list[Response], bad: list[Response]
) -> None:
    assert temporal.session_violations(good) == []


def test_session_rules_skip_error_responses() -> None:
    responses = [
        *session(data(fullMigrationProgress=60)),
        Response.of(envelope(None), index=1),
        *session(data(fullMigrationProgress=70)),
    ]
    assert temporal.session_violations(responses) == []


def test_a_violation_shows_the_rule_and_the_responses() -> None:
    bad = session(data(fullMigrationProgress=60), data(fullMigrationProgress=20))
    text = report(temporal.progress_monotonic_violations(bad))
    assert "[progress-monotonic]" in text
    assert "fullMigrationProgress went down from 60 to 20" in text
    assert '"fullMigrationProgress": 20' in text  # the offending response
    assert '"fullMigrationProgress": 60' in text  # and the one before it


def test_report_shortens_long_lists() -> None:
    bad = session(*[data(fullMigrationProgress=150) for _ in range(8)])
    text = report(temporal.progress_range_violations(bad), limit=2)
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
    assert temporal.checkpoint_value(value) == expected


def test_terminal_statuses_are_those_that_never_run_again() -> None:
    assert {s.value for s in temporal.TERMINAL} == {"FINISHED", "RELEASING", "RELEASED", "DELETED"}


def test_rules_do_not_mutate_responses() -> None:
    bad = session(data(fullMigrationProgress=150), data("DELETED"), data("INIT"))
    before = copy.deepcopy([r.body for r in bad])
    temporal.session_violations(bad)
    assert [r.body for r in bad] == before
