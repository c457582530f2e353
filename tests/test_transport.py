"""The in-process transport: what a synchronous httpx client meets without a socket."""

from __future__ import annotations

import time

import httpx
import pytest
from servers import MakeClient

from mock_oms.client import ControlClient

URL = "/api/omsp/v2/migrations/full-migration/progress"


@pytest.fixture
def control(make_client: MakeClient) -> ControlClient:
    return make_client(max_fault_delay=5)[1]


@pytest.mark.parametrize("fault", [{"hang": 5}, {"latency": 5}])
def test_a_slow_answer_times_out_as_over_a_socket(
    control: ControlClient, fault: dict[str, float]
) -> None:
    """The client's read timeout holds in process too: httpx.ReadTimeout, without waiting
    for the fault to end (README, Faults: "ReadTimeout when its timeout is shorter")."""
    control.inject_fault(fault, project_id="full-migration", count=1)
    began = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        control.http.get(URL, timeout=0.2)
    assert time.monotonic() - began < 4  # not the 5 s of the fault
    # the transport is still usable, and the next poll is answered normally
    assert control.http.get(URL, timeout=5).json()["success"] is True
    assert control.polls("full-migration")["count"] == 2


def test_without_a_timeout_a_slow_answer_is_waited_for(control: ControlClient) -> None:
    control.inject_fault({"latency": 0.3}, project_id="full-migration", count=1)
    assert control.http.get(URL, timeout=None).json()["success"] is True
