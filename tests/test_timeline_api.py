"""What the dashboard reads besides what was there: a project's timeline
(``GET /_mock/projects/{id}/timeline``), and each listed project's poll count and last poll."""

from __future__ import annotations

import pytest

from mock_oms.client import ControlClient, ControlError


def test_the_timeline_places_phases_the_clock_and_the_status_changes(
    client: ControlClient,
) -> None:
    client.progress("full-migration")  # starts it at scenario time 0
    client.advance(25)
    line = client.timeline("full-migration")
    assert (line.project_id, line.status, line.phase) == ("full-migration", "RUNNING", 1)
    assert (line.scenario_time, line.started) == (25.0, 0.0)
    assert [p.status for p in line.phases] == [
        "INIT",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "RUNNING",
        "FINISHED",
    ]
    assert [(s.phase, s.start, s.end, s.planned) for s in line.spans] == [
        (0, 0.0, 10.0, False),
        (1, 10.0, 30.0, False),
        (2, 30.0, 90.0, True),
        (3, 90.0, 450.0, True),
        (4, 450.0, 480.0, True),
        (5, 480.0, None, True),
    ]
    assert [(e.at, e.from_status, e.to_status) for e in line.events] == [(10.0, "INIT", "RUNNING")]


def test_the_polls_go_on_the_same_axis_from_the_journal(client: ControlClient) -> None:
    client.advance(7)  # the project starts later than the server
    client.progress("full-migration")
    client.advance(12)
    client.progress("full-migration")
    line = client.timeline("full-migration")
    assert line.started == 7.0
    placed = [e.scenario_time - line.started for e in client.requests("full-migration").entries]
    assert placed == [0.0, 12.0]


def test_a_stopped_project_has_no_phase_and_nothing_due(client: ControlClient) -> None:
    client.progress("full-migration")
    client.advance(40)
    assert client.act("full-migration", "stop").success
    line = client.timeline("full-migration")
    assert (line.status, line.phase) == ("SUSPEND", None)
    assert not [s for s in line.spans if s.planned]
    assert line.spans[-1].end is None
    assert line.events[-1].action == "stop"


def test_the_timeline_of_an_unknown_or_unstarted_project_is_a_404(
    client: ControlClient,
) -> None:
    for project in ("no-such-project", "full-migration"):  # the second never polled yet
        with pytest.raises(ControlError) as refused:
            client.timeline(project)
        assert refused.value.status == 404


def test_listed_projects_carry_their_poll_count_and_last_poll(client: ControlClient) -> None:
    client.progress("full-migration")
    client.advance(5)
    client.progress("full-migration")
    client.inject_fault({"status": 503}, project_id="full-migration", count=1)
    assert client.poll("full-migration").status_code == 503  # still a poll of the project
    client.create("sync-project", "quiet")  # never polled
    listed = {p.project_id: p for p in client.projects()}
    assert listed["full-migration"].polls == 3
    last = listed["full-migration"].last_poll
    assert last is not None and last.scenario_time == 5.0
    assert (listed["quiet"].polls, listed["quiet"].last_poll) == (0, None)
    assert client.project("full-migration").polls == 3
    assert client.projects(full=True)[0].polls == 3
    client.reset("full-migration")  # its poll timeline starts afresh
    client.progress("full-migration")
    assert client.project("full-migration").polls == 1


def test_the_listing_carries_step_lists_without_events_when_asked(
    client: ControlClient,
) -> None:
    client.progress("full-migration")
    client.advance(40)
    client.act("full-migration", "stop")
    full = client.project("full-migration")
    response = client.http.get("/_mock/projects", params={"steps": "true", "limit": 1})
    (row,) = response.json()
    assert "events" not in row
    assert row["steps"] == [s.to_json() for s in full.steps]
    assert row["status"] == "SUSPEND"
    client.create("sync-project")
    following = client.http.get("/_mock/projects", params={"steps": "true", "limit": 1})
    assert "steps=true" in following.headers["link"]
    assert "steps" not in client.http.get("/_mock/projects").json()[0]
