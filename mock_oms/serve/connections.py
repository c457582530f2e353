"""uvicorn's HTTP protocols with the limits uvicorn lacks.

uvicorn closes a keep-alive connection that stays idle after a response, but nothing else:
a connection that never sends a byte, a request whose headers trickle in or whose body
never ends stays open for good, and enough of them exhaust the file descriptors. ASGI
middleware cannot help, as it runs only once the headers are in. So each connection here
keeps a deadline for the part of a request it waits for:

- from the connection (or the end of the last response) until the request's headers are
  complete: ``--header-timeout``. Then the connection is closed, with a 408 envelope when
  part of a request had come;
- from the headers until the body is complete: ``--body-timeout``, then a 408 envelope
  (when no answer has started) and the connection closed.

What the application does with a request (a fault that hangs, say) has no deadline here.
At most ``--max-connections`` connections are open: one more closes the connection that
has waited longest for its first request; if there is none, the one whose body has been
arriving longest; then the keep-alive connection idle longest (a client that was served is
the last to lose its connection). When every connection is busy with a request the
application holds, the newcomer gets a 503 envelope. Headers longer
than :data:`MAX_HEAD` bytes get a 431 envelope, and what uvicorn's parser refuses (a path with
raw non-ASCII bytes, say) a 400 envelope, instead of uvicorn's ``text/plain`` 400. None of
these requests reaches the application, so none is in the journal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_oms.core.errors import (
    BadRequest,
    Busy,
    HeadersTooLarge,
    MockOmsError,
    RequestTimeout,
)

__all__ = ["MAX_HEAD", "Guard", "GuardedH11", "GuardedHttpTools", "Limits", "log", "protocol"]

log = logging.getLogger("mock_oms")

MAX_HEAD = 64 * 1024  # bytes of a request line and headers (h11's own bound is set to it)
_ROOM = "mock-oms needed the connection for another (--max-connections)"


@dataclass(frozen=True, slots=True)
class Limits:
    header_timeout: float
    body_timeout: float
    max_connections: int
    max_head: int = MAX_HEAD


class _Phase(Enum):
    WAITING = "waiting for a request"  # nothing yet, part of the headers, or idle
    BODY = "reading a body"
    APP = "the application has it"
    CLOSED = "closed"


@dataclass(eq=False)
class Guard:
    """What the connections of one server share: the limits, the refusals' bytes, the
    connections with a deadline (each kind in the order their deadlines fall, which is
    also the order in which they make room for a newcomer) and what was refused so far.

    One timer per server sweeps the deadlines a few times per timeout (at least once a
    second) rather than one timer per connection and request: a request costs a clock
    read and two dictionary operations, and a deadline falls within a tick of its time."""

    limits: Limits
    refusal: Callable[[MockOmsError], bytes]  # a whole response with the error's envelope
    unserved: dict[Any, None] = field(default_factory=dict)  # waiting for a first request
    receiving: dict[Any, None] = field(default_factory=dict)  # a body arriving
    idle: dict[Any, None] = field(default_factory=dict)  # served, waiting for another
    timed_out: int = 0  # connections closed by a deadline
    evicted: int = 0  # waiting connections closed to make room
    refused: int = 0  # connections answered 503 at the cap
    rejected: int = 0  # requests the parser refused, or headers too long
    _sweeping: bool = False

    @property
    def tick(self) -> float:
        shortest = min(self.limits.header_timeout, self.limits.body_timeout)
        return min(1.0, max(0.02, shortest / 5))

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Sweep the deadlines while any connection has one."""
        if not self._sweeping:
            self._sweeping = True
            loop.call_later(self.tick, self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        header, body = self.limits.header_timeout, self.limits.body_timeout
        for kind, timeout in ((self.unserved, header), (self.idle, header)):
            while kind and now - (first := next(iter(kind)))._since >= timeout:
                first._expire()  # leaves ``kind``
        while self.receiving and now - (first := next(iter(self.receiving)))._since >= body:
            first._body_expired()
        if self.unserved or self.idle or self.receiving:
            loop.call_later(self.tick, self._sweep, loop)
        else:
            self._sweeping = False


class _Watched:
    """The deadlines and the cap, mixed into each of uvicorn's protocols."""

    guard: ClassVar[Guard]
    # uvicorn's, set by the protocol this is mixed into
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    connections: set[Any]
    cycle: Any

    _phase: _Phase
    _cycle: Any  # the request-response cycle the phase belongs to
    _since: float  # the event loop's time when the phase began
    _head: int  # bytes received while waiting for a request's headers
    _served: bool  # whether a response has gone out on this connection

    # -- the protocol's events ------------------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._phase, self._since, self._head, self._cycle = _Phase.APP, 0.0, 0, None
        self._served = False
        guard = self.guard
        if len(self.connections) > guard.limits.max_connections:
            oldest = (
                next(iter(guard.unserved), None)
                or next(iter(guard.receiving), None)
                or next(iter(guard.idle), None)
            )
            if oldest is None:
                guard.refused += 1
                self._answer(
                    Busy(
                        f"mock-oms has {guard.limits.max_connections} connections open "
                        "(--max-connections), each with a request in progress; retry"
                    )
                )
                return
            guard.evicted += 1
            if oldest._phase is _Phase.BODY:
                oldest._body_expired(evicted=True)
            else:
                oldest._expire(evicted=True)
        self._sync()

    def data_received(self, data: bytes) -> None:
        if self._phase is _Phase.CLOSED:
            return
        waiting = self._phase is _Phase.WAITING
        super().data_received(data)  # type: ignore[misc]
        self._sync()
        if waiting and self._phase is _Phase.WAITING:  # the headers are not complete yet
            self._head += len(data)
            if self._head > self.guard.limits.max_head:
                self.guard.rejected += 1
                most = self.guard.limits.max_head
                self._answer(
                    HeadersTooLarge(f"the request line and headers are longer than {most} bytes")
                )

    def on_response_complete(self) -> None:
        self._served = True
        super().on_response_complete()  # type: ignore[misc]
        self._sync()

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        self._phase = _Phase.CLOSED
        super().connection_lost(exc)  # type: ignore[misc]

    def send_400_response(self, msg: str) -> None:
        """What uvicorn answers when its parser refuses a request: our envelope."""
        self.guard.rejected += 1
        self._answer(
            BadRequest(
                "invalid HTTP request: mock-oms could not read its request line or headers "
                "(raw non-ASCII bytes in the path, say; percent-encode them)"
            )
        )

    # -- the deadlines --------------------------------------------------------------------

    def _sync(self) -> None:
        """Follow the connection into its current phase, and arm that phase's deadline."""
        if self._phase is _Phase.CLOSED:
            return
        if self.transport.is_closing():
            self._leave()
            self._phase = _Phase.CLOSED
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            phase = _Phase.WAITING
        else:
            phase = _Phase.BODY if cycle.more_body else _Phase.APP
        if phase is self._phase and (phase is _Phase.WAITING or cycle is self._cycle):
            return
        self._leave()
        self._phase, self._cycle = phase, cycle
        guard = self.guard
        if phase is _Phase.WAITING:
            self._head = 0
            self._since = self.loop.time()
            (guard.idle if self._served else guard.unserved)[self] = None
            guard.watch(self.loop)
        elif phase is _Phase.BODY:
            self._since = self.loop.time()
            guard.receiving[self] = None
            guard.watch(self.loop)

    def _expire(self, *, evicted: bool = False) -> None:
        """No (complete) request in time, or room needed: close, with a 408 when part of a
        request had come."""
        if not evicted:
            self.guard.timed_out += 1
        if self._head:
            why = (
                _ROOM
                if evicted
                else f"{self.guard.limits.header_timeout:g} s passed (--header-timeout)"
            )
            self._answer(RequestTimeout(f"the request's headers were not complete when {why}"))
        else:
            self._close()

    def _body_expired(self, *, evicted: bool = False) -> None:
        if not evicted:
            self.guard.timed_out += 1
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            cycle.disconnected = True  # the application's receive() says so, and send() no-ops
            cycle.message_event.set()
            why = (
                _ROOM
                if evicted
                else f"{self.guard.limits.body_timeout:g} s passed (--body-timeout)"
            )
            self._answer(RequestTimeout(f"the request's body was not complete when {why}"))
        else:
            self._close()

    def _leave(self) -> None:
        guard = self.guard
        guard.unserved.pop(self, None)
        guard.receiving.pop(self, None)
        guard.idle.pop(self, None)

    def _answer(self, error: MockOmsError) -> None:
        """Answer ``error`` with its envelope, then close."""
        self._leave()
        self._phase = _Phase.CLOSED
        if not self.transport.is_closing():
            self.transport.write(self.guard.refusal(error))
            self.transport.close()

    def _close(self) -> None:
        self._leave()
        self._phase = _Phase.CLOSED
        self.transport.close()


class GuardedHttpTools(_Watched, HttpToolsProtocol):
    """httptools' protocol (uvicorn's default) with the deadlines and the cap."""


class GuardedH11(_Watched, H11Protocol):
    """h11's protocol with the deadlines and the cap; also answers a request target of raw
    non-ASCII bytes (which h11 lets through and uvicorn fails to decode)."""

    def handle_events(self) -> None:
        try:
            super().handle_events()
        except UnicodeDecodeError:
            self.send_400_response("non-ASCII request target")


_BASES: dict[str, type[_Watched]] = {"httptools": GuardedHttpTools, "h11": GuardedH11}


def protocol(http: str, guard: Guard) -> type[asyncio.Protocol]:
    """The protocol class uvicorn should use for ``http`` ("httptools" or "h11"), bound to
    one server's ``guard``."""
    base = _BASES[http]
    made: type[asyncio.Protocol] = type(base.__name__, (base,), {"guard": guard})
    return made
