from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from contract_tests import machine
from contract_tests.machine import FAILS, FINISHES, IDLE, LifecycleMachine, ModelProject
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core import lifecycle
from mock_oms.core.clock import ClockMode
from mock_oms.core.kinds import Kind
from mock_oms.scenarios.loader import load_document
from mock_oms.web.app import create_app


def test_the_kit_table_is_the_guide_table() -> None:
    """The model is written independently; here the two readings of oms-api.md meet."""
    core = {
        (src.value, action.value): dst.value for (src, action), dst in lifecycle.ACTIONS.items()
    }
    kit = {
        (src, action): dst
        for src, actions in machine.TABLE.items()
        for action, dst in actions.items()
    }
    assert kit == core


def test_the_machine_scenarios_are_valid() -> None:
    names = [load_document(doc).name for doc in machine.machine_scenarios()]
    assert names == [IDLE, FINISHES, FAILS]


def walk(scenario: str, *steps: str | int) -> ModelProject:
    """Apply actions (str) and clock moves (int) to a fresh model project."""
    project = ModelProject(scenario, Kind.MIGRATION)
    for step in steps:
        if isinstance(step, int):
            project.advance(step)
        else:
            project.act(step)
    return project


@pytest.mark.parametrize(
    ("scenario", "steps", "status"),
    [
        (IDLE, (), "INIT"),
        (IDLE, (1000,), "INIT"),
        (IDLE, ("start", 1000), "RUNNING"),
        (IDLE, ("delete",), "DELETED"),
        (FINISHES, ("start", 30), "RUNNING"),
        (FINISHES, ("start", 31), "FINISHED"),
        (FINISHES, ("start", 20, "stop", 100, "resume", 10), "RUNNING"),
        (FINISHES, ("start", 20, "stop", 100, "resume", 11), "FINISHED"),
        (FINISHES, ("start", 20, "fail", "resume", 11), "FINISHED"),
        (FINISHES, ("start", 31, "release", 10), "RELEASING"),
        (FINISHES, ("start", 31, "release", 11), "RELEASED"),
        (FINISHES, ("start", 31, "release", 11, "delete"), "DELETED"),
        (FAILS, ("start", 21), "FAILED"),
        (FAILS, ("start", 21, "resume", 1000), "RUNNING"),  # off the script: runs on
        (FAILS, ("start", 10, "stop", "release", 11), "RELEASED"),
    ],
)
def test_model(scenario: str, steps: tuple[str | int, ...], status: str) -> None:
    assert walk(scenario, *steps).status == status


@pytest.mark.parametrize(
    ("status", "action"),
    [("INIT", "stop"), ("RUNNING", "release"), ("FINISHED", "resume"), ("DELETED", "delete")],
)
def test_the_model_refuses_what_the_table_does_not_allow(status: str, action: str) -> None:
    project = ModelProject(IDLE, Kind.MIGRATION, status=status)
    assert project.act(action) is None
    assert project.status == status


@pytest.fixture
def client() -> Iterator[ControlClient]:
    with ControlClient.in_process(create_app(Settings(clock=ClockMode.MANUAL))) as c:
        yield c


FAST = settings(max_examples=10, stateful_step_count=15, deadline=None, database=None)


def test_mock_oms_keeps_the_model(client: ControlClient) -> None:
    run_state_machine_as_test(LifecycleMachine.bind(client), settings=FAST)
    assert client.projects() == []  # teardown deleted what the machine created


def test_the_machine_can_be_extended(client: ControlClient) -> None:
    seen: list[int] = []

    class Counting(LifecycleMachine):
        @invariant()
        def count(self) -> None:
            seen.append(len(self.model.projects))

    run_state_machine_as_test(Counting.bind(client), settings=FAST)
    assert seen
    assert max(seen) <= LifecycleMachine.max_projects
