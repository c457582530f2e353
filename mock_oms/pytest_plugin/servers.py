"""The live servers of a pytest session, one per configuration, and the per-test seed."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mock_oms.config import Settings
    from mock_oms.core.library import Library
    from mock_oms.harness import Harness
    from mock_oms.serve.live import LiveServer

__all__ = ["MAX_SERVERS", "Servers", "reseed"]

MAX_SERVERS = 4


class Servers:
    """The live servers of a session, one per configuration, least recently used dropped.
    ``on_close`` is called with each server's harness before the server stops."""

    def __init__(
        self, limit: int = MAX_SERVERS, on_close: Callable[[Harness], None] | None = None
    ) -> None:
        self.limit = limit
        self.on_close = on_close
        self._servers: OrderedDict[Settings, tuple[LiveServer, Harness]] = OrderedDict()
        self._libraries: dict[tuple[Path, ...], Library] = {}

    def library(self, scenarios: tuple[Path, ...]) -> Library:
        from mock_oms.core.errors import ScenarioError
        from mock_oms.scenarios.loader import load_bundled, load_paths

        library = self._libraries.get(scenarios)
        if library is None:
            try:
                library = load_paths(scenarios) if scenarios else load_bundled()
            except ScenarioError as exc:
                problems = exc.problems
            else:
                self._libraries[scenarios] = library
                return library
            lines = "\n".join(f"  {p}" for p in problems)
            pytest.fail(f"mock-oms: the scenarios are invalid:\n{lines}", pytrace=False)
        return library

    def get(self, settings: Settings) -> Harness:
        from mock_oms.serve.live import LiveServer
        from mock_oms.serve.server import PortInUse

        found = self._servers.get(settings)
        if found is not None and found[0].running:
            server, harness = found
            if harness.client.http.is_closed:  # a test closed it: `with mock_oms.client:`
                harness = _harness(server)
                self._servers[settings] = (server, harness)
            self._servers.move_to_end(settings)
            return harness
        if found is not None:
            self._drop(settings)
        started: LiveServer | None = None
        with contextlib.suppress(PortInUse):
            started = LiveServer(settings, library=self.library(settings.scenarios)).start()
        if started is None:  # failed outside the except: no chained command-line wording
            pytest.fail(
                f"mock-oms: port {settings.port} of {settings.host} is in use: by another "
                "program, or by another pytest-xdist worker, each of which starts its own "
                "server. Leave mock_oms_port at 0 (any free port), or make it depend on "
                "the worker (the worker_id fixture).",
                pytrace=False,
            )
        harness = _harness(started)
        self._servers[settings] = (started, harness)
        while len(self._servers) > self.limit:
            self._drop(next(iter(self._servers)))
        return harness

    def _drop(self, settings: Settings) -> None:
        server, harness = self._servers.pop(settings)
        if self.on_close is not None:
            if harness.client.http.is_closed:  # a test closed it: `with mock_oms.client:`
                harness = _harness(server)
            self.on_close(harness)
        harness.close()
        server.stop()

    def close(self) -> None:
        while self._servers:
            self._drop(next(iter(self._servers)))


def _harness(server: LiveServer) -> Harness:
    from mock_oms.harness import Harness

    harness = Harness.over_http(server.base_url, server.settings)
    harness.app = server.app
    return harness


def reseed(harness: Harness, settings: Settings) -> None:
    """After a reset: the test's seed on its (in-process) server, for request IDs and
    fault draws, and in ``harness.settings``."""
    runtime = harness.app.runtime
    runtime.ids.reseed(settings.seed)
    if settings.seed is not None:
        runtime.faults.seed = settings.seed
    harness.settings = settings
