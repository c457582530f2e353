from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from contract_tests import oracle
from mock_oms import strategies
from mock_oms.core import engine
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios.loader import load_document

BASE = 1_700_000_000.0

DOC: dict[str, Any] = {
    "name": "t",
    "kind": "migration",
    "flags": {"struct": True, "full": True, "incr": True},
    "importance": "MEDIUM",
    "timeline": [
        {"status": "INIT", "seconds": 10},
        {
            "status": "RUNNING",
            "step": "STRUCT_MIGRATION",
            "seconds": 20,
            "progress": {"struct": [0, 100]},
        },
        {
            "status": "RUNNING",
            "step": "INCR_SYNC",
            "seconds": 40,
            "progress": {"full": [10, 50]},
            "checkpoint": {"incr": {"mode": "follow", "lag": 5}},
            "importance": "HIGH",
        },
        {"status": "SUSPEND", "seconds": 30},
        {"status": "RUNNING", "checkpoint": {"incr": "freeze"}},
    ],
}


@pytest.mark.parametrize(
    ("tau", "expected"),
    [
        (0, {"status": "INIT", "currentStep": "PRE_CHECK", "importance": "MEDIUM"}),
        (9.5, {"status": "INIT", "structMigrationProgress": 0, "incrSyncCheckpoint": 0}),
        (
            10,
            {"status": "RUNNING", "currentStep": "STRUCT_MIGRATION", "structMigrationProgress": 0},
        ),
        (20.5, {"structMigrationProgress": 52}),
        (
            30,
            {
                "currentStep": "INCR_SYNC",
                "structMigrationProgress": 100,
                "fullMigrationProgress": 10,
            },
        ),
        (
            50,
            {
                "fullMigrationProgress": 30,
                "incrSyncCheckpoint": int(BASE) + 45,
                "importance": "HIGH",
            },
        ),
        (
            75,
            {
                "status": "SUSPEND",
                "fullMigrationProgress": 50,
                "incrSyncCheckpoint": int(BASE) + 65,
            },
        ),
        (
            500,
            {"status": "RUNNING", "currentStep": "INCR_SYNC", "incrSyncCheckpoint": int(BASE) + 65},
        ),
    ],
)
def test_expected_data(tau: float, expected: dict[str, Any]) -> None:
    got = oracle.expected_data(DOC, tau, BASE)
    assert {k: got[k] for k in expected} == expected


def test_sync_projects_have_their_own_fields() -> None:
    doc = {"name": "s", "kind": "sync", "flags": {"incr": True}, "timeline": [{"status": "INIT"}]}
    got = oracle.expected_data(doc, 1, BASE)
    assert got["incrSyncCheckpoint"] == "0"
    assert "enableStructSync" in got
    assert "reverseIncrSyncCheckpoint" not in got


def test_releasing_at_the_end_becomes_released() -> None:
    doc = {
        "name": "r",
        "kind": "migration",
        "release": {"seconds": 7},
        "timeline": [{"status": "FINISHED", "seconds": 3}, {"status": "RELEASING"}],
    }
    phases = oracle.plan(doc)
    assert [(p.status, p.start) for p in phases] == [
        ("FINISHED", 0.0),
        ("RELEASING", 3.0),
        ("RELEASED", 10.0),
    ]


def test_a_waiting_phase_ends_the_plan() -> None:
    doc = {
        "name": "w",
        "kind": "migration",
        "timeline": [{"status": "SUSPEND"}, {"status": "RUNNING", "seconds": 3}],
    }
    assert [p.status for p in oracle.plan(doc)] == ["SUSPEND"]


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"kind": "migration", "timeline": [{"status": "INIT", "polls": 2}]}, "polls"),
        ({"kind": "migration", "timeline": [{"status": "INIT", "fault": "500"}]}, "fault"),
        ({"kind": "migration", "faults": [], "timeline": [{"status": "INIT"}]}, "faults"),
    ],
)
def test_what_the_oracle_cannot_predict_is_refused(document: dict[str, Any], why: str) -> None:
    document = {"name": "x", **document}
    reason = oracle.unsupported(document)
    assert reason is not None
    assert why in reason
    with pytest.raises(ValueError, match=why):
        oracle.plan(document)


def test_sample_times_fall_off_every_boundary() -> None:
    times = oracle.sample_times(oracle.plan(DOC))
    assert times == sorted(times)
    assert all(t % 1 == 0.5 for t in times)
    assert times[-1] > 100


@settings(max_examples=60, deadline=None)
@given(strategies.scenarios(timing="seconds", max_seconds=200))
def test_the_oracle_agrees_with_the_engine(document: dict[str, Any]) -> None:
    """Two independent readings of the scenario format (this is what the kit's playback
    check relies on against a server)."""
    compiled = engine.compile_scenario(load_document(document))
    state = engine.start(compiled, "p", 0.0, BASE)
    phases = oracle.plan(document)
    for tau in oracle.sample_times(phases):
        state, snap = engine.poll(state, tau)
        expected = oracle.expected_data(document, tau, BASE, phases)
        shown = {
            "status": snap.status.value,
            "currentStep": snap.step,
            "importance": snap.importance.value,
            "structMigrationProgress": snap.struct,
            "fullMigrationProgress": snap.full,
        }
        assert {k: expected[k] for k in shown} == shown, tau


def test_the_story_of_a_scenario_with_faults_is_what_the_oracle_predicts() -> None:
    document = load_bundled_document("outage-then-recovery")
    assert oracle.has_faults(document)
    reason = oracle.unsupported(document)
    assert reason is not None
    assert "faults" in reason
    told = oracle.story(document)
    assert not oracle.has_faults(told)
    assert oracle.unsupported(told) is None
    assert told["timeline"] == document["timeline"]  # none of its phases has faults
    with_phase_faults = {
        **DOC,
        "timeline": [{**DOC["timeline"][0], "faults": [{"fault": "reset"}]}, *DOC["timeline"][1:]],
    }
    assert oracle.has_faults(with_phase_faults)
    assert oracle.story(with_phase_faults) == DOC
    assert "faults" in with_phase_faults["timeline"][0]  # left alone


def load_bundled_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((scenarios_dir() / f"{name}.yaml").read_text())
    return document
