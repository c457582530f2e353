"""Poll statistics (``mock_oms.polls``), recorded through the journal as the server does."""

from __future__ import annotations

import statistics

import pytest
from test_journal import error_body, record, success_body

from mock_oms.core.errors import Unauthorized
from mock_oms.core.lifecycle import SETTLED, Status
from mock_oms.journal.requests import Journal


def test_poll_timeline_compresses_repeats_and_times_them() -> None:
    journal = Journal(1)  # the ring buffer drops almost all: the statistics must not care
    shown = [
        Status.INIT,
        Status.INIT,
        Status.RUNNING,
        Status.RUNNING,
        Status.RUNNING,
        Status.FINISHED,
    ]
    for i, status in enumerate(shown):
        record(journal, wall=100.0 + 2 * i, now=10.0 * i, body=success_body(status))
    t = journal.polls("p")
    assert (t.count, t.shown, t.errors) == (6, 6, 0)
    assert t.first is not None
    assert t.last is not None
    assert (t.first.time, t.first.scenario_time, t.last.time, t.last.scenario_time) == (
        100.0,
        0.0,
        110.0,
        50.0,
    )
    assert [
        (r.status, r.count, r.first.scenario_time, r.last.scenario_time) for r in t.statuses
    ] == [
        (Status.INIT, 2, 0.0, 10.0),
        (Status.RUNNING, 3, 20.0, 40.0),
        (Status.FINISHED, 1, 50.0, 50.0),
    ]
    assert (t.scenario.count, t.scenario.min, t.scenario.median) == (5, 10.0, 10.0)
    assert (t.wall.min, t.wall.median, t.wall.median_exact) == (2.0, 2.0, True)
    assert not t.kept_polling_after_settled
    assert t.first_settled is not None
    assert (t.first_settled.status, t.first_settled.at.scenario_time) == (Status.FINISHED, 50.0)


def test_errors_count_as_polls_but_show_no_status() -> None:
    journal = Journal()
    record(journal, body=error_body(Unauthorized("no")), status=401)
    record(journal, now=1.0, body=success_body(Status.INIT))
    record(journal, now=2.0, body=b"garbage", status=500, fault="garbage")
    t = journal.polls("p")
    assert (t.count, t.shown, t.errors) == (3, 1, 2)
    assert [(r.status, r.count) for r in t.statuses] == [(Status.INIT, 1)]
    assert t.scenario.count == 2


@pytest.mark.parametrize("settled", sorted(SETTLED))
def test_polling_after_a_settled_status_is_counted(settled: Status) -> None:
    journal = Journal()
    record(journal, body=success_body(Status.RUNNING))
    record(journal, body=success_body(settled))
    assert not journal.polls("p").kept_polling_after_settled
    record(journal, body=success_body(settled))
    record(journal, body=b"", status=500)
    t = journal.polls("p")
    assert (t.polls_after_settled, t.kept_polling_after_settled) == (2, True)


def test_polls_after_a_settled_status_stop_counting_once_a_live_one_is_shown() -> None:
    journal = Journal()
    for status in (Status.FAILED, Status.RUNNING, Status.RUNNING, Status.FINISHED):
        record(journal, body=success_body(status))  # an operator resumed the failed project
    assert journal.polls("p").polls_after_settled == 1


def test_median_is_exact_up_to_the_sample_then_estimated() -> None:
    journal = Journal(interval_sample=8)
    gaps = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0]
    now = 0.0
    record(journal, now=now)
    for gap in gaps:
        now += gap
        record(journal, now=now)
    t = journal.polls("p").scenario
    assert (t.count, t.min, t.median, t.median_exact) == (8, 1.0, statistics.median(gaps), True)
    for _ in range(100):
        now += 6.0
        record(journal, now=now)
    t = journal.polls("p").scenario
    assert (t.count, t.min, t.median_exact) == (108, 1.0, False)
    assert t.median == 6.0


def test_the_sample_stays_within_its_bound() -> None:
    journal = Journal(interval_sample=16)
    for i in range(10_000):
        record(journal, now=float(i))
    polls = journal._polls["p"]
    assert len(polls.scenario.values) <= 16
    assert journal.polls("p").scenario.median == 1.0


def test_status_runs_are_bounded_and_the_dropped_counted() -> None:
    journal = Journal(max_runs=3)
    for status in [Status.RUNNING, Status.SUSPEND] * 5:
        record(journal, body=success_body(status))
    t = journal.polls("p")
    assert [r.status for r in t.statuses] == [Status.SUSPEND, Status.RUNNING, Status.SUSPEND]
    assert t.dropped_runs == 7


def test_projects_beyond_the_bound_are_counted_not_tracked() -> None:
    journal = Journal(max_tracked=2)
    for project in ["a", "b", "c", "a", "c"]:
        record(journal, project=project)
    assert (journal.polls("a").count, journal.polls("b").count, journal.polls("c").count) == (
        2,
        1,
        0,
    )
    assert journal.counts().untracked == 2
    assert journal.counts().total == 5


def test_forget_restarts_one_projects_statistics_only() -> None:
    journal = Journal()
    record(journal, project="a")
    record(journal, project="b")
    journal.forget("a")
    journal.forget("never-polled")
    assert (journal.polls("a").count, journal.polls("b").count) == (0, 1)
    assert journal.counts().total == 2


def test_a_project_never_polled_has_an_empty_timeline() -> None:
    t = Journal().polls("nobody")
    assert (t.count, t.first, t.last, t.statuses, t.first_settled) == (0, None, None, (), None)
    assert (t.wall.min, t.wall.median) == (None, None)
