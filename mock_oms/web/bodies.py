"""Request bodies read with a bound, before any route sees them.

FastAPI reads a JSON body whole, however large, before a route or a dependency runs: a
bound has to come first. :class:`BodyLimit` reads the body of every request that has one,
up to its route's limit, and hands it on in one piece; past the limit it answers 413 with
the envelope (and ``Connection: close``, so that the rest is never read). A route that
streams its body itself (a scenario upload, read inside its work slot) is only checked
against its declared ``Content-Length`` here, and bounds what it reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from mock_oms.core.errors import TooLarge
from mock_oms.web import writer

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

__all__ = [
    "DRAIN",
    "ASGIApp",
    "BodyLimit",
    "Limit",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "declared_length",
    "has_body",
]
# Bytes of an oversize body read and dropped before the 413, so that a client that sends
# its whole body before reading the answer gets the answer rather than a reset connection.
DRAIN = 4 * 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# the body limit of a request, and whether the route reads the body itself (streamed)
Limit = Callable[[Scope], tuple[int, bool]]


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` (None: none, or not a number)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def has_body(scope: Scope) -> bool:
    """Whether the request says it has a body (a length above 0, or chunks)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return bool(value != b"0")
        if name == b"transfer-encoding":
            return True
    return False


class BodyLimit:
    """ASGI middleware: bodies read whole up to their route's limit, 413 past it."""

    def __init__(self, app: ASGIApp, runtime: Runtime, limit: Limit) -> None:
        self.app = app
        self.runtime = runtime
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_body(scope):
            await self.app(scope, receive, send)
            return
        limit, streamed = self.limit(scope)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit, drain=True)
            return
        if streamed:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left: nobody to answer
            body += message.get("body", b"")
            if len(body) > limit:
                del body
                await self._refuse(
                    scope, receive, send, limit, drain=message.get("more_body", False)
                )
                return
            if not message.get("more_body", False):
                break
        whole = bytes(body)
        del body
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()  # a disconnect, when it comes
            given = True
            return {"type": "http.request", "body": whole, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, *, drain: bool
    ) -> None:
        """413; first, when more of the body is coming (``drain``), read and drop up to
        :data:`DRAIN` bytes of it."""
        dropped = 0
        while drain and dropped < DRAIN:
            message = await receive()
            if message["type"] != "http.request":
                return
            dropped += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        refusal = TooLarge(f"the body is larger than {limit} bytes, the most this route takes")
        status, body, head = writer.error_answer(refusal, self.runtime.ids.next(), control=True)
        await writer.write(send, status, body, head, method=scope["method"])
