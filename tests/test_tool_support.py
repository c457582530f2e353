"""What the client-author tools need of the server: fault delays that follow a manual
clock when asked to, and the Retry-After each answer carried kept in the request log."""

from __future__ import annotations

import httpx
import pytest

from mock_oms.client import ControlClient, progress_path
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.web.app import create_app

LONG = 300.0  # a delay no test could sit out


def client(*, delays_follow_clock: bool = False) -> ControlClient:
    settings = Settings(
        clock=ClockMode.MANUAL,
        seed=1,
        max_fault_delay=LONG,
        delays_follow_clock=delays_follow_clock,
    )
    return ControlClient.in_process(create_app(settings), timeout=2.0)


@pytest.mark.parametrize(
    ("fault", "delay"),
    [({"latency": LONG}, None), ({"status": 503}, LONG)],
    ids=["latency", "a delay before a 503"],
)
def test_under_a_manual_clock_a_fault_delay_takes_no_real_time(
    fault: dict[str, object], delay: float | None
) -> None:
    """Before, a delay waited in real time whatever the clock: a bundled outage scenario
    could add 5 s to a test. The client's 2 s read timeout would fire on a real wait."""
    with client(delays_follow_clock=True) as oms:
        oms.inject_fault(fault, count=1, delay=delay)
        response = oms.http.get(progress_path("migration", "full-migration"))
        assert response.status_code in (200, 503)
        (entry,) = oms.requests()["entries"]
        assert entry["fault"] is not None and "300" in entry["fault"]  # the journal says so


def test_by_default_a_delay_still_waits() -> None:
    with client() as oms:
        oms.inject_fault({"latency": LONG}, count=1)
        with pytest.raises(httpx.ReadTimeout):
            oms.http.get(progress_path("migration", "full-migration"))


def test_a_hang_still_waits_under_a_manual_clock() -> None:
    """A hang exists to make the client's own timeout fire."""
    with client(delays_follow_clock=True) as oms:
        oms.inject_fault({"hang": LONG}, count=1)
        with pytest.raises(httpx.ReadTimeout):
            oms.http.get(progress_path("migration", "full-migration"))


def test_the_request_log_keeps_the_retry_after_it_sent() -> None:
    """Before, the journal dropped it: a test could not tell what its client was asked."""
    with client() as oms:
        path = progress_path("migration", "full-migration")
        oms.inject_fault({"status": {"code": 429, "retryAfter": 7}}, count=1)
        first = oms.http.get(path)
        oms.inject_fault({"status": 503}, count=1)
        second = oms.http.get(path)
        third = oms.http.get(path)
        assert [r.status_code for r in (first, second, third)] == [429, 503, 200]
        entries = oms.requests()["entries"]
        assert [e["retryAfter"] for e in entries] == ["7", None, None]
