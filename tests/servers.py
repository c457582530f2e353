"""Servers for the tests: in process, or live on 127.0.0.1 (the types the fixtures of
``conftest.py`` hand out, importable by the test modules that annotate with them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.serve.live import LiveServer
from mock_oms.web.app import MockOms

EPOCH = 1_700_000_000.0

MakeClient = Callable[..., tuple[MockOms, ControlClient]]


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
    config = Settings(port=0, clock=clock, speed=speed, seed=seed, max_fault_delay=max_fault_delay)
    with LiveServer(config, library=library, http=http) as server:
        yield Live(server.app, server.base_url)


ServeFactory = Callable[..., AbstractContextManager[Live]]
