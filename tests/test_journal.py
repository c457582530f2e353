from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_oms.core.engine import Snapshot
from mock_oms.core.errors import IllegalAction, ParamError, ProjectNotFound, Unauthorized
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Action, Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.journal.requests import Journal, outcome
from mock_oms.oms import envelope
from mock_oms.web import writer

PATH = b"/api/omsp/v2/migrations/p/progress"


def success_body(
    status: Status, kind: Kind = Kind.MIGRATION, level: Importance = Importance.LOW
) -> bytes:
    snap = Snapshot(status, level, "PRE_CHECK", 0, 0, 0, 0, 0, 0.0)
    return envelope.encode(envelope.success(envelope.data(kind, Flags(), snap), "id", "1 ms"))


def error_body(exc: Exception) -> bytes:
    assert isinstance(exc, Unauthorized | ParamError | ProjectNotFound | IllegalAction)
    return writer.error_answer(exc, "id")[1]


def record(
    journal: Journal,
    *,
    wall: float = 0.0,
    now: float = 0.0,
    project: str | None = "p",
    body: bytes = b"",
    status: int = 200,
    fault: str | None = None,
) -> None:
    journal.record(wall, now, "GET", PATH, status, body, project, fault, 0.001)


# -- reading the outcome of a body -----------------------------------------------------------


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("level", list(Importance))
def test_outcome_of_a_success_body_matches_its_json(
    status: Status, kind: Kind, level: Importance
) -> None:
    body = success_body(status, kind, level)
    data = json.loads(body)["data"]  # the fast path agrees with JSON
    assert (data["status"], data["importance"]) == (status.value, level.value)
    assert outcome(body) == (True, "success", status, level, None)


@pytest.mark.parametrize(
    "exc",
    [
        Unauthorized("no"),
        ParamError("bad"),
        ProjectNotFound("x"),
        IllegalAction("p", Action.RELEASE, Status.RUNNING, [Action.STOP]),
    ],
)
def test_outcome_of_an_error_body_is_its_code(exc: Exception) -> None:
    body = error_body(exc)
    assert outcome(body) == (False, json.loads(body)["code"], None, None, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", (None, None, None, None, None)),
        (b"not json", (None, None, None, None, None)),
        (b"[1, 2]", (None, None, None, None, None)),
        (b'{"code": "X", "success": false}', (False, "X", None, None, None)),  # another order
        (
            b'{"success": true, "code": "success", "data": {"status": "FINISHED"}}',
            (True, "success", Status.FINISHED, None, None),
        ),
        (
            b'{"success": true, "data": {"status": "RUNNING", "importance": "HIGH"}}',
            (True, None, Status.RUNNING, Importance.HIGH, None),
        ),
        (  # V4 progress: alarmLevel
            b'{"success": true, "code": null, "data": {"status": "FAILED", "alarmLevel": "LOW"}}',
            (True, None, Status.FAILED, Importance.LOW, None),
        ),
        (  # V4 steps: distinct, in the order of StepStatus
            b'{"success": true, "data": [{"order": 1, "status": "FINISHED"}, '
            b'{"order": 2, "status": "RUNNING"}, {"order": 3, "status": "FINISHED"}]}',
            (True, None, None, None, (StepStatus.RUNNING, StepStatus.FINISHED)),
        ),
        (  # V4 DescribeProject: status, importance and steps
            b'{"success": true, "data": {"status": "RUNNING", "importance": "MEDIUM", '
            b'"steps": [{"order": 1, "status": "MONITORING"}]}}',
            (True, None, Status.RUNNING, Importance.MEDIUM, (StepStatus.MONITORING,)),
        ),
        (  # a list of projects (ListProjects) is no step list
            b'{"success": true, "data": [{"id": "p", "status": "RUNNING"}]}',
            (True, None, None, None, None),
        ),
        (  # a failure shows no status, whatever its data says
            b'{"success": false, "code": "X", "data": {"status": "RUNNING"}}',
            (False, "X", None, None, None),
        ),
        (b'{"success": true, "data": {"status": "NONSENSE"}}', (True, None, None, None, None)),
        (b'{"success":true,"data":{"status":"RUNNING"', (None, None, None, None, None)),  # cut
        (b'{"success":false,"code":"X","message":"', (None, None, None, None, None)),
    ],
)
def test_outcome_of_other_bodies(body: bytes, expected: tuple[object, ...]) -> None:
    assert outcome(body) == expected


