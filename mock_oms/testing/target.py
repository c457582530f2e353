"""The client's side of a case: where the driver points its client, and what it returns."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mock_oms.core.kinds import Kind
from mock_oms.testing.case import Outcome

__all__ = ["ClientTarget", "Driver"]


@dataclass(frozen=True)
class ClientTarget:
    """Where the driver points its client.

    ``transport`` is set when the server runs in process: give it to ``httpx.Client``
    (closing that client leaves the server running). ``max_polls`` is the bound the client
    must keep (make it the client's own limit); ``poll_interval`` the pause to use between
    polls (the cases are counted in polls, so waiting longer proves nothing).

    :meth:`sleep` is the client's clock for waiting on purpose (between polls, for a
    ``Retry-After``, in a backoff): it returns at once and the harness counts the seconds
    as waited. Give it to a client that takes a ``sleep`` function; one that calls
    ``time.sleep`` is judged the same, only slower.
    """

    base_url: str
    project_id: str
    kind: Kind
    path: str
    max_polls: int
    poll_interval: float
    transport: httpx.BaseTransport | None = None
    sleeper: Callable[[float], None] | None = field(default=None, repr=False, compare=False)

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` in the case's time, at once (real time when no harness runs)."""
        if self.sleeper is None:
            time.sleep(seconds)
        else:
            self.sleeper(seconds)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for this target (in process or over the network)."""
        return httpx.Client(base_url=self.base_url, transport=self.transport, **kwargs)


Driver = Callable[[ClientTarget], Outcome]
