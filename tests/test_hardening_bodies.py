"""Bodies of any size (issue 13, reproduction 2, scaled down): every route answers an
oversize body with a 413 envelope and closes the connection, whether the body declares its
length or comes in chunks, and nothing past the bound is kept."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from servers import MakeClient

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.kinds import progress_path
from mock_oms.scenarios.loader import MAX_FILE_BYTES
from mock_oms.serve.live import LiveServer
from mock_oms.web.app import MockOms
from mock_oms.web.bodies import DRAIN, BodyLimit
from mock_oms.web.control.app import ROUTERS

MAX_BODY = 4096
PARAMS = {"project_id": "full-migration", "action": "start", "name": "full-migration"}


def routes() -> list[tuple[str, str]]:
    """Every (method, path) of the control API, its parameters filled in."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods or ()):
                    found.append((method, route.path.format(**PARAMS)))
    return sorted(found)


ROUTES = routes()


@pytest.fixture
def client(make_client: MakeClient) -> ControlClient:
    return make_client(max_body=MAX_BODY)[1]


def limit_of(method: str, path: str) -> int:
    return MAX_FILE_BYTES if (method, path) == ("POST", "/_mock/scenarios") else MAX_BODY


def test_every_route_is_covered() -> None:
    assert len(ROUTES) >= 20
    assert ("POST", "/_mock/clock/advance") in ROUTES
    assert ("POST", "/_mock/projects/full-migration/actions/start") in ROUTES


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
@pytest.mark.parametrize("framing", ["length", "chunks"])
def test_an_oversize_body_gets_413_on_every_route(
    client: ControlClient, method: str, path: str, framing: str
) -> None:
    size = limit_of(method, path) + 1
    content: bytes | Iterator[bytes]
    if framing == "length":
        content = b"{" * size
    else:
        chunk = 64 * 1024
        content = iter([b"{" * chunk] * (size // chunk) + [b"{" * (size % chunk)])
    response = client.http.request(method, path, content=content)
    assert response.status_code == 413, response.text
    body = response.json()
    assert body["success"] is False and body["code"] == "PARAM_ERROR"
    assert f"larger than {limit_of(method, path)} bytes" in body["message"]
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/_mock/clock/advance"), ("POST", "/_mock/faults")]
)
def test_a_body_at_the_bound_is_read(client: ControlClient, method: str, path: str) -> None:
    body = b'{"seconds": 1}' if path.endswith("advance") else b'{"fault": "reset"}'
    padded = body + b" " * (MAX_BODY - len(body))
    response = client.http.request(
        method, path, content=padded, headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 201), response.text


def test_the_oms_endpoints_never_read_a_body(make_client: MakeClient) -> None:
    _, client = make_client(max_body=MAX_BODY)
    response = client.http.request(
        "GET", progress_path("migration", "full-migration"), content=b"x" * (10 * MAX_BODY)
    )
    assert response.status_code == 200 and response.json()["success"] is True


def test_reading_stops_past_the_bound(make_client: MakeClient) -> None:
    # the probe's three 1 GiB bodies left 7.2 GB in the process: now a body is read up to
    # its bound and a drain of at most DRAIN bytes, then answered (and the connection closed)
    app, _ = make_client(max_body=MAX_BODY)
    read = 0
    sent: list[MutableMapping[str, Any]] = []

    async def endless() -> dict[str, Any]:
        nonlocal read
        read += 65536
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def keep(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def never(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the route saw an oversize body")

    limit = BodyLimit(never, app.runtime, lambda scope: (MAX_BODY, False))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/_mock/clock/advance",
        "headers": [(b"transfer-encoding", b"chunked")],
    }
    asyncio.run(limit(scope, endless, keep))
    assert sent[0]["status"] == 413
    assert read <= MAX_BODY + DRAIN + 2 * 65536


def test_the_openapi_document_describes_the_413(make_client: MakeClient) -> None:
    app, client = make_client()
    document = client.http.get("/openapi.json").json()
    answers = document["paths"]["/_mock/scenarios"]["post"]["responses"]
    assert "413" in answers and "503" in answers
    assert isinstance(app, MockOms)


def test_a_client_that_sends_its_whole_body_first_still_reads_the_413() -> None:
    # over a socket: the server drops the start of the body before it answers, so that the
    # answer is not lost to a reset connection
    with (
        LiveServer(Settings(port=0, max_body=MAX_BODY)) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        response = http.post("/_mock/clock/advance", content=b"{" * (2 * 1024 * 1024))
        assert response.status_code == 413
        assert response.json()["code"] == "PARAM_ERROR"
