"""The V4 step list as a part of the story (core/stepline.py, core/stepview.py), and the
V4 progress as the same snapshot in other names (oms/v4.py): derived steps, scripted steps,
their times, and the invariants any scenario keeps under any actions."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenario_docs import scenario_documents

from mock_oms.core import engine, stepview
from mock_oms.core.engine import ProjectState, Snapshot
from mock_oms.core.errors import IllegalAction, ScenarioError
from mock_oms.core.lifecycle import Action, Status
from mock_oms.core.steps import INCREMENTAL_ROLES, StepStatus, v4_name, v4_steps
from mock_oms.core.stepview import StepView
from mock_oms.oms import envelope, v4
from mock_oms.scenarios.loader import load_bundled, load_document

EPOCH = 1_700_000_000.0
BUNDLED = load_bundled()


def start(doc_or_name: dict[str, Any] | str, *, hold: bool = False) -> ProjectState:
    scenario = BUNDLED.scenarios[doc_or_name] if isinstance(doc_or_name, str) else None
    if scenario is None:
        assert isinstance(doc_or_name, dict)
        scenario = load_document(doc_or_name)
    return engine.start(engine.compile_scenario(scenario), "p", 0.0, EPOCH, hold=hold)


def at(state: ProjectState, t: float) -> tuple[ProjectState, Snapshot, dict[str, StepView]]:
    state, snap = engine.observe(state, t)
    views = stepview.steps_at(state, snap)
    return state, snap, {v.step.name: v for v in views}


def statuses(views: dict[str, StepView]) -> dict[str, str]:
    return {name: view.status.value for name, view in views.items()}


def migration(*timeline: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "s", "kind": "migration", "timeline": list(timeline), **extra}


# -- derived from the phases ------------------------------------------------------------------


def test_a_plain_migration_derives_its_steps_from_its_phases() -> None:
    state = start("full-migration")  # INIT 10, precheck 20, struct 60, full 360, index 30
    state, _, views = at(state, 5)
    assert set(statuses(views).values()) == {"INIT"}
    assert list(views) == [
        "TRANSFER_PRECHECK",
        "STRUCT_TRANSFER",
        "FULL_TRANSFER",
        "INDEX_TRANSFER",
        "TRANSFER_APP_SWITCH",
    ]
    state, snap, views = at(state, 10 + 20 + 60 + 180)
    assert statuses(views) == {
        "TRANSFER_PRECHECK": "FINISHED",
        "STRUCT_TRANSFER": "FINISHED",
        "FULL_TRANSFER": "RUNNING",
        "INDEX_TRANSFER": "INIT",
        "TRANSFER_APP_SWITCH": "INIT",
    }
    assert views["FULL_TRANSFER"].progress == snap.full == 50
    assert views["TRANSFER_PRECHECK"].started == EPOCH + 10
    assert views["TRANSFER_PRECHECK"].finished == EPOCH + 30
    assert views["FULL_TRANSFER"].started == EPOCH + 90
    assert views["FULL_TRANSFER"].finished is None
    state, _, views = at(state, 10_000)
    assert set(statuses(views).values()) == {"FINISHED"}
    assert views["INDEX_TRANSFER"].finished == EPOCH + 480


def test_a_figureless_step_progresses_over_its_phases() -> None:
    state = start("full-migration")
    _, _, views = at(state, 10 + 15)  # three quarters through the 20 s precheck
    assert views["TRANSFER_PRECHECK"].status is StepStatus.RUNNING
    assert views["TRANSFER_PRECHECK"].progress == 75


def test_incremental_sync_monitors_and_verification_runs_beside_it() -> None:
    _state, snap, views = at(start("online-schema-change"), 1000)
    assert snap.status is Status.RUNNING
    assert statuses(views) == {
        "TRANSFER_PRECHECK": "FINISHED",
        "TRANSFER_INCR_LOG_PULL": "FINISHED",
        "FULL_TRANSFER": "FINISHED",
        "INCR_TRANSFER": "MONITORING",
        "FULL_VERIFIER": "RUNNING",
        "TRANSFER_APP_SWITCH": "INIT",
    }
    assert views["INCR_TRANSFER"].progress == views["FULL_VERIFIER"].progress == 100
    assert EPOCH + 1000 - snap.incr == 3  # 3 s behind the clock


def test_incremental_sync_catches_up_before_it_monitors() -> None:
    # INIT 5, precheck 10, log pull 10, full 60, then 15 s of catching up
    _, snap, views = at(start("online-schema-change"), 5 + 10 + 10 + 60 + 6)
    assert views["INCR_TRANSFER"].status is StepStatus.RUNNING
    assert views["INCR_TRANSFER"].progress == 40
    assert views["FULL_VERIFIER"].status is StepStatus.INIT
    assert snap.incr == EPOCH + 75  # held where the full transfer left it, 16 s behind


def test_reverse_sync_after_the_switchover() -> None:
    scenario = BUNDLED.scenarios["reverse-sync"]
    state = start("reverse-sync")
    _, snap, views = at(state, scenario.duration or 0)
    assert v4_name(scenario.kind, snap.step) == "REVERSE_INCR_TRANSFER"
    assert views["REVERSE_INCR_TRANSFER"].status is StepStatus.MONITORING
    assert views["INCR_TRANSFER"].status is StepStatus.FINISHED
    assert views["TRANSFER_APP_SWITCH"].status is StepStatus.FINISHED


def test_a_failed_project_fails_its_current_step_with_the_scripted_error() -> None:
    _, _, views = at(start("precheck-failure"), 100)
    precheck = views["TRANSFER_PRECHECK"]
    assert precheck.status is StepStatus.FAILED
    assert precheck.progress == 60
    assert precheck.error is not None
    assert precheck.error[0] == "PRECHECK-PRIVILEGE-0001"
    assert "CREATE privilege" in precheck.error[1]
    assert precheck.failed == EPOCH + 20
    assert statuses(views)["FULL_TRANSFER"] == "INIT"


def test_a_step_fails_while_the_project_runs_and_recovers() -> None:
    state = start("full-transfer-failure-recovers")  # fails from 65 s to 125 s
    state, snap, views = at(state, 90)
    assert snap.status is Status.RUNNING
    full = views["FULL_TRANSFER"]
    assert (full.status, full.progress) == (StepStatus.FAILED, 40)
    assert full.failed == EPOCH + 65
    assert full.error is not None
    assert "obproxy" in full.error[1]
    state, snap, views = at(state, 130)
    full = views["FULL_TRANSFER"]
    assert full.status is StepStatus.RUNNING
    assert (full.failed, full.error) == (None, None)
    assert full.started == EPOCH + 25  # it started once
    _, snap, views = at(state, 10_000)
    assert snap.status is Status.FINISHED
    assert set(statuses(views).values()) == {"FINISHED"}


def test_stop_suspends_and_fail_fails_the_running_step() -> None:
    state = start("incremental-sync")
    state = engine.act(state, Action.STOP, 100)  # in the full migration
    _, _, views = at(state, 150)
    assert views["FULL_TRANSFER"].status is StepStatus.SUSPEND
    state = engine.act(state, Action.RESUME, 150)
    state = engine.act(state, Action.FAIL, 160)
    _, _, views = at(state, 170)
    assert views["FULL_TRANSFER"].status is StepStatus.FAILED
    assert views["FULL_TRANSFER"].failed == EPOCH + 160
    assert views["FULL_TRANSFER"].error is not None


def test_a_held_project_shows_every_step_in_init_until_started() -> None:
    state = start("online-schema-change", hold=True)
    state, snap, views = at(state, 500)
    assert snap.status is Status.INIT
    assert set(statuses(views).values()) == {"INIT"}
    state = engine.act(state, Action.START, 500)
    state, snap, views = at(state, 500)
    assert snap.status is Status.RUNNING
    assert views["TRANSFER_PRECHECK"].started == EPOCH + 500
    _, snap, views = at(state, 500 + 15)  # the script runs from the start on
    assert snap.step == "INCR_LOG_PULL"
    assert views["TRANSFER_PRECHECK"].finished == EPOCH + 510


def test_a_checkpoint_may_lead_the_clock() -> None:
    lead = {"incr": {"mode": "follow", "lead": 2}}
    doc = migration(
        {"status": "RUNNING", "step": "INCR_SYNC", "checkpoint": lead}, flags={"incr": True}
    )
    _, snap, _ = at(start(doc), 100)
    assert snap.incr == EPOCH + 102


# -- scripted steps: the rules a schema cannot state -------------------------------------------


@pytest.mark.parametrize(
    ("steps", "flags", "reason"),
    [
        ({"NOT_A_STEP": "RUNNING"}, {}, "no migration project has a V4 step"),
        ({"INCR_TRANSFER": "MONITORING"}, {}, "needs the incr flag"),
        ({"FULL_VERIFIER": "RUNNING"}, {}, "needs the verify flag"),
        ({"FULL_TRANSFER": "MONITORING"}, {}, "only incremental steps"),
        ({"FULL_TRANSFER": {"status": "FINISHED", "progress": 50}}, {}, "FINISHED step is at 100"),
        ({"FULL_TRANSFER": {"status": "RUNNING", "error": {"message": "x"}}}, {}, "only a FAILED"),
        ({"FULL_TRANSFER": {"progress": [50, 10]}}, {}, "never decreases"),
    ],
)
def test_scripted_steps_are_checked(
    steps: dict[str, Any], flags: dict[str, bool], reason: str
) -> None:
    doc = migration({"status": "RUNNING", "step": "FULL_MIGRATION", "steps": steps}, flags=flags)
    with pytest.raises(ScenarioError) as problems:
        load_document(doc)
    assert reason in str(problems.value)
    assert problems.value.problems[0].path.startswith("timeline[0].steps")


def test_no_step_runs_in_init_and_verification_needs_its_flag() -> None:
    with pytest.raises(ScenarioError, match="no step runs"):
        load_document(migration({"status": "INIT", "steps": {"TRANSFER_PRECHECK": "RUNNING"}}))
    with pytest.raises(ScenarioError, match="verify: true"):
        load_document(migration({"status": "INIT"}, verification={"differences": 1}))


# -- invariants for any scenario, any actions ---------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.floats(0, 200, allow_nan=False)),
        st.tuples(st.just("poll"), st.none()),
        st.tuples(st.just("act"), st.sampled_from(Action)),
    ),
    max_size=40,
)


def check_steps(state: ProjectState, snap: Snapshot, views: tuple[StepView, ...]) -> None:
    scenario = state.scenario
    expected = v4_steps(scenario.kind, scenario.flags)
    assert [v.step for v in views] == list(expected)  # disabled phases absent, in order
    assert [v.order for v in views] == list(range(1, len(views) + 1))
    current = next((v for v in views if snap.step in v.step.v3), None)
    for view in views:
        assert 0 <= view.progress <= 100
        if view.status is StepStatus.FINISHED:
            assert view.progress == 100
        if view.status is StepStatus.MONITORING:
            assert view.step.role in INCREMENTAL_ROLES
        if view.started is not None and view.finished is not None:
            assert view.started <= view.finished
        if view.status is StepStatus.INIT:
            assert view.finished is None
        assert (view.status is StepStatus.FAILED) == (view.error is not None)
    if snap.status is Status.INIT:
        assert {v.status for v in views} == {StepStatus.INIT}
    elif snap.status is Status.FINISHED:
        assert {v.status for v in views} == {StepStatus.FINISHED}
    elif snap.status in (Status.RUNNING, Status.SUSPEND, Status.FAILED) and current is not None:
        assert current.status is not StepStatus.INIT  # the list agrees on the current step
        if current.step.name == "FULL_TRANSFER" and current.status is not StepStatus.FINISHED:
            assert current.progress == snap.full
        if snap.status is Status.FAILED and state.override is None:
            assert current.status is StepStatus.FAILED


def check_dialects(state: ProjectState, snap: Snapshot) -> None:
    """The same snapshot, V3 and V4: the same figures in each one's names."""
    scenario = state.scenario
    flags, kind = scenario.flags, scenario.kind
    old = envelope.data(kind, flags, snap)
    new = v4.progress_data("p", kind, flags, snap)
    assert (new["status"], new["alarmLevel"]) == (old["status"], old["importance"])
    assert new["currentStep"] == v4_name(kind, old["currentStep"])
    assert new["structTransferProgress"] == old["structMigrationProgress"]
    assert new["fullTransferProgress"] == old["fullMigrationProgress"]
    if flags.incr:
        assert str(new["incrSyncCheckpoint"]) == str(old["incrSyncCheckpoint"])
    if flags.reverse:
        assert new["reverseIncrTransferCheckpoint"] == old["reverseIncrSyncCheckpoint"]
    body = v4.progress_body("p", kind, flags, snap, "rid", "0 ms")
    assert body == envelope.encode(v4.success(new, "rid", "0 ms"))  # the template, byte for byte


