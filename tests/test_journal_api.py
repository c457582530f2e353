from __future__ import annotations

import httpx
import pytest
from servers import MakeClient

from mock_oms.client import ControlClient, progress_path

MIGRATION = "/api/omsp/v2/migrations/{}/progress"


def poll(client: ControlClient, project: str, method: str = "GET") -> int:
    return client.http.request(method, MIGRATION.format(project)).status_code


def test_every_oms_request_is_journaled_as_answered(make_client: MakeClient) -> None:
    _, client = make_client()
    assert poll(client, "full-migration") == 200
    client.advance(10)
    assert poll(client, "full-migration", "HEAD") == 200
    assert poll(client, "full-migration", "POST") == 405
    assert poll(client, "no-such-project") == 200  # in band
    assert client.http.get("/api/omsp/v2/elsewhere").status_code == 404
    assert client.progress("sync-project", "sync")["success"]

    journal = client.requests()
    assert (journal["total"], journal["kept"], journal["dropped"]) == (6, 6, 0)
    rows = [
        (
            e["seq"],
            e["method"],
            e["projectId"],
            e["httpStatus"],
            e["success"],
            e["code"],
            e["projectStatus"],
            e["scenarioTime"],
        )
        for e in journal["entries"]
    ]
    assert rows == [
        (1, "GET", "full-migration", 200, True, "success", "INIT", 0.0),
        (2, "HEAD", "full-migration", 200, True, "success", "RUNNING", 10.0),
        (3, "POST", None, 405, False, "METHOD_NOT_ALLOWED", None, 10.0),
        (4, "GET", "no-such-project", 200, False, "GHANA-PROJECT000001", None, 10.0),
        (5, "GET", None, 404, False, "NOT_FOUND", None, 10.0),
        (6, "GET", "sync-project", 200, True, "success", "INIT", 10.0),
    ]
    first = journal["entries"][0]
    assert first["path"] == MIGRATION.format("full-migration")
    assert first["latency"] >= 0
    assert first["fault"] is None
    assert first["time"] > 1e9  # Unix seconds


@pytest.mark.parametrize(
    ("fault", "status"),
    [("reset", None), ("close", None), ({"hang": 0.01}, None), ("truncate", 200)],
)
def test_a_poll_that_never_reached_the_client_whole_showed_nothing(
    make_client: MakeClient, fault: str | dict[str, float], status: int | None
) -> None:
    # journaled without the status and body the client never saw (a truncated body's
    # status line went out), and counted in the poll timeline as an error
    _, client = make_client()
    client.inject_fault(fault, project_id="full-migration", count=1)
    with pytest.raises(httpx.HTTPError):
        client.progress("full-migration")
    assert client.progress("full-migration")["success"]
    faulty, plain = client.requests()["entries"]
    assert (faulty["httpStatus"], faulty["success"], faulty["code"]) == (status, None, None)
    assert (faulty["projectStatus"], faulty["fault"] is not None) == (None, True)
    assert (plain["success"], plain["projectStatus"]) == (True, "INIT")
    polls = client.polls("full-migration")
    assert (polls["count"], polls["shown"], polls["errors"]) == (2, 1, 1)
    assert [run["count"] for run in polls["statuses"]] == [1]


def test_control_calls_are_not_journaled(make_client: MakeClient) -> None:
    _, client = make_client()
    client.create("full-migration", "p1")
    client.project("p1")
    client.act("p1", "start")
    assert client.requests()["total"] == 0


def test_the_query_string_is_not_part_of_the_path(make_client: MakeClient) -> None:
    _, client = make_client()
    client.http.get(MIGRATION.format("full-migration") + "?x=1")
    assert client.requests()["entries"][0]["path"] == MIGRATION.format("full-migration")


def test_filters(make_client: MakeClient) -> None:
    _, client = make_client()
    for _ in range(3):
        poll(client, "full-migration")
        poll(client, "release")
        client.advance(10)

    def seqs(**kw: object) -> list[int]:
        return [e["seq"] for e in client.requests(**kw)["entries"]]  # type: ignore[arg-type]

    assert seqs(project="release") == [2, 4, 6]
    assert seqs(since=10, until=20) == [3, 4, 5, 6]
    assert seqs(since=10, project="full-migration") == [3, 5]
    assert seqs(after=4) == [5, 6]
    assert seqs(after=1, limit=2) == [2, 3]
    assert client.requests(project="nobody")["entries"] == []


