from __future__ import annotations

import copy
from typing import Any

import pytest
from test_contract_rules import data, envelope, sync_data

from contract_tests import facts, temporal
from contract_tests.levels import Level
from contract_tests.rules import Response, Rule, report
from mock_oms.core.kinds import Kind


def session(*payloads: dict[str, Any], kind: Kind = Kind.MIGRATION) -> list[Response]:
    return [
        Response.of(envelope(p), kind=kind, index=i, at=5.0 * i) for i, p in enumerate(payloads)
    ]


NOW = 1_800_000_000.0  # the server's clock in the sessions below


def at_server(*payloads: dict[str, Any], kind: Kind = Kind.MIGRATION) -> list[Response]:
    """A session whose answers say the server's clock (its Date header): NOW."""
    return [
        Response.of(envelope(p), kind=kind, index=i, at=5.0 * i, server_time=NOW)
        for i, p in enumerate(payloads)
    ]


SUSPENDED = {"status": "SUSPEND"}
NO_INCR: dict[str, Any] = {"enableIncrSync": False, "currentStep": "FULL_MIGRATION"}

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
        session(data(fullMigrationProgress=0), data(fullMigrationProgress=100.0)),
        session(data(fullMigrationProgress=150)),
    ),
    (
        Rule.PROGRESS_RANGE,
        session(data(structMigrationProgress=0)),
        session(data(structMigrationProgress=-1)),
    ),
    (
        Rule.PROGRESS_RANGE,
        session(data(fullMigrationProgress=100)),
        session(data(fullMigrationProgress=100.5)),
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
        # whole floats are numbers like any other: 60 then 60.0 is no change
        session(data(fullMigrationProgress=60), data(fullMigrationProgress=60.0)),
        session(data(fullMigrationProgress=60.0), data(fullMigrationProgress=59.0)),
    ),
    (
        Rule.PROGRESS_MONOTONIC,
        session(data(fullMigrationProgress=60.0), data(fullMigrationProgress=61)),
        session(data(fullMigrationProgress=60), data(fullMigrationProgress=59.0)),
    ),
    (
        Rule.CHECKPOINT_MONOTONIC,
        session(
            data(incrSyncCheckpoint=1_700_000_010),
            data(incrSyncCheckpoint=1_700_000_010.0),
            data(incrSyncCheckpoint=1_700_000_011),
        ),
        session(data(incrSyncCheckpoint=1_700_000_010.0), data(incrSyncCheckpoint=1_700_000_009.0)),
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
        Rule.CHECKPOINT_PLAUSIBLE,
        # 0 is "none yet"; a checkpoint may run a little ahead of the server's clock
        at_server(data(incrSyncCheckpoint=0), data(incrSyncCheckpoint=int(NOW) + 599)),
        at_server(data(incrSyncCheckpoint=int(NOW * 1000))),  # milliseconds
    ),
    (
        Rule.CHECKPOINT_PLAUSIBLE,
        at_server(data(incrSyncCheckpoint=1_420_070_400)),
        at_server(data(incrSyncCheckpoint=3628)),  # the seed page's placeholder
    ),
    (
        Rule.CHECKPOINT_PLAUSIBLE,
        at_server(data(incrSyncCheckpoint=NOW - 5.0)),
        at_server(data(incrSyncCheckpoint=int(NOW) + 601)),
    ),
    (
        Rule.CHECKPOINT_PLAUSIBLE,
        # the reverse checkpoint while reverse sync is on
        at_server(data(enableReverseIncrSync=True, reverseIncrSyncCheckpoint=int(NOW) - 3)),
        at_server(data(enableReverseIncrSync=True, reverseIncrSyncCheckpoint=-1)),
    ),
    (
        Rule.CHECKPOINT_PLAUSIBLE,
        # Sybase's "fileId,fileOffset" is no time; Unix seconds as text are
        at_server(
            sync_data(incrSyncCheckpoint="3,100"),
            sync_data(incrSyncCheckpoint=str(int(NOW) - 2)),
            kind=Kind.SYNC,
        ),
        at_server(sync_data(incrSyncCheckpoint=str(int(NOW * 1000))), kind=Kind.SYNC),
    ),
    (
        Rule.CHECKPOINT_PLAUSIBLE,
        # without the server's clock, only the far future is known to be wrong
        session(data(incrSyncCheckpoint=4_000_000_000)),
        session(data(incrSyncCheckpoint=1_700_000_000_000)),
    ),
    (
        Rule.FROZEN,
        session(
            data(fullMigrationProgress=40),
            data("SUSPEND", fullMigrationProgress=45),  # it moved before the stop
            data("SUSPEND", fullMigrationProgress=45.0),
            data(fullMigrationProgress=50),
        ),
        session(
            data("SUSPEND", fullMigrationProgress=40), data("SUSPEND", fullMigrationProgress=45)
        ),
    ),
    (
        Rule.FROZEN,
        session(data("FAILED", incrSyncCheckpoint=1_700_000_000), data("FAILED")),
        session(
            data("FAILED", incrSyncCheckpoint=1_700_000_000),
            data("FAILED", incrSyncCheckpoint=1_700_000_001),
        ),
    ),
    (
        Rule.FROZEN,
        # SUSPEND -> RELEASING may have run in between (resume, stop, release)
        session(
            data("SUSPEND", fullMigrationProgress=40), data("RELEASING", fullMigrationProgress=60)
        ),
        session(
            data("FINISHED", fullMigrationProgress=100, incrSyncCheckpoint=1_700_000_000),
            data("RELEASED", fullMigrationProgress=100, incrSyncCheckpoint=1_700_000_100),
        ),
    ),
    (
        Rule.FROZEN,
        session(data("INIT", fullMigrationProgress=0), data("INIT", fullMigrationProgress=0)),
        session(data("INIT", fullMigrationProgress=0), data("INIT", fullMigrationProgress=3)),
    ),
    (
        Rule.FROZEN,
        session(
            sync_data("SUSPEND", incrSyncCheckpoint="1700000000"),
            sync_data("SUSPEND", incrSyncCheckpoint="1700000000"),
            kind=Kind.SYNC,
        ),
        session(
            sync_data("SUSPEND", incrSyncCheckpoint="1700000000"),
            sync_data("SUSPEND", incrSyncCheckpoint="1700000009"),
            kind=Kind.SYNC,
        ),
    ),
    (
        Rule.DISABLED_PROGRESS,
        session(
            data(enableStructMigration=False, structMigrationProgress=0),
            data(enableStructMigration=False, structMigrationProgress=0.0),
        ),
        session(
            data(enableStructMigration=False, structMigrationProgress=0),
            data(enableStructMigration=False, structMigrationProgress=100),
        ),
    ),
    (
        Rule.DISABLED_PROGRESS,
        session(
            data(enableFullMigration=False, fullMigrationProgress=100, currentStep="INCR_SYNC")
        ),
        session(data(enableFullMigration=False, fullMigrationProgress=37, currentStep="INCR_SYNC")),
    ),
    (
        Rule.DISABLED_CHECKPOINT,
        session(data(incrSyncCheckpoint=0, **NO_INCR), data(incrSyncCheckpoint=0, **NO_INCR)),
        session(
            data(incrSyncCheckpoint=0, **NO_INCR),
            data(incrSyncCheckpoint=1_700_000_000, **NO_INCR),
        ),
    ),
    (
        Rule.DISABLED_CHECKPOINT,
        # a stale checkpoint may stay; the reverse one moves only with reverse sync on
        session(data(reverseIncrSyncCheckpoint=5), data(reverseIncrSyncCheckpoint=5.0)),
        session(data(reverseIncrSyncCheckpoint=5), data(reverseIncrSyncCheckpoint=6)),
    ),
    (
        Rule.DISABLED_CHECKPOINT,
        session(
            sync_data(enableIncrSync=False, currentStep="FULL_MIGRATION", incrSyncCheckpoint="0"),
            kind=Kind.SYNC,
        ),
        session(
            sync_data(enableIncrSync=False, currentStep="FULL_MIGRATION", incrSyncCheckpoint="0"),
            sync_data(enableIncrSync=False, currentStep="FULL_MIGRATION", incrSyncCheckpoint="1"),
            kind=Kind.SYNC,
        ),
    ),
    (
        Rule.FINISHED_COMPLETE,
        session(
            data(
                "FINISHED",
                fullMigrationProgress=100.0,
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
        Rule.STEP_MATCHES_FLAGS,
        session(data(currentStep="INCR_SYNC")),
        session(data(**{**NO_INCR, "currentStep": "INCR_SYNC"})),
    ),
    (
        Rule.STEP_MATCHES_FLAGS,
        session(data(currentStep="APP_SWITCH")),
        session(data(currentStep="MIGRATING")),
    ),
    (
        Rule.STEP_MATCHES_FLAGS,
        session(
            sync_data(currentStep="SYNC_INCR_LOG_PULL"),
            sync_data(currentStep="STRUCT_SYNC"),
            kind=Kind.SYNC,
        ),
        session(sync_data(currentStep="REVERSE_INCR_SYNC"), kind=Kind.SYNC),
    ),
    (
        Rule.FLAGS_CONSTANT,
        session(data(), data()),
        session(data(), data(enableIncrSync=False, currentStep="FULL_MIGRATION")),
    ),
]

# Sessions the compatible level keeps and the strict level breaks: V4 step names, the
# sync-only names on a migration project.
STRICT_ONLY: list[tuple[Rule, list[Response]]] = [
    (Rule.STEP_MATCHES_FLAGS, session(data(currentStep="INCR_TRANSFER"))),
    (Rule.STEP_MATCHES_FLAGS, session(data(currentStep="TRANSFER_PRECHECK"))),
    (Rule.STEP_MATCHES_FLAGS, session(data(currentStep="STRUCT_SYNC"))),
]


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(
    ("rule", "good", "bad"), SESSIONS, ids=[f"{s[0].value}-{i}" for i, s in enumerate(SESSIONS)]
)
def test_session_rule(rule: Rule, good: list[Response], bad: list[Response], level: Level) -> None:
    check = temporal.SESSION_RULES[rule]
    assert check(good, level) == []
    found = check(bad, level)
    assert found
    assert {v.rule for v in found} == {rule}
    assert found[0].response is bad[-1]


@pytest.mark.parametrize(("rule", "good", "bad"), SESSIONS)
def test_every_rule_accepts_the_good_sessions(
    rule: Rule, good: list[Response], bad: list[Response]
) -> None:
    assert temporal.session_violations(good, Level.COMPATIBLE) == []
    # the strict schema wants integers written as integers; nothing else differs here
    strict = temporal.session_violations(good, Level.STRICT)
    assert all(v.rule is Rule.SCHEMA and "'integer'" in v.message for v in strict)
    assert bool(strict) == any(".0" in r.text for r in good)


@pytest.mark.parametrize(("rule", "responses"), STRICT_ONLY)
def test_what_only_the_strict_level_refuses(rule: Rule, responses: list[Response]) -> None:
    assert temporal.session_violations(responses, Level.COMPATIBLE) == []
    found = temporal.session_violations(responses, Level.STRICT)
    assert {v.rule for v in found} == {rule}


def test_the_clock_skew_is_the_callers() -> None:
    ahead = at_server(data(incrSyncCheckpoint=int(NOW) + 100))
    assert temporal.checkpoint_plausible_violations(ahead, skew=100) == []
    assert temporal.checkpoint_plausible_violations(ahead, skew=99)


def test_milliseconds_are_named() -> None:
    (found,) = temporal.checkpoint_plausible_violations(
        at_server(data(incrSyncCheckpoint=1_700_000_000_000))
    )
    assert "milliseconds" in found.message


def test_a_project_that_never_answered_with_data_is_a_violation() -> None:
    errors = [Response.of(envelope(None), index=i) for i in range(3)]
    (found,) = temporal.observed_violations(errors)
    assert found.rule is Rule.OBSERVED
    assert "none of the 3 polls" in found.message
    assert temporal.observed_violations([*errors, *session(data())]) == []
    assert temporal.observed_violations([]) == []


@pytest.mark.parametrize(
    ("src", "dst", "may_run"),
    [
        ("SUSPEND", "SUSPEND", False),
        ("FAILED", "FAILED", False),
        ("RUNNING", "RUNNING", True),
        ("INIT", "FINISHED", True),
        ("SUSPEND", "RELEASING", True),
        ("FINISHED", "RELEASED", False),
        ("RELEASING", "DELETED", False),
        ("INIT", "DELETED", True),  # started, finished, released, deleted between the polls
        ("RELEASED", "DELETED", False),
    ],
)
def test_when_a_run_may_lie_between_two_polls(src: str, dst: str, may_run: bool) -> None:
    assert facts.may_run_between(src, dst) is may_run


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
        (12.0, (12,)),
        ("12", (12,)),
        (" 12 ", (12,)),
        ("12.5", (12.5,)),
        ("3,100", (3, 100)),
        ("abc", None),
        (True, None),
        (None, None),
    ],
)
def test_checkpoint_value(value: Any, expected: tuple[int, ...] | None) -> None:
    assert temporal.checkpoint_value(value) == expected


def test_terminal_statuses_are_those_that_never_run_again() -> None:
    assert {"FINISHED", "RELEASING", "RELEASED", "DELETED"} == temporal.TERMINAL


def test_rules_do_not_mutate_responses() -> None:
    bad = session(data(fullMigrationProgress=150), data("DELETED"), data("INIT"))
    before = copy.deepcopy([r.body for r in bad])
    temporal.session_violations(bad)
    assert [r.body for r in bad] == before