@st.composite
def with_verification(draw: st.DrawFn) -> dict[str, Any]:
    """A generated scenario, with full verification sometimes on."""
    doc = draw(scenario_documents())
    doc["flags"] = {**doc.get("flags", {}), "verify": draw(st.booleans())}
    return doc


@given(with_verification(), operations)
def test_the_step_list_keeps_its_rules_for_any_scenario_and_actions(
    doc: dict[str, Any], ops: list[tuple[str, Any]]
) -> None:
    state = start(doc)
    t = 0.0
    for op, arg in ops:
        if op == "advance":
            t += arg
            continue
        if op == "act":
            with contextlib.suppress(IllegalAction):
                state = engine.act(state, arg, t)
            continue
        state, snap = engine.poll(state, t)
        check_steps(state, snap, stepview.steps_at(state, snap))
        check_dialects(state, snap)


@pytest.mark.parametrize("name", sorted(s.name for s in BUNDLED if s.replay is None))
def test_every_bundled_scenario_keeps_the_rules_along_its_story(name: str) -> None:
    state = start(name)
    duration = BUNDLED.scenarios[name].duration or 600.0
    for tenth in range(0, 13):
        state, snap = engine.poll(state, duration * tenth / 10)
        views = stepview.steps_at(state, snap)
        check_steps(state, snap, views)
        check_dialects(state, snap)
        json.dumps(v4.steps_data(views, snap, int(EPOCH)))  # every step renders as JSON