# -- the ring buffer -------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "sent"), [(0, 3), (1, 1), (1, 5), (5, 5), (5, 6), (100, 37)])
def test_ring_buffer_keeps_the_last_entries_and_counts_the_dropped(size: int, sent: int) -> None:
    journal = Journal(size)
    for i in range(sent):
        record(journal, now=float(i))
    entries, counts = journal.entries()
    assert counts.total == sent
    assert counts.kept == len(entries) == min(size, sent)
    assert counts.dropped == max(0, sent - size)
    assert [e.seq for e in entries] == list(range(sent - len(entries) + 1, sent + 1))
    assert [e.scenario_time for e in entries] == [
        float(s - 1) for s in range(sent - len(entries) + 1, sent + 1)
    ]


def test_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        Journal(-1)


def test_an_entry_carries_what_the_request_was_answered() -> None:
    journal = Journal()
    journal.record(1000.5, 12.0, "HEAD", PATH, 200, success_body(Status.RUNNING), "p", "slow", 0.25)
    [entry], _ = journal.entries()
    assert (entry.seq, entry.time, entry.scenario_time, entry.method, entry.path) == (
        1,
        1000.5,
        12.0,
        "HEAD",
        PATH.decode(),
    )
    assert (entry.project_id, entry.http_status, entry.latency, entry.fault) == (
        "p",
        200,
        0.25,
        "slow",
    )
    assert (entry.success, entry.code, entry.shown) == (True, "success", Status.RUNNING)


def test_filters() -> None:
    journal = Journal()
    for i in range(10):
        record(journal, now=float(i), project="a" if i % 2 else "b")
    record(journal, now=10.0, project=None)

    def seqs(**kw: object) -> list[int]:
        return [e.seq for e in journal.entries(**kw)[0]]  # type: ignore[arg-type]

    assert seqs(project_id="a") == [2, 4, 6, 8, 10]
    assert seqs(since=3.0, until=5.0) == [4, 5, 6]
    assert seqs(project_id="b", since=4.0) == [5, 7, 9]
    assert seqs(after=8) == [9, 10, 11]
    assert seqs(limit=2) == [1, 2]
    assert seqs(after=3, limit=2, project_id="a") == [4, 6]
    assert seqs(limit=0) == []
    assert journal.entries(project_id="a")[1].total == 11  # counts are of the whole journal


@given(
    size=st.integers(0, 20),
    sent=st.integers(0, 60),
    cleared=st.integers(0, 10),
    after=st.integers(0, 90),
)
def test_after_reads_exactly_the_kept_entries_past_a_seq(
    size: int, sent: int, cleared: int, after: int
) -> None:
    # entries before ``after`` are skipped by position (seqs follow each other), through
    # drops and clears alike: the same as reading them all and filtering
    journal = Journal(size)
    for _ in range(cleared):
        record(journal)
    journal.clear()
    for _ in range(sent):
        record(journal)
    every = [e.seq for e in journal.entries()[0]]
    assert [e.seq for e in journal.entries(after=after)[0]] == [s for s in every if s > after]
    assert journal.entries(after=after)[1] == journal.counts()


def test_poll_counts_say_how_often_and_when_last_for_those_polled() -> None:
    journal = Journal(2)  # the counts are exact whatever the ring buffer drops
    for i in range(5):
        record(journal, wall=100.0 + i, now=float(i), project="a")
    record(journal, now=9.0, project=None)
    found = journal.poll_counts(["a", "never"])
    assert found.keys() == {"a"}
    count, last = found["a"]
    assert count == 5
    assert last is not None and (last.time, last.scenario_time) == (104.0, 4.0)


def test_clear_empties_everything_and_restarts_the_sequence() -> None:
    journal = Journal(2)
    for _ in range(5):
        record(journal)
    journal.clear()
    assert journal.counts().total == journal.counts().dropped == 0
    assert journal.polls("p").count == 0
    record(journal)
    assert [e.seq for e in journal.entries()[0]] == [1]


@given(size=st.integers(0, 20), sent=st.integers(0, 60))
def test_counts_are_exact(size: int, sent: int) -> None:
    journal = Journal(size)
    for i in range(sent):
        record(journal, wall=float(i), project=f"p{i % 3}")
    counts = journal.counts()
    assert (counts.total, counts.kept, counts.dropped) == (
        sent,
        min(size, sent),
        max(0, sent - size),
    )
    assert sum(journal.polls(f"p{k}").count for k in range(3)) == sent  # whatever was dropped
