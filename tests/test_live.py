from __future__ import annotations

import socket
import threading

import httpx
import pytest

from mock_oms.config import Settings
from mock_oms.serve.live import LiveServer
from mock_oms.serve.server import PortInUse

SETTINGS = Settings(port=0, log_level="warning")


def running(server: LiveServer) -> bool:
    return server.running


def test_serves_on_a_free_port_of_localhost_and_stops() -> None:
    before = threading.active_count()
    server = LiveServer(SETTINGS)
    assert server.host == "127.0.0.1"
    assert server.port > 0
    with server:
        assert running(server)
        assert httpx.get(f"{server.base_url}/_mock/health").json()["status"] == "ok"
    assert not running(server)
    assert threading.active_count() == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/_mock/health")


def test_stop_is_idempotent() -> None:
    server = LiveServer(SETTINGS).start()
    server.stop()
    server.stop()


def test_stops_with_a_client_still_connected() -> None:
    with LiveServer(SETTINGS) as server, httpx.Client(base_url=server.base_url) as client:
        client.get("/_mock/health")  # keeps a keep-alive connection open
        server.stop(timeout=5)
        assert not running(server)


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match="in use"):
            LiveServer(Settings(port=port))
