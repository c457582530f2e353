from __future__ import annotations

import contextlib
import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenario_docs import scenario_documents

from mock_oms.core import engine
from mock_oms.core.engine import ProjectState, Snapshot
from mock_oms.core.errors import IllegalAction, ParamError
from mock_oms.core.lifecycle import (
    Action,
    Importance,
    Status,
    is_edge,
    legal_actions,
    reachable,
    result_of,
)
from mock_oms.core.steps import step_problem
from mock_oms.scenarios.loader import load_bundled, load_document

EPOCH = 1_700_000_000.0


def project(doc: dict[str, Any], t: float = 0.0) -> ProjectState:
    return engine.start(engine.compile_scenario(load_document(doc)), "p", t, EPOCH)


def migration(*timeline: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "s", "kind": "migration", "timeline": list(timeline), **extra}


def at(state: ProjectState, t: float) -> Snapshot:
    return engine.observe(state, t)[1]


# -- stories -------------------------------------------------------------------------------


def test_progress_moves_linearly_and_phases_follow_each_other() -> None:
    state = project(
        migration(
            {"status": "INIT", "seconds": 10},
            {
                "status": "RUNNING",
                "step": "STRUCT_MIGRATION",
                "seconds": 100,
                "progress": {"struct": [0, 100]},
            },
            {"status": "FINISHED", "step": "APP_SWITCH"},
            flags={"full": False},
        )
    )
    assert at(state, 0).status is Status.INIT
    assert at(state, 9.99).status is Status.INIT
    assert (at(state, 10).status, at(state, 10).struct) == (Status.RUNNING, 0)
    assert at(state, 60).struct == 50
    assert at(state, 109.9).struct == 99
    final = at(state, 110)
    assert (final.status, final.step, final.struct, final.full) == (
        Status.FINISHED,
        "APP_SWITCH",
        100,
        0,
    )
    assert at(state, 10_000).status is Status.FINISHED


def test_full_migration_failure_fails_at_63_percent() -> None:
    c = engine.compile_scenario(load_bundled().scenarios["full-migration-failure"])
    state = engine.start(c, "p", 0, EPOCH)
    snaps = [at(state, t) for t in range(0, 400)]
    failed = [s for s in snaps if s.status is Status.FAILED]
    assert failed
    assert {(s.full, s.importance, s.step) for s in failed} == {
        (63, Importance.HIGH, "FULL_MIGRATION")
    }
    assert max(s.full for s in snaps if s.status is Status.RUNNING) < 63


def test_stall_freezes_the_checkpoint_and_raises_the_alert() -> None:
    c = engine.compile_scenario(load_bundled().scenarios["incr-sync-stall"])
    state = engine.start(c, "p", 0, EPOCH)
    following = [at(state, t) for t in (100, 120, 140)]
    assert [s.incr for s in following] == [EPOCH + 98, EPOCH + 118, EPOCH + 138]
    stalled = [at(state, t) for t in (160, 260, 1000, 5000)]
    assert len({s.incr for s in stalled}) == 1
    assert [s.importance for s in stalled] == [
        Importance.MEDIUM,
        Importance.MEDIUM,
        Importance.HIGH,
        Importance.HIGH,
    ]
    assert all(s.status is Status.RUNNING for s in stalled)


def test_checkpoint_starts_at_zero_and_follows_with_lag() -> None:
    state = project(
        migration(
            {"status": "RUNNING", "step": "PRE_CHECK", "seconds": 10},
            {
                "status": "RUNNING",
                "step": "INCR_SYNC",
                "checkpoint": {"incr": {"mode": "follow", "lag": 3}},
            },
            flags={"incr": True},
        )
    )
    assert at(state, 5).incr == 0
    assert at(state, 10).incr == EPOCH + 7
    assert at(state, 50).incr == EPOCH + 47
    assert at(state, 50).reverse == 0


def test_a_larger_lag_never_moves_the_checkpoint_back() -> None:
    state = project(
        migration(
            {
                "status": "RUNNING",
                "step": "INCR_SYNC",
                "seconds": 100,
                "checkpoint": {"incr": {"mode": "follow", "lag": 0}},
            },
            {
                "status": "RUNNING",
                "step": "INCR_SYNC",
                "checkpoint": {"incr": {"mode": "follow", "lag": 50}},
            },
            flags={"incr": True},
        )
    )
    values = [at(state, t).incr for t in (99, 100, 120, 149, 150, 151, 200)]
    assert values == [
        EPOCH + 99,
        EPOCH + 100,
        EPOCH + 100,
        EPOCH + 100,
        EPOCH + 100,
        EPOCH + 101,
        EPOCH + 150,
    ]


