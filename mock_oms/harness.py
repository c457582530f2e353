"""A running mock-oms that a test steers: what the pytest plugin's fixtures return.

It talks to the server only through the control API (over a socket, or in process). Every
call of :class:`~mock_oms.client.BaseClient` is there as it is on the client; a few are
shortened for what tests do most: ``create`` returns the project ID, ``advance`` and
``now`` the scenario time, ``reset`` starts the server afresh, ``requests`` returns the
entries. ``client`` is a full :class:`~mock_oms.client.ControlClient` on the same
connection.
"""

from __future__ import annotations

from typing import Any

import httpx

from mock_oms.client import DEFAULT_TIMEOUT, IN_PROCESS_URL, BaseClient, ControlClient
from mock_oms.config import Settings
from mock_oms.core.kinds import Kind, progress_path
from mock_oms.transport import InProcessTransport
from mock_oms.web.control.models import EntryOut

__all__ = ["Harness", "LentTransport"]


class LentTransport(httpx.BaseTransport):
    """The fake's in-process transport lent to a client: closing that client (as ``with``
    does) leaves the transport open for the others; the harness closes it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._inner.handle_request(request)

    def close(self) -> None:
        pass


class Harness(BaseClient):
    """A mock-oms server under test control.

    ``base_url`` is where the client under test should send its OMS requests. In process
    (the ``mock_oms_inprocess`` fixture) there is no socket: hand ``transport``
    (synchronous) or ``httpx.ASGITransport(app=harness.app)`` (asynchronous) to the client
    under test, or use :meth:`http_client`.
    """

    def __init__(
        self,
        http: httpx.Client,
        settings: Settings,
        *,
        app: Any = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(client=http, token=settings.control_token, auth=settings.auth)
        self.settings = settings
        self.app = app
        self.transport = transport
        self.client = ControlClient(client=http, token=settings.control_token, auth=settings.auth)

    @classmethod
    def over_http(cls, base_url: str, settings: Settings) -> Harness:
        return cls(httpx.Client(base_url=base_url, timeout=DEFAULT_TIMEOUT), settings)

    @classmethod
    def in_process(cls, app: Any, settings: Settings) -> Harness:
        transport = InProcessTransport(app)
        http = httpx.Client(transport=transport, base_url=IN_PROCESS_URL, timeout=DEFAULT_TIMEOUT)
        return cls(http, settings, app=app, transport=LentTransport(transport))

    def url(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> str:
        """The full URL of the project's OMS progress endpoint."""
        return self.base_url + progress_path(kind, project_id)

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """A new httpx client bound to this fake (through its transport when in process)."""
        kwargs.setdefault("base_url", self.base_url)
        if self.transport is not None:
            kwargs.setdefault("transport", self.transport)
        return httpx.Client(**kwargs)

    # -- the shortened calls ----------------------------------------------------------------

    def now(self) -> float:
        """Scenario seconds on the server's clock."""
        return self.clock().now

    def advance(self, seconds: float) -> float:
        """Move scenario time forward; returns the new scenario time."""
        return self.client.advance(seconds).now

    def create(self, scenario: str, project_id: str | None = None) -> str:
        """Start an instance of ``scenario`` now; returns its project ID."""
        return self.client.create(scenario, project_id).project_id

    def reset(self) -> None:
        """Back to a just-started server (the clock keeps its time)."""
        self.client.reset(fresh=True)

    def requests(
        self, project: str | None = None, *, since: float | None = None, until: float | None = None
    ) -> list[EntryOut]:
        """The journaled OMS requests, oldest first (``client.requests`` gives the counts)."""
        return self.client.requests(project, since=since, until=until).entries
