"""The server's side of the harness: a mock-oms with an empty library and a manual clock,
in process or on a socket, behind a middleware that counts each project's polls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from mock_oms.client import IN_PROCESS_URL, ControlClient
from mock_oms.harness import LentTransport

FAULT_SEED = 0


class Budget:
    """ASGI middleware counting the polls of each project; beyond its limit a project is
    answered 503 so that a client that never stops gets a reason to, and the event the
    harness watches for it is set, so that the verdict need not wait for the time limit
    (a client that retries every failure would poll on until then)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.polls: dict[str, int] = {}
        self.closed: set[str] = set()
        self._watched: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def watch(self, project_id: str, event: threading.Event) -> None:
        """Set ``event`` when ``project_id`` goes over the limit."""
        with self._lock:
            self._watched[project_id] = event

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from mock_oms.web.oms_api import decode_project_id, match

        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode()
            found = match(raw.split(b"?", 1)[0])
            if found is not None:
                try:
                    pid = decode_project_id(found[1])
                except Exception:
                    pid = ""
                with self._lock:
                    count = self.polls[pid] = self.polls.get(pid, 0) + 1
                    over = count > self.limit or pid in self.closed
                    watcher = self._watched.get(pid) if count > self.limit else None
                if watcher is not None:
                    watcher.set()
                if over:
                    body = b"mock-oms harness: this client exceeded its poll budget"
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 503,
                            "headers": [(b"content-type", b"text/plain")],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


@dataclass
class Server:
    control: ControlClient
    budget: Budget
    base_url: str
    transport: httpx.BaseTransport | None
    cases_run: list[int] = field(default_factory=lambda: [0])


@contextmanager
def serve(live: bool, max_polls: int, max_fault_delay: float) -> Iterator[Server]:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.core.library import Library
    from mock_oms.transport import InProcessTransport
    from mock_oms.web.app import create_app

    # A fixed seed: the faults a case leaves to chance (none that client_cases draws)
    # repeat. No fault outlasts a case's time limit. The cases are the only scenarios
    # served: an empty library (loading the bundled one takes time).
    settings = Settings(
        port=0, clock=ClockMode.MANUAL, seed=FAULT_SEED, max_fault_delay=max_fault_delay
    )
    if live:
        from mock_oms.serve.live import LiveServer

        def budgeted(app: Any) -> Budget:
            return Budget(app, max_polls)

        with (
            LiveServer(settings, library=Library(), middleware=budgeted) as server,
            ControlClient(server.base_url) as control,
        ):
            yield Server(control, server.served, server.base_url, None)
        return
    budget = Budget(create_app(settings, library=Library()), max_polls)
    transport = InProcessTransport(budget)
    try:
        lent = LentTransport(transport)  # drivers close their clients, never the server's
        http = httpx.Client(transport=lent, base_url=IN_PROCESS_URL)
        with ControlClient(client=http) as control:
            yield Server(control, budget, IN_PROCESS_URL, lent)
    finally:
        transport.close()