def test_phases_counted_in_polls_work_without_time() -> None:
    state = project(
        migration(
            {"status": "INIT", "polls": 2},
            {
                "status": "RUNNING",
                "step": "FULL_MIGRATION",
                "polls": 4,
                "progress": {"full": [0, 100]},
            },
            {"status": "FINISHED"},
            flags={"struct": False},
        )
    )
    shown = []
    for _ in range(8):
        state, snap = engine.poll(state, 0.0)
        shown.append((snap.status.value, snap.full))
    assert shown == [
        ("INIT", 0),
        ("INIT", 0),
        ("RUNNING", 25),
        ("RUNNING", 50),
        ("RUNNING", 75),
        ("RUNNING", 100),
        ("FINISHED", 100),
        ("FINISHED", 100),
    ]


def test_observing_does_not_count_as_a_poll() -> None:
    state = project(migration({"status": "INIT", "polls": 1}, {"status": "RUNNING"}))
    for _ in range(5):
        state, snap = engine.observe(state, 0.0)
        assert snap.status is Status.INIT
    state, snap = engine.poll(state, 0.0)
    assert snap.status is Status.INIT
    assert engine.poll(state, 0.0)[1].status is Status.RUNNING


def test_a_waiting_phase_waits_for_its_action() -> None:
    state = project(
        migration(
            {"status": "INIT"},
            {
                "status": "RUNNING",
                "seconds": 10,
                "step": "FULL_MIGRATION",
                "progress": {"full": [0, 100]},
            },
            {"status": "FINISHED"},
            flags={"struct": False},
        )
    )
    assert at(state, 1000).status is Status.INIT
    state = engine.act(state, Action.START, 1000)
    assert (at(state, 1000).status, at(state, 1005).full, at(state, 1010).status) == (
        Status.RUNNING,
        50,
        Status.FINISHED,
    )


def test_stop_holds_the_script_and_resume_continues_it() -> None:
    state = project(
        migration(
            {
                "status": "RUNNING",
                "step": "FULL_MIGRATION",
                "seconds": 100,
                "progress": {"full": [0, 100]},
            },
            {"status": "FINISHED"},
            flags={"struct": False},
        )
    )
    state = engine.act(state, Action.STOP, 40)
    held = [at(state, t) for t in (40, 100, 500)]
    assert {(s.status, s.full) for s in held} == {(Status.SUSPEND, 40)}
    state = engine.act(state, Action.RESUME, 500)
    assert (at(state, 500).status, at(state, 500).full) == (Status.RUNNING, 40)
    assert at(state, 530).full == 70
    assert at(state, 560).status is Status.FINISHED
    assert [(e.before, e.after, e.action) for e in engine.observe(state, 560)[0].events] == [
        (Status.RUNNING, Status.SUSPEND, Action.STOP),
        (Status.SUSPEND, Status.RUNNING, Action.RESUME),
        (Status.RUNNING, Status.FINISHED, None),
    ]
    assert engine.observe(state, 560)[0].events[-1].at == 560


def test_fail_raises_the_alert_and_release_leads_to_released() -> None:
    state = project(migration({"status": "RUNNING", "step": "FULL_MIGRATION"}))
    state = engine.act(state, Action.FAIL, 10, detail="disk full")
    snap = at(state, 11)
    assert (snap.status, snap.importance) == (Status.FAILED, Importance.HIGH)
    state = engine.act(state, Action.RELEASE, 20)
    assert at(state, 24.9).status is Status.RELEASING
    state, snap = engine.observe(state, 25)
    assert snap.status is Status.RELEASED
    assert state.events[-1].at == 25
    state = engine.act(state, Action.DELETE, 30)
    assert at(state, 1e9).status is Status.DELETED


def test_fail_with_a_step_checks_the_step_against_the_flags() -> None:
    state = project(
        migration({"status": "RUNNING", "step": "FULL_MIGRATION"}, flags={"incr": False})
    )
    with pytest.raises(ParamError, match="INCR_SYNC"):
        engine.act(state, Action.FAIL, 0, step="INCR_SYNC")
    failed = engine.act(state, Action.FAIL, 0, step="PRE_CHECK")
    assert at(failed, 0).step == "PRE_CHECK"


def test_resume_goes_where_the_scenario_says() -> None:
    state = project(
        migration(
            {
                "status": "RUNNING",
                "step": "FULL_MIGRATION",
                "seconds": 10,
                "progress": {"full": [0, 60]},
            },
            {"status": "FAILED", "resume": "retry"},
            {"id": "retry", "status": "RUNNING", "seconds": 10, "progress": {"full": [0, 100]}},
            {"status": "FINISHED"},
            flags={"struct": False},
        )
    )
    assert at(state, 500).status is Status.FAILED
    state = engine.act(state, Action.RESUME, 500)
    assert [at(state, t).full for t in (500, 505)] == [0, 50]
    assert at(state, 510).status is Status.FINISHED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.INIT, Action.STOP),
        (Status.INIT, Action.RELEASE),
        (Status.RUNNING, Action.RELEASE),
        (Status.RUNNING, Action.RESUME),
        (Status.FINISHED, Action.RESUME),
        (Status.FINISHED, Action.STOP),
        (Status.DELETED, Action.DELETE),
    ],
)
def test_illegal_actions_are_refused_and_change_nothing(status: Status, action: Action) -> None:
    state = project(
        migration(
            {
                "status": status.value,
                "progress": ({"struct": 100, "full": 100} if status is Status.FINISHED else {}),
            }
        )
    )
    with pytest.raises(IllegalAction) as refused:
        engine.act(state, action, 5)
    assert refused.value.status is status
    assert status.value in refused.value.message
    # the refusal names what is legal instead (from the table, not from the engine)
    assert refused.value.legal == legal_actions(status)
    assert action not in refused.value.legal
    assert state.events == ()


