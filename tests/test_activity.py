from __future__ import annotations

import pytest

from mock_oms.core.lifecycle import Status
from mock_oms.journal.requests import Journal
from mock_oms.serve.activity import ActivityLog, request_line, stderr_sink


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(
    journal: Journal, n: int, status: int = 200, shown: Status | None = Status.RUNNING
) -> None:
    for i in range(n):
        journal.record(
            1_700_000_000.0 + i,
            float(i),
            "GET",
            b"/api/omsp/v2/migrations/p/progress",
            status,
            b"",
            "p",
            None,
            0.0002,
            shown,
        )


def make(
    journal: Journal, *, interval: float, requests: bool = False, notices: bool = False
) -> tuple[ActivityLog, list[str], Clock]:
    lines: list[str] = []
    clock = Clock()
    log = ActivityLog(
        journal,
        interval=interval,
        requests=requests,
        notices=notices,
        sink=lambda text: lines.extend(text.splitlines()),
        clock=clock,
    )
    return log, lines, clock


def test_a_summary_comes_once_an_interval_while_requests_arrive() -> None:
    journal = Journal(100)
    log, lines, clock = make(journal, interval=10)
    record(journal, 5)
    log.tick()
    assert lines == []
    clock.now += 10
    record(journal, 15)
    log.tick()
    assert lines == ["20 OMS requests in the last 10 s (2/s)"]
    clock.now += 30
    log.tick()  # a quiet interval writes nothing
    assert len(lines) == 1


def test_request_lines_on_demand_and_nothing_lost_without_saying_so() -> None:
    journal = Journal(3)
    log, lines, _ = make(journal, interval=float("inf"), requests=True)
    record(journal, 2)
    log.tick()
    assert len(lines) == 2
    assert lines[0].endswith("GET /api/omsp/v2/migrations/p/progress 200 RUNNING 0.2ms")
    record(journal, 5)  # more than the ring keeps
    log.tick()
    assert lines[2] == "(2 requests left the journal before they were logged)"
    assert len(lines) == 6


def test_a_reset_journal_is_followed() -> None:
    journal = Journal(100)
    log, lines, clock = make(journal, interval=1)
    record(journal, 7)
    log.tick()
    journal.clear()
    record(journal, 2)
    clock.now += 1
    log.tick()
    assert lines == ["9 OMS requests in the last 1 s (9/s)"]


def test_a_reset_followed_by_more_requests_than_before_is_noticed() -> None:
    # the log noticed a reset only when the journal then held fewer requests than it had
    # read: here it took 9 for 2 new ones, logged 2 lines of 9, and counted 9 of 16
    journal = Journal(100)
    log, lines, clock = make(journal, interval=1, requests=True)
    record(journal, 7)
    log.tick()
    journal.clear()
    record(journal, 9)
    clock.now += 1
    log.tick()
    assert len(lines) == 7 + 9 + 1
    assert lines[-1] == "16 OMS requests in the last 1 s (16/s)"


def test_requests_cleared_before_they_were_logged_are_said_to_be_lost() -> None:
    journal = Journal(100)
    log, lines, _ = make(journal, interval=float("inf"), requests=True)
    record(journal, 3)
    log.tick()
    record(journal, 4)
    journal.clear()
    record(journal, 1)
    log.tick()
    assert lines[3:] == ["(4 requests left the journal before they were logged)", lines[4]]
    assert len(lines) == 5


def test_a_request_line_names_the_fault_and_the_code() -> None:
    journal = Journal(10)
    journal.record(1_700_000_000.25, 0.0, "GET", b"/x", 503, b"<html>", "p", "status:503", 0.0011)
    (entry,), _ = journal.entries()
    line = request_line(entry)
    assert line.endswith("GET /x 503 - 1.1ms fault=status:503")


def poll(journal: Journal, at: float, shown: Status | None, fault: str | None = None) -> None:
    status = None if fault == "reset" else 200
    journal.record(1_700_000_000.0 + at, at, "GET", b"/p", status, b"", "p", fault, 0.0, shown)


def test_by_default_a_line_per_status_change_and_per_fault_not_per_request() -> None:
    journal = Journal(100)
    log, lines, _ = make(journal, interval=10, notices=True)
    poll(journal, 0, Status.INIT)
    poll(journal, 5, Status.INIT)
    poll(journal, 10, Status.RUNNING)
    poll(journal, 15, None, fault="reset")
    poll(journal, 20, Status.RUNNING, fault="latency:2")
    poll(journal, 25, Status.FINISHED)
    log.tick()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "p: INIT (the first status shown) at scenario time 0.0 s",
        "p: INIT -> RUNNING at scenario time 10.0 s",
        "p: fault reset served (no response)",
        "p: fault latency:2 served (HTTP 200)",
        "p: RUNNING -> FINISHED at scenario time 25.0 s",
    ]
    lines.clear()
    poll(journal, 30, Status.FINISHED)
    log.tick()
    assert lines == []  # the same status again: nothing to say


def test_notices_beyond_the_bound_are_counted_not_lost_silently() -> None:
    journal = Journal(10)
    log, lines, _ = make(journal, interval=10, notices=True)
    for i in range(1_005):
        poll(journal, i, None, fault="close")
    log.tick()
    assert lines[0] == "(5 status changes and faults not logged: too many)"
    assert len(lines) == 1_001


def test_lines_go_to_standard_error_in_uvicorns_style(capsys: pytest.CaptureFixture[str]) -> None:
    stderr_sink("one\ntwo")
    assert capsys.readouterr().err == "INFO:     mock-oms one\nINFO:     mock-oms two\n"
