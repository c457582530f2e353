"""Scenario times are differences of doubles (12.2 - 12 is 0.1999999999999993): every
comparison of a moment with a mark is made to the millisecond (``clock.reached``), so what a
project shows never depends on how a sum of clock moves happens to round."""

from __future__ import annotations

import pytest
from servers import MakeClient

from mock_oms.core.clock import TOLERANCE, reached

REPLAY = """\
name: rounding
kind: replay
endpoint: migration
entries:
  - at: 0.0
    body: {success: true, code: success, data: {status: INIT, currentStep: PRE_CHECK}}
  - at: 0.2
    body: {success: true, code: success, data: {status: RUNNING, currentStep: PRE_CHECK}}
"""

WINDOW = """\
name: window
kind: migration
flags: {struct: false, full: false, incr: false, reverse: false}
faults:
  - {fault: {status: 503}, window: {from: 0.2, to: 0.5}}
timeline:
  - {status: INIT, step: PRE_CHECK}
"""


def test_reached_is_to_the_millisecond() -> None:
    assert 12.2 - 12 < 0.2  # the rounding this is all about
    assert reached(12.2 - 12, 0.2)
    assert not reached(0.2 - 2 * TOLERANCE, 0.2)


def test_a_replay_serves_the_entry_recorded_at_that_time(make_client: MakeClient) -> None:
    # the reproduction: advance 12, poll, advance 0.2, poll
    _, client = make_client()
    client.add_scenario(REPLAY)
    client.advance(12)
    assert client.progress("rounding")["data"]["status"] == "INIT"
    client.advance(0.2)
    assert client.project("rounding").scenario_time < 0.2  # 0.1999999999999993
    assert client.progress("rounding")["data"]["status"] == "RUNNING"


def test_a_fault_window_opens_and_closes_on_time(make_client: MakeClient) -> None:
    _, client = make_client()
    client.add_scenario(WINDOW)
    client.advance(12)
    assert client.poll("window").status_code == 200
    client.advance(0.2)
    assert client.poll("window").status_code == 503
    client.advance(0.3)  # 12.5 - 12.0: the window's end, [from, to)
    assert client.poll("window").status_code == 200


@pytest.mark.parametrize("step", [0.2, 0.7])
def test_a_phase_ends_on_time(make_client: MakeClient, step: float) -> None:
    # full-migration is INIT for 10 s; started at 10.1 + 0.2, it is 9.999999999999998 s old
    # after 10 s more
    _, client = make_client()
    client.advance(10.1)
    client.advance(step)
    client.progress("full-migration")
    client.advance(10)
    assert client.project("full-migration").scenario_time < 10
    assert client.progress("full-migration")["data"]["status"] == "RUNNING"


def test_an_injection_expires_on_time(make_client: MakeClient) -> None:
    _, client = make_client()
    client.advance(0.3)
    client.inject_fault({"status": 503}, project_id="full-migration", seconds=1)
    client.advance(0.3)
    client.advance(0.7)  # 0.3 + 0.3 + 0.7 < 0.3 + 1
    assert client.poll("full-migration").status_code == 200