# since=nan matched every entry and until=nan too (each comparison with NaN is false)
@pytest.mark.parametrize(
    "query", ["limit=-1", "after=-1", "since=abc", "since=nan", "until=nan", "until=-inf"]
)
def test_bad_filters_are_400(make_client: MakeClient, query: str) -> None:
    _, client = make_client()
    response = client.http.get(f"/_mock/requests?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "PARAM_ERROR"


def test_ring_buffer_bound_through_the_api(make_client: MakeClient) -> None:
    _, client = make_client(journal_size=3)
    for _ in range(7):
        poll(client, "full-migration")
    journal = client.requests()
    assert (journal["total"], journal["kept"], journal["dropped"], journal["capacity"]) == (
        7,
        3,
        4,
        3,
    )
    assert [e["seq"] for e in journal["entries"]] == [5, 6, 7]
    assert client.polls("full-migration")["count"] == 7  # exact beyond the bound


def test_poll_timeline_through_the_api(make_client: MakeClient) -> None:
    _, client = make_client()
    project = client.create("precheck-failure")["projectId"]  # INIT 5 s, RUNNING 15 s, FAILED
    for _ in range(6):
        client.progress(project)
        client.advance(5)
    client.progress("unrelated")
    polls = client.polls(project)
    assert (polls["projectId"], polls["count"], polls["shown"], polls["errors"]) == (
        project,
        6,
        6,
        0,
    )
    assert [(r["status"], r["count"]) for r in polls["statuses"]] == [
        ("INIT", 1),
        ("RUNNING", 3),
        ("FAILED", 2),
    ]
    assert polls["statuses"][1]["first"]["scenarioTime"] == 5.0
    assert polls["first"]["scenarioTime"] == 0.0
    assert polls["last"]["scenarioTime"] == 25.0
    assert polls["interval"]["scenario"] == {
        "count": 5,
        "min": 5.0,
        "median": 5.0,
        "medianExact": True,
    }
    assert polls["interval"]["wall"]["count"] == 5
    assert (polls["pollsAfterSettled"], polls["keptPollingAfterSettled"]) == (1, True)
    assert polls["firstSettled"]["status"] == "FAILED"
    assert polls["firstSettled"]["at"]["scenarioTime"] == 20.0
    assert polls["droppedStatusRuns"] == 0


def test_poll_timeline_of_a_project_never_polled_is_empty(make_client: MakeClient) -> None:
    _, client = make_client()
    polls = client.polls("never")
    assert (polls["count"], polls["first"], polls["statuses"], polls["firstSettled"]) == (
        0,
        None,
        [],
        None,
    )
    assert polls["interval"]["scenario"]["median"] is None


def test_reset_empties_the_journal_and_the_timelines(make_client: MakeClient) -> None:
    _, client = make_client()
    poll(client, "full-migration")
    poll(client, "release")
    client.reset()
    emptied = client.requests()
    assert (emptied["total"], emptied["received"]) == (0, 2)  # received: since the start
    assert client.polls("full-migration")["count"] == 0
    poll(client, "release")
    again = client.requests()
    assert [e["seq"] for e in again["entries"]] == [1]
    assert (again["total"], again["received"]) == (1, 3)


def test_project_reset_restarts_its_timeline_only(make_client: MakeClient) -> None:
    _, client = make_client()
    poll(client, "full-migration")
    poll(client, "release")
    client.reset("release")
    assert client.polls("release")["count"] == 0
    assert client.polls("full-migration")["count"] == 1
    assert client.requests()["total"] == 2  # the journal is a log: it keeps what arrived


def test_fresh_reset_is_a_just_started_server(make_client: MakeClient) -> None:
    _, client = make_client(seed=7)
    first_id = client.progress("full-migration")["requestId"]
    client.create("release", "mine")
    client.add_scenario({"name": "extra", "kind": "migration", "timeline": [{"status": "INIT"}]})
    client.set_speed(5)
    assert client.reset(fresh=True).reset == 2
    assert client.projects() == []
    assert "extra" not in [s["name"] for s in client.scenarios()]
    assert client.clock()["speed"] == 0.0
    assert client.requests()["total"] == 0
    assert client.progress("full-migration")["requestId"] == first_id  # seeded IDs restart
    client.create("release", "mine")  # the ID is free again


def test_plain_reset_keeps_control_projects(make_client: MakeClient) -> None:
    _, client = make_client()
    client.create("release", "mine")
    client.reset()
    assert [p["projectId"] for p in client.projects()] == ["mine"]


def test_fresh_applies_to_the_whole_server_only(make_client: MakeClient) -> None:
    _, client = make_client()
    with pytest.raises(ValueError, match="whole server"):
        client.reset("p", fresh=True)


def test_journal_endpoints_are_in_the_openapi_document(make_client: MakeClient) -> None:
    _, client = make_client()
    paths = client.http.get("/openapi.json").json()["paths"]
    for path in ("/_mock/requests", "/_mock/projects/{project_id}/polls"):
        assert paths[path]["get"]["tags"] == ["mock-oms control API"]
    assert progress_path("sync", "x") == "/api/omsp/v2/sync/x/progress"
