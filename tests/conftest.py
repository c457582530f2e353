from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import pytest
import uvicorn

from mock_oms.app import MockOms, create_app
from mock_oms.clock import ClockMode
from mock_oms.config import Settings
from mock_oms.loader import Library
from mock_oms.server import bind


@dataclass
class Live:
    """A mock-oms served by uvicorn on 127.0.0.1 in a thread."""

    app: MockOms
    base_url: str

    def progress_url(self, project_id: str, segment: str = "migrations") -> str:
        return f"{self.base_url}/api/omsp/v2/{segment}/{project_id}/progress"


@contextmanager
def live_server(
    library: Library,
    *,
    http: str = "httptools",
    seed: int = 7,
    max_fault_delay: float = 5.0,
    clock: ClockMode = ClockMode.MANUAL,
    speed: float = 1.0,
) -> Iterator[Live]:
    settings = Settings(
        port=0, clock=clock, speed=speed, seed=seed, max_fault_delay=max_fault_delay
    )
    app = create_app(settings, library=library)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    # log_config=None: uvicorn's own error log reaches pytest's caplog
    config = uvicorn.Config(
        app, http=http, lifespan="off", log_config=None, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        yield Live(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


ServeFactory = Callable[..., AbstractContextManager[Live]]


@pytest.fixture(scope="session")
def serve() -> ServeFactory:
    """``with serve(library, ...) as live:`` starts a server that stops with the block."""
    return live_server
