"""The server's side of the harness: a mock-oms with an empty library and a manual clock,
in process or on a socket, behind a middleware that watches each project's polls.

:class:`Watch` logs, for every poll of a case's project, when it came (in *case time*:
real seconds plus what the client waited through :meth:`ClientTarget.sleep`), what it was
answered (status, ``Retry-After``) and which settled status, if any, it showed the client.
Beyond its limit a project is answered 503, so that a client that never stops gets a
reason to, and the harness is told at once, so that its verdict need not wait for the time
limit (a client that retries every failure would poll on until then).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from mock_oms.client import IN_PROCESS_URL, ControlClient
from mock_oms.core.lifecycle import SETTLED
from mock_oms.harness import LentTransport

__all__ = ["FAULT_SEED", "OVER_BUDGET", "CaseLog", "Poll", "Server", "Watch", "serve"]

FAULT_SEED = 0
OVER_BUDGET = b"mock-oms harness: this client exceeded its poll budget"
_SETTLED = frozenset(s.value for s in SETTLED)


@dataclass
class Poll:
    """One poll of a case's project, in case time."""

    arrived: float
    answered: float | None = None  # when the whole answer went out (None: it never did)
    status: int | None = None
    retry_after: float | None = None  # the Retry-After it was sent, in seconds
    settled: str | None = None  # the settled status it showed the client


class CaseLog:
    """The polls of one case's project, and the time its client waited on purpose."""

    def __init__(self) -> None:
        self.polls: list[Poll] = []
        self.slept = 0.0  # seconds the client waited through ClientTarget.sleep
        self.closed = False  # the case is over: any later poll is over budget
        self.done = threading.Event()  # the driver returned, or its client went over budget
        self._lock = threading.Lock()

    def add(self, poll: Poll, limit: int) -> bool:
        """Log ``poll``; whether it is over the budget of ``limit`` polls."""
        with self._lock:
            self.polls.append(poll)
            return len(self.polls) > limit or self.closed

    def now(self) -> float:
        with self._lock:
            return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept += max(0.0, float(seconds))


def _shown(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> str | None:
    """The settled status a whole answer showed a client: a JSON success envelope."""
    kinds = [v for k, v in headers if k.lower() == b"content-type"]
    if status != 200 or not kinds or not kinds[0].startswith(b"application/json"):
        return None
    try:
        document = json.loads(body)
        shown = document["data"]["status"] if document.get("success") is True else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return shown if shown in _SETTLED else None


def _retry_after(headers: list[tuple[bytes, bytes]]) -> float | None:
    for key, value in headers:
        if key.lower() == b"retry-after":
            try:
                return float(value)
            except ValueError:
                return None
    return None


class Watch:
    """ASGI middleware logging each case project's polls (see the module docstring)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.logs: dict[str, CaseLog] = {}
        self._lock = threading.Lock()

    def log(self, project_id: str) -> CaseLog:
        with self._lock:
            return self.logs.setdefault(project_id, CaseLog())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from mock_oms.web import writer
        from mock_oms.web.oms_api import decode_project_id, match

        found = None
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode()
            found = match(raw.split(b"?", 1)[0])
        if found is None:
            await self.app(scope, receive, send)
            return
        try:
            pid = decode_project_id(found[1])
        except Exception:
            pid = ""
        log = self.log(pid)
        poll = Poll(log.now())
        if log.add(poll, self.limit):
            log.done.set()
            poll.status = 503
            head = writer.headers(len(OVER_BUDGET), b"text/plain")
            await writer.write(send, 503, OVER_BUDGET, head, method=scope["method"])
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def watched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    headers = list(started.get("headers", []))
                    poll.status = started.get("status")
                    poll.retry_after = _retry_after(headers)
                    poll.settled = _shown(poll.status or 0, headers, b"".join(chunks))
                    poll.answered = log.now()
            await send(message)

        await self.app(scope, receive, watched)


@dataclass
class Server:
    control: ControlClient
    watch: Watch
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
    # repeat. No fault outlasts a case's time limit, and latency takes no real time (a
    # hang still does: it is there to make the client's timeout fire). The cases are the
    # only scenarios served: an empty library (loading the bundled one takes time).
    settings = Settings(
        port=0,
        clock=ClockMode.MANUAL,
        seed=FAULT_SEED,
        max_fault_delay=max_fault_delay,
        delays_follow_clock=True,
    )
    if live:
        from mock_oms.serve.live import LiveServer

        def watched(app: Any) -> Watch:
            return Watch(app, max_polls)

        with (
            LiveServer(settings, library=Library(), middleware=watched) as server,
            ControlClient(server.base_url) as control,
        ):
            yield Server(control, server.served, server.base_url, None)
        return
    watch = Watch(create_app(settings, library=Library()), max_polls)
    transport = InProcessTransport(watch)
    try:
        lent = LentTransport(transport)  # drivers close their clients, never the server's
        http = httpx.Client(transport=lent, base_url=IN_PROCESS_URL)
        with ControlClient(client=http) as control:
            yield Server(control, watch, IN_PROCESS_URL, lent)
    finally:
        transport.close()
