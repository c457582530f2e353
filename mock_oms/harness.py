"""A running mock-oms that a test steers: what the pytest plugin's fixtures return.

It talks to the server only through the control API (over a socket, or in process), with
short names for what tests do most: create a project, advance the clock, act, and ask how
the client under test polled.
"""

from __future__ import annotations

from typing import Any

import httpx

from mock_oms.client import DEFAULT_TIMEOUT, IN_PROCESS_URL, JSON, ControlClient, progress_path
from mock_oms.config import Settings
from mock_oms.core.kinds import Kind
from mock_oms.transport import InProcessTransport


class LentTransport(httpx.BaseTransport):
    """The fake's in-process transport lent to a client: closing that client (as ``with``
    does) leaves the transport open for the others; the harness closes it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


class Harness:
    """A mock-oms server under test control.

    ``base_url`` is where the client under test should send its OMS requests; ``client``
    is the full :class:`~mock_oms.client.ControlClient`. In process (the
    ``mock_oms_inprocess`` fixture) there is no socket: hand ``transport`` (synchronous) or
    ``httpx.ASGITransport(app=harness.app)`` (asynchronous) to the client under test, or use
    :meth:`http_client`.
    """

    def __init__(
        self,
        client: ControlClient,
        settings: Settings,
        *,
        app: Any = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.app = app
        self.transport = transport

    @classmethod
    def in_process(cls, app: Any, settings: Settings) -> Harness:
        transport = InProcessTransport(app)
        http = httpx.Client(transport=transport, base_url=IN_PROCESS_URL, timeout=DEFAULT_TIMEOUT)
        client = ControlClient(client=http, token=settings.control_token, auth=settings.auth)
        return cls(client, settings, app=app, transport=LentTransport(transport))

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def url(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> str:
        """The full URL of the project's OMS progress endpoint."""
        return self.base_url + progress_path(kind, project_id)

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client bound to this fake (through its transport when in process)."""
        kwargs.setdefault("base_url", self.base_url)
        if self.transport is not None:
            kwargs.setdefault("transport", self.transport)
        return httpx.Client(**kwargs)

    # -- steering ---------------------------------------------------------------------------

    def now(self) -> float:
        """Scenario seconds on the server's clock."""
        return float(self.client.clock()["now"])

    def advance(self, seconds: float) -> float:
        """Move scenario time forward; returns the new scenario time."""
        return float(self.client.advance(seconds)["now"])

    def set_speed(self, speed: float) -> None:
        self.client.set_speed(speed)

    def add_scenario(self, scenario: str | dict[str, Any]) -> JSON:
        """Load a scenario (YAML/JSON text or a mapping) for this test; returns its summary."""
        return self.client.add_scenario(scenario)

    def create(self, scenario: str, project_id: str | None = None) -> str:
        """Start an instance of ``scenario`` now; returns its project ID."""
        return str(self.client.create(scenario, project_id)["projectId"])

    def act(
        self,
        project_id: str,
        action: str,
        *,
        step: str | None = None,
        message: str | None = None,
        importance: str | None = None,
    ) -> JSON:
        """Act on the project as an operator would; returns the in-band envelope."""
        return self.client.act(
            project_id, action, step=step, message=message, importance=importance
        )

    def reset(self) -> None:
        """Back to a just-started server (the clock keeps its time)."""
        self.client.reset(fresh=True)

    # -- observing --------------------------------------------------------------------------

    def project(self, project_id: str) -> JSON:
        """Status, phase and events (does not count as a poll)."""
        return self.client.project(project_id)

    def progress(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> JSON:
        """Poll the OMS endpoint once (it counts as a poll)."""
        return self.client.progress(project_id, kind)

    def polls(self, project_id: str) -> JSON:
        """How the project was polled: ``count``, ``first``/``last``, ``interval``,
        ``statuses`` (runs of ``{status, count, first, last}``), ``keptPollingAfterSettled``."""
        return self.client.polls(project_id)

    def requests(
        self, project: str | None = None, *, since: float | None = None, until: float | None = None
    ) -> list[JSON]:
        """The journaled OMS requests, oldest first (``client.requests`` gives the counts)."""
        entries: list[JSON] = self.client.requests(project, since=since, until=until)["entries"]
        return entries

    def close(self) -> None:
        self.client.close()  # and its transport

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
