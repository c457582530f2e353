"""The application factory: one ASGI app per call, no module-level state.

Requests under ``/api/omsp/`` go to the plain-ASGI V3 endpoints and those to ``/api/v2``
to the plain-ASGI V4 API (the hot paths); all others go to the FastAPI app that serves the
control API (``/_mock``) and ``/openapi.json``.
That app is built at its first request: FastAPI and pydantic take longer to import than
the rest of mock-oms, and the OMS endpoints never need them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mock_oms.config import Settings
from mock_oms.core.clock import Clock, TimeSource
from mock_oms.core.library import Library
from mock_oms.core.store import Evicted, Store
from mock_oms.faults.chooser import FaultChooser
from mock_oms.faults.injections import Injections
from mock_oms.journal.requests import Eviction, Journal
from mock_oms.oms.envelope import RequestIds
from mock_oms.web.oms_api import PREFIX, OmsApi
from mock_oms.web.runtime import Runtime, library_of
from mock_oms.web.v4_api import PATH as V4_PATH
from mock_oms.web.v4_api import PREFIX as V4_PREFIX
from mock_oms.web.v4_api import V4Api

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["EVICTION_LOG_EVERY", "MockOms", "create_app", "log"]

log = logging.getLogger("mock_oms")
EVICTION_LOG_EVERY = 1.0  # seconds: at most one eviction log line so often (the rest counted)


class MockOms:
    """The ASGI application. ``runtime`` is there for tests and the pytest plugin."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.oms = OmsApi(runtime)
        self.v4 = V4Api(runtime)
        self._control: FastAPI | None = None
        self._building = threading.Lock()

    @property
    def control(self) -> FastAPI:
        """The FastAPI app of the control API, built on first use."""
        if self._control is None:
            with self._building:
                if self._control is None:
                    from mock_oms.web.control.app import build

                    self._control = build(self.runtime)
        return self._control

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(_PREFIX):
                await self.oms(scope, receive, send)
                return
            if path == V4_PATH or path.startswith(V4_PREFIX):
                await self.v4(scope, receive, send)
                return
        await self.control(scope, receive, send)


_PREFIX = PREFIX.decode()


def create_app(
    settings: Settings | None = None,
    *,
    library: Library | None = None,
    time_source: TimeSource = time.monotonic,
    wall_clock: TimeSource = time.time,
) -> MockOms:
    """A fresh mock-oms application.

    ``library`` defaults to what ``settings.scenarios`` names (the bundled scenarios when
    empty); a broken set raises :class:`~mock_oms.core.errors.ScenarioError` before anything is
    served. ``time_source`` drives the scenario clock, ``wall_clock`` gives the Unix epoch.
    """
    settings = settings or Settings()
    epoch = settings.epoch if settings.epoch is not None else float(int(wall_clock()))
    clock = Clock(time_source, speed=settings.effective_speed)
    store = Store(Library(), clock, epoch, max_projects=settings.max_projects)
    journal = Journal(
        settings.journal_size, max_tracked=settings.max_projects, exposure=settings.coverage
    )
    # without --seed, faults still come from one seed (GET /_mock/faults shows it)
    seed = settings.seed if settings.seed is not None else random.SystemRandom().getrandbits(32)
    faults = FaultChooser(seed, settings.max_fault_delay, Injections(settings.max_injections))
    startup = library if library is not None else library_of(settings)
    runtime = Runtime(
        settings,
        store,
        RequestIds(settings.seed),
        wall_clock,
        journal=journal,
        faults=faults,
        startup_library=startup,
    )
    store.replace_library(startup)
    store.on_evict = _on_evict(journal, store, wall_clock, settings.max_projects)
    return MockOms(runtime)


def _on_evict(
    journal: Journal, store: Store, wall_clock: TimeSource, most: int
) -> Callable[[Evicted], None]:
    """What a store does when it evicts a project: the journal notes it, the log says so
    (a line a second at most, with how many went since the last one)."""
    last = -EVICTION_LOG_EVERY
    unsaid = 0

    def evicted(e: Evicted) -> None:
        nonlocal last, unsaid
        journal.evicted(Eviction(e.project.id, wall_clock(), store.clock.now(), e.for_id))
        now = time.monotonic()
        if now - last < EVICTION_LOG_EVERY:
            unsaid += 1
            return
        also = f" ({unsaid} more since the last line)" if unsaid else ""
        log.warning(
            "mock-oms holds --max-projects %d projects: evicted %s, the least recently "
            "polled of %d NAME~suffix instances, to make room for %s%s",
            most,
            e.project.id,
            e.instances,
            e.for_id,
            also,
        )
        last, unsaid = now, 0

    return evicted
