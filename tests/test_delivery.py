"""Every fault kind on the wire, observed by httpx (and a raw socket) against a live uvicorn:
declared in a scenario and injected through the control API, each followed by a normal poll."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from servers import Live, ServeFactory

from mock_oms.client import ControlClient
from mock_oms.core.library import Library, assemble
from mock_oms.scenarios.loader import load_document

Observed = httpx.Response | httpx.HTTPError
Check = Callable[[Observed, float], None]

MAX_DELAY = 1.0  # the servers' --max-fault-delay: keeps hangs short


def status_is(code: int, content_type: str = "application/json") -> Check:
    def check(seen: Observed, took: float) -> None:
        assert isinstance(seen, httpx.Response), seen
        assert seen.status_code == code
        assert seen.headers["content-type"].startswith(content_type)
        if content_type == "application/json":
            body = seen.json()
            assert body["success"] is False
            assert body["data"] is None

    return check


def retry_after(seconds: str) -> Check:
    def check(seen: Observed, took: float) -> None:
        status_is(429)(seen, took)
        assert isinstance(seen, httpx.Response)
        assert seen.headers["retry-after"] == seconds

    return check


def slower_than(seconds: float) -> Check:
    def check(seen: Observed, took: float) -> None:
        assert isinstance(seen, httpx.Response), seen
        assert seen.status_code == 200
        assert seen.json()["success"] is True
        assert took >= seconds * 0.95

    return check


def raises(error: type[httpx.HTTPError], words: str) -> Check:
    def check(seen: Observed, took: float) -> None:
        assert isinstance(seen, error), seen
        assert words in str(seen)

    return check


def not_json(seen: Observed, took: float) -> None:
    assert isinstance(seen, httpx.Response), seen
    assert seen.status_code == 200
    assert seen.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        seen.json()
    assert b'"success":true' in seen.content


def wrong_type(seen: Observed, took: float) -> None:
    assert isinstance(seen, httpx.Response), seen
    assert seen.headers["content-type"].startswith("text/html")
    assert seen.json()["success"] is True


def business_error(seen: Observed, took: float) -> None:
    assert isinstance(seen, httpx.Response), seen
    assert seen.status_code == 200
    body = seen.json()
    assert body["success"] is False
    assert body["code"] == "GHANA-OPERIE000000"
    assert body["message"] == "[GHANA-OPERIE000000]: operation failed"
    assert body["advice"] == "retry later"
    assert body["data"] is None


def missing_status(seen: Observed, took: float) -> None:
    assert isinstance(seen, httpx.Response), seen
    data = seen.json()["data"]
    assert "status" not in data
    assert "currentStep" in data


def out_of_range(seen: Observed, took: float) -> None:
    assert isinstance(seen, httpx.Response), seen
    assert seen.json()["data"]["fullMigrationProgress"] == 101


CASES: list[tuple[str, Any, Check]] = [
    ("500", {"status": 500}, status_is(500)),
    ("502", {"status": 502}, status_is(502, "text/html")),
    ("503", {"status": 503}, status_is(503, "text/html")),
    ("504", {"status": {"code": 504, "body": "envelope"}}, status_is(504)),
    ("408", {"status": 408}, status_is(408)),
    ("429", {"status": {"code": 429, "retryAfter": 3}}, retry_after("3")),
    ("latency", {"latency": 0.3}, slower_than(0.3)),
    ("jitter", {"latency": [0.2, 0.4]}, slower_than(0.2)),
    ("close", "close", raises(httpx.RemoteProtocolError, "without sending a response")),
    ("reset", "reset", raises(httpx.ReadError, "reset by peer")),
    ("truncate", "truncate", raises(httpx.RemoteProtocolError, "complete message body")),
    ("not-json", "not-json", not_json),
    ("content-type", "content-type", wrong_type),
    (
        "error",
        {
            "error": {
                "code": "GHANA-OPERIE000000",
                "message": "operation failed",
                "advice": "retry later",
            }
        },
        business_error,
    ),
    ("missing", {"deviation": {"field": "data.status", "change": "missing"}}, missing_status),
    (
        "range",
        {"deviation": {"field": "data.fullMigrationProgress", "change": "out-of-range"}},
        out_of_range,
    ),
]


def library() -> Library:
    docs: list[dict[str, Any]] = [
        {
            "name": f"case-{name}",
            "kind": "migration",
            "faults": [{"fault": fault, "polls": 2}],
            "timeline": [{"status": "RUNNING", "step": "FULL_MIGRATION", "progress": {"full": 40}}],
        }
        for name, fault, _ in CASES
    ]
    docs.append(
        {
            "name": "plain",
            "kind": "migration",
            "timeline": [{"status": "RUNNING", "step": "FULL_MIGRATION", "progress": {"full": 40}}],
        }
    )
    return assemble(load_document(doc) for doc in docs)


@pytest.fixture(scope="module")
def live(serve: ServeFactory) -> Iterator[Live]:
    with serve(library(), max_fault_delay=MAX_DELAY) as server:
        yield server


def poll(client: httpx.Client, url: str) -> tuple[Observed, float]:
    began = time.monotonic()
    try:
        return client.get(url), time.monotonic() - began
    except httpx.HTTPError as exc:
        return exc, time.monotonic() - began


def healthy(client: httpx.Client, url: str) -> None:
    seen, _ = poll(client, url)
    assert isinstance(seen, httpx.Response), seen
    assert seen.status_code == 200
    body = seen.json()
    assert body["success"] is True
    assert body["data"]["fullMigrationProgress"] == 40


def no_server_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith(("uvicorn", "mock_oms"))
    ]
    assert errors == []


@pytest.mark.parametrize(("name", "fault", "check"), CASES, ids=[c[0] for c in CASES])
def test_scenario_fault_on_the_wire(
    live: Live, name: str, fault: Any, check: Check, caplog: pytest.LogCaptureFixture
) -> None:
    url = live.progress_url(f"case-{name}~{time.monotonic_ns()}")
    with caplog.at_level(logging.WARNING), httpx.Client(timeout=5) as client:
        healthy(client, url)  # poll 1
        check(*poll(client, url))  # poll 2 carries the fault
        healthy(client, url)  # and the server serves the next one normally
    no_server_errors(caplog)


@pytest.mark.parametrize(("name", "fault", "check"), CASES, ids=[c[0] for c in CASES])
def test_injected_fault_on_the_wire(
    live: Live, name: str, fault: Any, check: Check, caplog: pytest.LogCaptureFixture
) -> None:
    project = f"plain~{name}"
    url = live.progress_url(project)
    with caplog.at_level(logging.WARNING), httpx.Client(timeout=5) as client:
        healthy(client, url)
        control = ControlClient(client=httpx.Client(base_url=live.base_url, timeout=5))
        with control:
            active = control.inject_fault(fault, project_id=project, count=1)
        assert active["remaining"] == 1
        check(*poll(client, url))
        healthy(client, url)
    no_server_errors(caplog)


def test_a_hang_never_outlives_its_bound(live: Live) -> None:
    project = "plain~hang-bound"
    url = live.progress_url(project)
    with ControlClient(live.base_url) as control:
        active = control.inject_fault({"hang": 300}, project_id=project, count=1)
    assert active["fault"] == "hang:300"
    with httpx.Client(timeout=30) as client:
        seen, took = poll(client, url)
        # the server gives up after --max-fault-delay and closes without an answer
        assert isinstance(seen, httpx.RemoteProtocolError), seen
        assert MAX_DELAY * 0.95 <= took < MAX_DELAY + 5
        healthy(client, url)


def test_a_hang_outlasts_a_client_read_timeout(live: Live) -> None:
    project = "plain~hang-timeout"
    url = live.progress_url(project)
    with ControlClient(live.base_url) as control:
        control.inject_fault("hang", project_id=project, count=1)
    with httpx.Client(timeout=0.2) as client:
        seen, _ = poll(client, url)
        assert isinstance(seen, httpx.ReadTimeout), seen
    with httpx.Client(timeout=5) as client:
        healthy(client, url)


def test_a_delay_before_an_error_status(live: Live) -> None:
    project = "plain~slow-504"
    with ControlClient(live.base_url) as control:
        control.inject_fault({"status": 504}, project_id=project, count=1, delay=0.3)
    with httpx.Client(timeout=5) as client:
        seen, took = poll(client, live.progress_url(project))
        assert isinstance(seen, httpx.Response)
        assert seen.status_code == 504
        assert took >= 0.28


def raw_get(live: Live, path: str) -> bytes:
    host, port = live.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_raw_socket_sees_a_clean_close_and_a_reset(live: Live) -> None:
    assert raw_get(live, "/api/omsp/v2/migrations/case-close~raw/progress").startswith(
        b"HTTP/1.1 200"
    )
    assert raw_get(live, "/api/omsp/v2/migrations/case-close~raw/progress") == b""
    raw_get(live, "/api/omsp/v2/migrations/case-reset~raw/progress")
    with pytest.raises(ConnectionResetError):
        raw_get(live, "/api/omsp/v2/migrations/case-reset~raw/progress")


def test_raw_socket_sees_the_full_length_and_half_the_body(live: Live) -> None:
    raw_get(live, "/api/omsp/v2/migrations/case-truncate~raw/progress")
    answer = raw_get(live, "/api/omsp/v2/migrations/case-truncate~raw/progress")
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(
        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    assert len(body) == length // 2


@pytest.mark.parametrize("fault", ["close", "reset", "truncate"])
def test_h11_behaves_like_httptools(serve: ServeFactory, fault: str) -> None:
    expected = {name: check for name, _, check in CASES}[fault]
    with serve(library(), http="h11") as live, httpx.Client(timeout=5) as client:
        url = live.progress_url(f"case-{fault}")
        healthy(client, url)
        expected(*poll(client, url))
        healthy(client, url)


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("close", httpx.RemoteProtocolError, "without sending a response"),
        ("reset", httpx.ReadError, "reset by peer"),
        ("truncate", httpx.RemoteProtocolError, "complete message body"),
        ("hang", httpx.RemoteProtocolError, "without sending a response"),
    ],
)
def test_in_process_transport_maps_dropped_connections(
    fault: str, error: type[httpx.HTTPError], words: str
) -> None:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.web.app import create_app

    app = create_app(Settings(clock=ClockMode.MANUAL, max_fault_delay=0.05), library=library())
    with ControlClient.in_process(app) as control:
        control.inject_fault(fault, project_id="plain", count=1)
        with pytest.raises(error, match=words):
            control.progress("plain")
        assert control.progress("plain")["success"] is True


def test_the_reply_names_its_fault_for_the_journal() -> None:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.web.app import create_app

    app = create_app(Settings(clock=ClockMode.MANUAL), library=library())
    path = b"/api/omsp/v2/migrations/case-missing/progress"
    assert app.oms.answer("GET", path).fault is None
    reply = app.oms.answer("GET", path)
    assert reply.fault == "deviation:missing:data.status"  # marked deliberate
    assert app.oms.answer("GET", b"/api/omsp/v2/migrations/plain/progress").plan is None


def test_other_requests_are_served_during_a_hang(serve: ServeFactory) -> None:
    # No sleep decides anything here: the hang is long (60 s), the test waits for the
    # journal to show the hung poll, serves others, sees the hung socket still silent, and
    # then hangs up itself (which ends the hang).
    project = "plain~hang-meanwhile"
    with serve(library(), max_fault_delay=60.0) as live, ControlClient(live.base_url) as control:
        control.inject_fault({"hang": 60}, project_id=project, count=1)
        path = live.progress_url(project).removeprefix(live.base_url)
        host, port = live.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as hung:
            hung.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            deadline = time.monotonic() + 10
            while control.requests(project).total == 0:
                assert time.monotonic() < deadline, "the hung poll never arrived"
                time.sleep(0.01)
            with httpx.Client(timeout=5) as client:
                for _ in range(5):
                    healthy(client, live.progress_url("plain~meanwhile"))
            hung.setblocking(False)
            with pytest.raises(BlockingIOError):  # nothing came on the hung connection
                hung.recv(1)
        assert control.requests(project).entries[0].fault == "hang:60"