# -- invariants over generated scenarios ---------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.floats(0, 200, allow_nan=False)),
        st.tuples(st.just("poll"), st.none()),
        st.tuples(st.just("observe"), st.none()),
        st.tuples(st.just("act"), st.sampled_from(Action)),
    ),
    max_size=60,
)


def play(doc: dict[str, Any], ops: list[tuple[str, Any]]) -> tuple[list[Snapshot], ProjectState]:
    """Apply ``ops``, checking each action against the lifecycle table as it goes."""
    state = project(doc)
    t = 0.0
    shown: list[Snapshot] = []
    for op, arg in ops:
        if op == "advance":
            t += arg
        elif op in ("poll", "observe"):
            state, snap = (engine.poll if op == "poll" else engine.observe)(state, t)
            shown.append(snap)
        else:
            before = engine.observe(state, t)[1]
            expected = result_of(before.status, arg)
            try:
                state = engine.act(state, arg, t)
            except IllegalAction:
                assert expected is None
                assert engine.observe(state, t)[1] == before
            else:
                assert expected is not None
                assert engine.observe(state, t)[1].status is expected
    return shown, state


def runs_started(state: ProjectState) -> int:
    return sum(1 for e in state.events if e.after is Status.RUNNING and e.before is not e.after)


@given(scenario_documents(), operations)
def test_invariants_hold_for_generated_scenarios(
    doc: dict[str, Any], ops: list[tuple[str, Any]]
) -> None:
    scenario = load_document(doc)
    state = project(doc)
    t = 0.0
    previous: Snapshot | None = None
    previous_runs = 0
    for op, arg in ops:
        if op == "advance":
            t += arg
            continue
        if op == "act":
            with contextlib.suppress(IllegalAction):
                state = engine.act(state, arg, t)
            continue
        state, snap = (engine.poll if op == "poll" else engine.observe)(state, t)
        assert 0 <= snap.struct <= 100 and 0 <= snap.full <= 100
        assert step_problem(scenario.kind, scenario.flags, snap.step) is None
        if snap.status is Status.FINISHED:  # every enabled phase is done
            assert snap.struct == 100 or not scenario.flags.struct
            assert snap.full == 100 or not scenario.flags.full
        if not scenario.flags.struct:
            assert snap.struct == 0
        if not scenario.flags.full:
            assert snap.full == 0
        if previous is not None:
            assert reachable(previous.status, snap.status), (previous.status, snap.status)
            assert snap.incr >= previous.incr and snap.reverse >= previous.reverse
            same_run = runs_started(state) == previous_runs
            if same_run and previous.status is Status.RUNNING and snap.status is Status.RUNNING:
                assert snap.struct >= previous.struct and snap.full >= previous.full
        previous, previous_runs = snap, runs_started(state)
    # every change the engine made, scripted or acted, is a legal edge, and they chain
    events = engine.observe(state, t)[0].events
    for event in events:
        assert is_edge(event.before, event.after), event
    for first, second in itertools.pairwise(events):
        assert first.after is second.before
        assert first.at <= second.at


@given(scenario_documents(), operations)
def test_actions_follow_the_lifecycle_table(
    doc: dict[str, Any], ops: list[tuple[str, Any]]
) -> None:
    play(doc, ops)


@given(scenario_documents(), operations)
def test_the_snapshot_is_a_function_of_scenario_start_events_and_clock(
    doc: dict[str, Any], ops: list[tuple[str, Any]]
) -> None:
    first, _ = play(doc, ops)
    second, _ = play(doc, ops)
    assert first == second


@pytest.mark.parametrize("name", sorted(load_bundled().scenarios))
def test_bundled_scenarios_keep_the_invariants_at_every_second(name: str) -> None:
    scenario = load_bundled().scenarios[name]
    state = engine.start(engine.compile_scenario(scenario), name, 0, EPOCH)
    previous = None
    for t in range(0, 1200):
        state, snap = engine.poll(state, float(t))
        if previous is not None:
            assert is_edge(previous.status, snap.status)
            assert snap.incr >= previous.incr
        assert step_problem(scenario.kind, scenario.flags, snap.step) is None
        previous = snap
