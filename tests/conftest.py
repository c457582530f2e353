from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.scenarios.loader import load_bundled
from mock_oms.serve.live import LiveServer
from mock_oms.web.app import MockOms, create_app

# The mock_oms plugin itself is active here as it is for any user who installs mock-oms:
# the suite uses its fixtures, and tests/test_pytest_plugin.py runs it inside pytester.
pytest_plugins = ("pytester",)

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

EPOCH = 1_700_000_000.0
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app() -> MockOms:
    """A fresh app on the bundled scenarios, manual clock, fixed epoch and seed."""
    return create_app(Settings(clock=ClockMode.MANUAL, seed=7, epoch=EPOCH))


@pytest.fixture
def client(app: MockOms) -> Iterator[ControlClient]:
    with ControlClient.in_process(app) as c:
        yield c


MakeClient = Callable[..., tuple[MockOms, ControlClient]]


@pytest.fixture(scope="session")
def bundled() -> Library:
    """The bundled scenarios, read once (a library is immutable: apps may share it)."""
    return load_bundled()


@pytest.fixture
def make_client(bundled: Library) -> Iterator[MakeClient]:
    """A fresh app (manual clock unless told) and an in-process client for it."""
    clients: list[ControlClient] = []

    def make(
        client_kwargs: dict[str, Any] | None = None, **settings: Any
    ) -> tuple[MockOms, ControlClient]:
        settings.setdefault("clock", ClockMode.MANUAL)
        library = None if settings.get("scenarios") else bundled
        app = create_app(Settings(**settings), library=library)
        client = ControlClient.in_process(app, **(client_kwargs or {}))
        clients.append(client)
        return app, client

    yield make
    for client in clients:
        client.close()


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


@pytest.fixture(scope="session")
def serve() -> ServeFactory:
    """``with serve(library, ...) as live:`` starts a server that stops with the block."""
    return live_server
