"""Every action from every status, through the HTTP API, against the lifecycle table of
shared/guide/oms-api.md (written out in documented.py, not imported from mock-oms, so that
this test can catch the lifecycle module being wrong)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from documented import LIFECYCLE

from mock_oms.client import ControlError
from mock_oms.harness import Harness

# from status -> {legal action: resulting status}; every other action is illegal there.
# `fail` is the failure a test injects into a running project.
GUIDE: dict[str, dict[str, str]] = {
    status: {**moves, "fail": "FAILED"} if status == "RUNNING" else moves
    for status, moves in LIFECYCLE.items()
}
ACTIONS = ("start", "stop", "resume", "release", "delete", "fail")
RELEASE_SECONDS = 30

# Waits in INIT for an operator, then runs 200 s to FINISHED.
SCENARIO: dict[str, Any] = {
    "name": "lifecycle",
    "kind": "migration",
    "release": {"seconds": RELEASE_SECONDS},
    "timeline": [
        {"status": "INIT", "step": "PRE_CHECK"},
        {
            "status": "RUNNING",
            "step": "STRUCT_MIGRATION",
            "seconds": 100,
            "progress": {"struct": [0, 100]},
        },
        {
            "status": "RUNNING",
            "step": "FULL_MIGRATION",
            "seconds": 100,
            "progress": {"full": [0, 100]},
        },
        {"status": "FINISHED", "step": "APP_SWITCH"},
    ],
}

# How to bring a fresh project to each status: actions, and numbers for clock advances.
PATHS: dict[str, list[str | int]] = {
    "INIT": [],
    "RUNNING": ["start"],
    "SUSPEND": ["start", 50, "stop"],
    "FAILED": ["start", 50, "fail"],
    "FINISHED": ["start", 200],
    "RELEASING": ["start", 200, "release"],
    "RELEASED": ["start", 200, "release", RELEASE_SECONDS],
    "DELETED": ["delete"],
}


def test_the_table_covers_every_status() -> None:
    from mock_oms.core.lifecycle import Action, Status

    assert set(GUIDE) == set(PATHS) == {s.value for s in Status}
    assert set(ACTIONS) == {a.value for a in Action}


def status(fake: Harness, project: str) -> str:
    body = fake.progress(project)
    assert body["success"], body
    return str(body["data"]["status"])


def bring(fake: Harness, target: str) -> str:
    fake.add_scenario(SCENARIO)
    project = fake.create("lifecycle")
    for step in PATHS[target]:
        if isinstance(step, int):
            fake.advance(step)
        else:
            assert fake.act(project, step)["success"]
    assert status(fake, project) == target
    return project


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("start", list(GUIDE))
def test_action_from_status(mock_oms: Harness, start: str, action: str) -> None:
    fake = mock_oms
    project = bring(fake, start)
    before = fake.project(project)
    answer = fake.act(project, action)
    after = fake.project(project)
    expected = GUIDE[start].get(action)

    if expected is not None:
        assert answer["success"] is True, answer
        assert answer["data"]["status"] == expected
        assert status(fake, project) == expected  # the next poll shows it
        assert after["legalActions"] == [a for a in ACTIONS if a in GUIDE[expected]]
        event = after["events"][-1]
        assert (event["source"], event["action"], event["from"], event["to"]) == (
            "control",
            action,
            start,
            expected,
        )
    else:
        assert answer["success"] is False
        assert answer["code"] == "GHANA-OPERAT000001"
        assert answer["data"] is None
        legal = ", ".join(a for a in ACTIONS if a in GUIDE[start]) or "none"
        assert f"in status {start}" in answer["message"]
        assert f"legal actions in {start}: {legal}" in answer["message"]
        assert re.search(rf"\bcannot {action}\b", answer["message"])
        assert after == before  # nothing changed
        assert status(fake, project) == start


def test_releasing_becomes_released_by_itself(mock_oms: Harness) -> None:
    fake = mock_oms
    project = bring(fake, "RELEASING")
    fake.advance(RELEASE_SECONDS - 1)
    assert status(fake, project) == "RELEASING"
    fake.advance(1)
    assert status(fake, project) == "RELEASED"
    assert fake.project(project)["events"][-1]["source"] == "auto"


def test_resume_follows_what_the_scenario_says(mock_oms: Harness) -> None:
    fake = mock_oms
    assert status(fake, "resume-after-failure") == "INIT"  # a named project starts polled
    fake.advance(5 + 10 + 30 + 126)  # FAILED at 63 %; the scenario resumes at "retry"
    failed = fake.progress("resume-after-failure")["data"]
    assert (failed["status"], failed["fullMigrationProgress"]) == ("FAILED", 63)
    assert fake.act("resume-after-failure", "resume")["success"]
    project = fake.project("resume-after-failure")
    assert (project["status"], project["phaseId"]) == ("RUNNING", "retry")
    fake.advance(74 + 20)
    assert status(fake, "resume-after-failure") == "FINISHED"


def test_stop_then_resume_continues_where_it_stopped(mock_oms: Harness) -> None:
    fake = mock_oms
    project = bring(fake, "SUSPEND")  # stopped 50 s into the structure migration
    held = fake.progress(project)["data"]["structMigrationProgress"]
    fake.advance(1000)
    assert fake.progress(project)["data"]["structMigrationProgress"] == held
    fake.act(project, "resume")
    fake.advance(50)
    assert fake.progress(project)["data"]["currentStep"] == "FULL_MIGRATION"


def test_fail_takes_a_step_and_a_message(mock_oms: Harness) -> None:
    fake = mock_oms
    project = bring(fake, "RUNNING")
    answer = fake.act(project, "fail", step="STRUCT_MIGRATION", message="disk full")
    assert answer["data"]["currentStep"] == "STRUCT_MIGRATION"
    assert answer["data"]["importance"] == "HIGH"
    assert fake.project(project)["events"][-1]["detail"] == "disk full"
    refused = fake.act(bring(fake, "RUNNING"), "fail", step="NOT_A_STEP")
    assert (refused["success"], refused["code"]) == (False, "PARAM_ERROR")


def test_unknown_action_is_a_400(mock_oms: Harness) -> None:
    response = mock_oms.client.http.post("/_mock/projects/x/actions/explode")
    assert response.status_code == 400
    assert response.json()["code"] == "PARAM_ERROR"


def test_an_action_on_an_unknown_project_is_a_404_like_every_control_call(
    mock_oms: Harness,
) -> None:
    # it was answered in band (HTTP 200) while GET, reset, DELETE and faults said 404, and
    # the plugin's act("typo", "stop") then failed later with a TypeError
    with pytest.raises(ControlError) as refused:
        mock_oms.act("nobody", "start")
    assert (refused.value.status, refused.value.code) == (404, "GHANA-PROJECT000001")
    for call in (mock_oms.project, mock_oms.client.delete, mock_oms.client.reset):
        with pytest.raises(ControlError) as same:
            call("nobody")
        assert (same.value.status, same.value.code) == (404, "GHANA-PROJECT000001")
