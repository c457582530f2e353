"""Idle and half-open connections (issue 13, reproductions 4 and 8, scaled down): a
connection that sends nothing, part of its headers or part of its body is closed after the
stated time; the connection cap answers the excess; what uvicorn's parser refuses gets the
envelope. Over both of uvicorn's HTTP implementations.

Deadlines here are short (a second or so) and every wait is on the socket, with a generous
ceiling: a test fails when a connection stays open far longer than its deadline, not when
a loaded machine is a little late.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mock_oms.config import Settings
from mock_oms.serve.live import LiveServer

pytestmark = pytest.mark.timeout(60)

HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 0.8
KEEP_ALIVE = 1  # below the header timeout, which also runs once a response is sent
SLACK = 10.0  # seconds past a deadline that still count as "closed by it" on a loaded machine


@pytest.fixture(params=["httptools", "h11"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    settings = Settings(
        port=0,
        header_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        keep_alive_timeout=KEEP_ALIVE,
        max_connections=8,
        max_fault_delay=30,
    )
    with LiveServer(settings, http=request.param) as live:
        yield live


def connect(server: LiveServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=5)


def until_closed(sock: socket.socket, ceiling: float) -> tuple[float, bytes]:
    """Seconds until the server closed ``sock``, and what it sent before."""
    began = time.monotonic()
    sock.settimeout(ceiling)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    return time.monotonic() - began, received


def envelope(raw: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    server: LiveServer,
) -> None:
    took, received = until_closed(connect(server), HEADER_TIMEOUT + SLACK)
    assert received == b""  # nothing was asked: nothing to answer
    assert HEADER_TIMEOUT * 0.8 <= took < HEADER_TIMEOUT + SLACK


def test_headers_that_trickle_get_a_408_and_a_close(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    took, received = until_closed(sock, HEADER_TIMEOUT + SLACK)
    status, headers, body = envelope(received)
    assert (status, body["code"]) == (408, "REQUEST_TIMEOUT")
    assert headers["content-type"].startswith("application/json")
    assert headers["connection"] == "close"
    assert took < HEADER_TIMEOUT + SLACK


def test_a_body_that_never_ends_gets_a_408_and_a_close(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"POST /_mock/clock/advance HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    took, received = until_closed(sock, BODY_TIMEOUT + SLACK)
    status, _, body = envelope(received)
    assert (status, body["code"]) == (408, "REQUEST_TIMEOUT")
    assert "--body-timeout" in str(body["message"])
    assert took < BODY_TIMEOUT + SLACK


def test_an_idle_keep_alive_connection_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
    took, received = until_closed(sock, KEEP_ALIVE + SLACK)
    assert received.startswith(b"HTTP/1.1 200")
    assert took < KEEP_ALIVE + SLACK


def test_a_raw_non_ascii_path_gets_the_envelope(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall("GET /api/omsp/v2/migrations/é/progress HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    _, received = until_closed(sock, SLACK)
    status, headers, body = envelope(received)
    assert (status, body["code"], body["success"]) == (400, "PARAM_ERROR", False)
    assert headers["content-type"].startswith("application/json")  # not uvicorn's text/plain
    assert "percent-encode" in str(body["message"])


def test_headers_too_long_get_the_envelope(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000)
    _, received = until_closed(sock, SLACK)
    status, _, body = envelope(received)
    assert status in (400, 431) and body["success"] is False


def test_at_the_cap_the_connection_idle_longest_makes_room(server: LiveServer) -> None:
    idle = [connect(server) for _ in range(8)]
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        assert client.get("/_mock/health").status_code == 200  # one more: served
    took, received = until_closed(idle[0], SLACK)  # the oldest idle one went for it
    assert received == b"" and took < SLACK
    for sock in idle[1:]:
        sock.close()


def test_at_the_cap_with_every_connection_busy_the_newcomer_gets_a_503(
    server: LiveServer,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        assert client.post("/_mock/faults", json={"fault": {"hang": 20}}).status_code == 201
    poll = b"GET /api/omsp/v2/migrations/full-migration/progress HTTP/1.1\r\nHost: x\r\n\r\n"
    busy = []
    for _ in range(8):  # each stays busy: its poll hangs
        sock = connect(server)
        sock.sendall(poll)
        busy.append(sock)
    deadline = time.monotonic() + SLACK
    while len(server.app.runtime.journal.entries()[0]) < 8 and time.monotonic() < deadline:
        time.sleep(0.02)  # until all eight polls have reached the application
    newcomer = connect(server)
    newcomer.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
    _, received = until_closed(newcomer, SLACK)
    status, headers, body = envelope(received)
    assert (status, body["code"]) == (503, "SERVICE_BUSY")
    assert headers["retry-after"] == "1"
    for sock in busy:
        sock.close()


def test_at_the_cap_a_client_that_was_served_keeps_its_connection(server: LiveServer) -> None:
    kept = connect(server)
    health = b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n"
    kept.sendall(health)
    assert kept.recv(65536).startswith(b"HTTP/1.1 200")  # served: now idle, kept alive
    unserved = [connect(server) for _ in range(7)]  # the cap, 8, is reached
    newcomer = connect(server)  # one more: an unserved connection makes room, not ``kept``
    took, received = until_closed(unserved[0], SLACK)
    assert received == b"" and took < SLACK
    kept.sendall(health)
    assert kept.recv(65536).startswith(b"HTTP/1.1 200")
    for sock in (kept, newcomer, *unserved[1:]):
        sock.close()
