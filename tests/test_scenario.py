from __future__ import annotations

from typing import Any

import pytest

from mock_oms.core.errors import ScenarioError
from mock_oms.core.lifecycle import Status
from mock_oms.core.scenario import CheckpointMode
from mock_oms.scenarios.loader import load_document


def doc(*timeline: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "s", "kind": "migration", "timeline": list(timeline), **extra}


def problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as refused:
        load_document(document)
    return [p.reason for p in refused.value.problems]


RUN = {"status": "RUNNING", "seconds": 10}

BROKEN: list[tuple[str, dict[str, Any], str]] = [
    (
        "illegal transition",
        doc({"status": "INIT", "seconds": 1}, {"status": "FINISHED"}),
        "illegal status change INIT -> FINISHED",
    ),
    (
        "terminal stays terminal",
        doc({"status": "DELETED"}, {"status": "RUNNING"}),
        "DELETED is terminal",
    ),
    (
        "released only to deleted",
        doc({"status": "RELEASED", "seconds": 1}, RUN),
        "illegal status change RELEASED -> RUNNING",
    ),
    (
        "unreachable after a waiting phase",
        doc({"status": "RUNNING"}, {"status": "FINISHED"}),
        "can never start",
    ),
    (
        "step of a disabled phase",
        doc({"status": "RUNNING", "step": "INCR_SYNC"}),
        "needs the incr phase",
    ),
    (
        "full verification is never current",
        doc({"status": "RUNNING", "step": "FULL_VALIDATION"}),
        "full verification",
    ),
    ("unknown step", doc({"status": "RUNNING", "step": "WARP_DRIVE"}), "unknown migration step"),
    (
        "sync step on a migration",
        doc({"status": "RUNNING", "step": "STRUCT_SYNC"}),
        "unknown migration step",
    ),
    ("progress over 100", doc({**RUN, "progress": {"full": [0, 150]}}), "150"),
    ("progress going down", doc({**RUN, "progress": {"full": [50, 20]}}), "would decrease"),
    (
        "progress going down across phases",
        doc({**RUN, "progress": {"full": [0, 50]}}, {**RUN, "progress": {"full": [40, 60]}}),
        "would decrease",
    ),
    (
        "progress moving outside RUNNING",
        doc(
            {**RUN, "progress": {"full": [0, 50]}}, {"status": "SUSPEND", "progress": {"full": 70}}
        ),
        "only while RUNNING",
    ),
    (
        "progress of a disabled phase",
        doc({**RUN, "progress": {"struct": [0, 10]}}, flags={"struct": False}),
        "must stay 0",
    ),
    (
        "finished below 100",
        doc({**RUN, "progress": {"full": [0, 90], "struct": [0, 100]}}, {"status": "FINISHED"}),
        "every enabled phase must be at 100",
    ),
    (
        "moving progress without a duration",
        doc({"status": "RUNNING", "progress": {"full": [0, 10]}}),
        "cannot move",
    ),
    (
        "checkpoint of a disabled sync",
        doc({**RUN, "checkpoint": {"incr": "follow"}}),
        "incr sync is not enabled",
    ),
    (
        "reverse on a sync project",
        {"name": "s", "kind": "sync", "flags": {"reverse": True}, "timeline": [RUN]},
        "no reverse incremental sync",
    ),
    ("resume to nowhere", doc({**RUN}, {"status": "FAILED", "resume": "nope"}), "no phase"),
    (
        "resume from a running phase",
        doc({"id": "a", **RUN}, {**RUN, "resume": "a"}),
        "only a SUSPEND or FAILED",
    ),
    ("duplicate phase id", doc({"id": "a", **RUN}, {"id": "a", **RUN}), "already used"),
    ("seconds and polls", doc({"status": "RUNNING", "seconds": 1, "polls": 1}), "should not"),
    ("unknown field", doc({**RUN, "speed": 3}), "unknown field 'speed'"),
    ("bad status", doc({"status": "PAUSED"}), "'PAUSED' is not one of"),
    ("name with the instance separator", {**doc(RUN), "name": "a~b"}, "does not match"),
    ("empty timeline", doc(), "should be non-empty"),
    (
        "negative lag",
        doc({**RUN, "checkpoint": {"incr": {"mode": "follow", "lag": -1}}}, flags={"incr": True}),
        "less than the minimum",
    ),
]


@pytest.mark.parametrize(
    ("document", "expected"), [(d, e) for _, d, e in BROKEN], ids=[name for name, _, _ in BROKEN]
)
def test_broken_scenarios_are_refused_with_the_reason(
    document: dict[str, Any], expected: str
) -> None:
    found = problems(document)
    assert any(expected in reason for reason in found), found


def test_every_problem_is_reported_not_only_the_first() -> None:
    found = problems(
        doc({"status": "RUNNING", "step": "INCR_SYNC", "seconds": 5}, {"status": "FINISHED"})
    )
    assert len(found) >= 2


def test_phases_inherit_step_importance_progress_and_checkpoint_rules() -> None:
    scenario = load_document(
        doc(
            {
                "status": "RUNNING",
                "step": "INCR_SYNC",
                "seconds": 5,
                "importance": "MEDIUM",
                "progress": {"full": [0, 100]},
                "checkpoint": {"incr": {"mode": "follow", "lag": 4}},
            },
            {"status": "SUSPEND", "seconds": 5},
            {"status": "RUNNING"},
            flags={"incr": True, "struct": False},
        )
    )
    _first, held, resumed = scenario.timeline
    assert (resumed.step, resumed.importance.value, resumed.full) == (
        "INCR_SYNC",
        "MEDIUM",
        (100, 100),
    )
    assert held.incr.mode is CheckpointMode.FREEZE  # nothing syncs while suspended
    assert resumed.incr.mode is CheckpointMode.FOLLOW and resumed.incr.lag == 4


def test_a_last_releasing_phase_becomes_released_by_itself() -> None:
    scenario = load_document(
        doc(
            {"status": "FINISHED", "progress": {"struct": 100, "full": 100}, "seconds": 1},
            {"status": "RELEASING"},
            release={"seconds": 7},
        )
    )
    releasing, released = scenario.timeline[1:]
    assert releasing.seconds == 7
    assert released.status is Status.RELEASED and released.implicit


def test_a_new_run_may_restart_progress_lower() -> None:
    load_document(
        doc(
            {**RUN, "progress": {"full": [0, 60]}},
            {"status": "FAILED", "seconds": 1},
            {**RUN, "progress": {"full": [0, 100]}},
        )
    )
