from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from servers import EPOCH, MakeClient, ServeFactory, live_server

# pytester restores sys.modules after each in-process run, so a module first imported in
# such a run is imported afresh in the next, beside the web stack kept from the first: the
# control app (its routers) and the plugin's harness are imported here once, for all.
import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app  # noqa: F401
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.scenarios.loader import load_bundled
from mock_oms.web.app import MockOms, create_app

# The mock_oms plugin itself is active here as it is for any user who installs mock-oms:
# the suite uses its fixtures, and tests/test_pytest_plugin.py runs it inside pytester.
pytest_plugins = ("pytester",)

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app() -> MockOms:
    """A fresh app on the bundled scenarios, manual clock, fixed epoch and seed."""
    return create_app(Settings(clock=ClockMode.MANUAL, seed=7, epoch=EPOCH))


@pytest.fixture
def client(app: MockOms) -> Iterator[ControlClient]:
    with ControlClient.in_process(app) as c:
        yield c


@pytest.fixture(scope="session")
def bundled() -> Library:
    """The bundled scenarios, read once (a library is immutable: apps may share it)."""
    return load_bundled()


@pytest.fixture
def make_client(bundled: Library) -> Iterator[MakeClient]:
    """A fresh app (manual clock unless told) and an in-process client for it."""
    clients: list[ControlClient] = []

    def make(
        client_kwargs: dict[str, Any] | None = None,
        library: Library | None = None,
        **settings: Any,
    ) -> tuple[MockOms, ControlClient]:
        settings.setdefault("clock", ClockMode.MANUAL)
        if library is None and not settings.get("scenarios"):
            library = bundled
        app = create_app(Settings(**settings), library=library)
        client = ControlClient.in_process(app, **(client_kwargs or {}))
        clients.append(client)
        return app, client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def serve() -> ServeFactory:
    """``with serve(library, ...) as live:`` starts a server that stops with the block."""
    return live_server
