"""fault_response: a fault as the httpx response or error a client meets, checked against
what an in-process mock-oms sends for the same fault."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mock_oms.client import ControlClient, progress_path
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.strategies import FaultSpec
from mock_oms.testing import fault_response, quiet_body
from mock_oms.web.app import create_app

FAULTS: list[FaultSpec] = [
    {"status": 500},
    {"status": 408},
    {"status": 429},
    {"status": {"code": 503, "retryAfter": 2, "body": "html"}},
    {"status": {"code": 502, "body": "empty"}},
    {"error": {"code": "INNER_ERROR", "message": "busy", "status": 503}},
    {"error": {"code": "GHANA-OPERIE000000"}},
    "not-json",
    {"not-json": "<html>oops</html>"},
    {"content-type": "text/plain"},
    {"latency": 0.01},
    "close",
    "reset",
    "truncate",
    {"truncate": {"bytes": 10}},
    {"deviation": {"field": "data.status", "change": "missing"}},
    {"deviation": {"field": "requestId", "change": "null"}},
]
_VARYING = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+ ms")


def served(fault: FaultSpec) -> tuple[dict[str, Any], httpx.Response | httpx.HTTPError]:
    """A project's normal answer (poll 1), and what the server sends under ``fault`` on
    poll 2."""
    scenario = {
        "name": "p",
        "kind": "migration",
        "flags": {"struct": False, "full": False, "incr": False, "reverse": False},
        "timeline": [{"status": "INIT"}],
        "faults": [{"fault": fault, "polls": 2}],
    }
    settings = Settings(clock=ClockMode.MANUAL, seed=3, max_fault_delay=1.0)
    with ControlClient.in_process(create_app(settings, library=Library())) as oms:
        oms.add_scenario(scenario)
        path = progress_path("migration", "p")
        normal = oms.http.get(path).json()
        try:
            return normal, oms.http.get(path)
        except httpx.HTTPError as exc:
            return normal, exc


def same(a: bytes, b: bytes) -> bool:
    return _VARYING.sub(b"X", a) == _VARYING.sub(b"X", b)


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_fault_response_is_what_the_server_sends(fault: FaultSpec) -> None:
    body, real = served(fault)
    request = httpx.Request("GET", "http://oms.test" + progress_path("migration", "p"))
    try:
        mine: httpx.Response | httpx.HTTPError = fault_response(fault, request, body)
    except httpx.HTTPError as exc:
        mine = exc
    if isinstance(real, httpx.HTTPError):
        assert type(mine) is type(real)
        assert re.sub(r"\d+", "N", str(mine)) == re.sub(r"\d+", "N", str(real))
        return
    assert isinstance(mine, httpx.Response)
    assert mine.status_code == real.status_code
    for header in ("content-type", "retry-after"):
        assert mine.headers.get(header) == real.headers.get(header), header
    assert same(mine.content, real.content), (mine.content, real.content)


def test_a_hang_is_a_read_timeout() -> None:
    request = httpx.Request("GET", "http://oms.test/x")
    with pytest.raises(httpx.ReadTimeout):
        fault_response("hang", request)


def test_in_a_mock_transport() -> None:
    """The use it is for: a client's unit test without a server."""
    answers = iter([{"status": 503}, "reset", None])

    def handler(request: httpx.Request) -> httpx.Response:
        fault = next(answers)
        body = quiet_body()
        return httpx.Response(200, json=body) if fault is None else fault_response(fault, request)

    seen: list[object] = []
    with httpx.Client(transport=httpx.MockTransport(handler), base_url="http://oms.test") as http:
        for _ in range(3):
            try:
                seen.append(http.get("/api/omsp/v2/migrations/p/progress").status_code)
            except httpx.ReadError:
                seen.append("reset")
    assert seen == [503, "reset", 200]


def test_a_fault_that_is_no_fault_is_refused() -> None:
    request = httpx.Request("GET", "http://oms.test/x")
    with pytest.raises(ValueError, match="not a fault"):
        fault_response({"status": 404}, request)
    with pytest.raises(ValueError, match="not a fault"):
        fault_response({"deviation": {"field": "nope", "change": "missing"}}, request)
