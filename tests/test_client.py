"""The control client (``mock_oms.client``): what a user of the library calls."""

from __future__ import annotations

import httpx
import pytest

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.web.app import create_app


def test_an_in_process_client_keeps_its_timeout(bundled: Library) -> None:
    app = create_app(Settings(clock=ClockMode.MANUAL, max_fault_delay=5), library=bundled)
    assert app.control  # built now: the first control call builds it, which takes a while
    with ControlClient.in_process(app, timeout=0.5) as client:
        client.inject_fault({"latency": 3}, project_id="full-migration", count=1)
        with pytest.raises(httpx.ReadTimeout):
            client.progress("full-migration")
        assert client.progress("full-migration")["success"] is True


def test_a_poll_answered_without_json_says_what_came(client: ControlClient) -> None:
    client.inject_fault({"status": 502}, project_id="full-migration", count=1)
    with pytest.raises(ValueError, match=r"GET /api/.*: HTTP 502 \(text/html.*not JSON: '<html"):
        client.progress("full-migration")
    assert client.progress("full-migration")["success"] is True
