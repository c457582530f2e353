"""The one writer of responses: every answer of mock-oms, OMS or control, success or error,
whole or cut short, goes out through :func:`write`, and every error becomes its status,
body and headers in :func:`error_answer`.

The OMS endpoints call :func:`write` directly (plain ASGI, the hot path); the FastAPI side
returns :class:`Answer`, a Starlette response whose sending is :func:`write` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from mock_oms.core.errors import (
    Busy,
    HeadersTooLarge,
    MethodNotAllowed,
    MockOmsError,
    RequestTimeout,
    TooLarge,
    Unauthorized,
)
from mock_oms.oms import envelope

__all__ = [
    "JSON_TYPE",
    "Answer",
    "Headers",
    "Send",
    "error_answer",
    "error_headers",
    "error_status",
    "headers",
    "raw",
    "write",
]

JSON_TYPE = envelope.JSON_CONTENT_TYPE.encode()

Headers = list[tuple[bytes, bytes]]
Send = Any  # the ASGI send callable


def headers(
    length: int, content_type: bytes = JSON_TYPE, extra: Iterable[tuple[bytes, bytes]] = ()
) -> Headers:
    """The headers of a response of ``length`` body bytes."""
    return [(b"content-type", content_type), (b"content-length", b"%d" % length), *extra]


_CLOSE = (b"connection", b"close")


def error_headers(exc: MockOmsError) -> Headers:
    """What an error says besides its body: the methods a 405 allows, a 401's challenge,
    when to retry a 503; ``Connection: close`` when the rest of the request is not read
    (an oversize body, a request that stalled)."""
    if isinstance(exc, MethodNotAllowed) and exc.allowed:
        return [(b"allow", ", ".join(exc.allowed).encode())]
    if isinstance(exc, Unauthorized) and exc.challenge:
        return [(b"www-authenticate", exc.challenge.encode())]
    if isinstance(exc, Busy):
        return [(b"retry-after", b"%d" % exc.retry_after), _CLOSE]
    if isinstance(exc, TooLarge | HeadersTooLarge | RequestTimeout):
        return [_CLOSE]
    return []


def error_status(exc: MockOmsError, *, control: bool = False) -> int:
    """The HTTP status answering ``exc``: on the control API, plain HTTP statuses where the
    OMS endpoints answer in band."""
    return exc.control_status if control and exc.control_status else exc.http_status


def error_answer(
    exc: MockOmsError, request_id: str, cost: str = "0 ms", *, control: bool = False
) -> tuple[int, bytes, Headers]:
    """Status, body and headers of the response to ``exc``: the one place errors become
    responses."""
    body = envelope.encode(envelope.error(exc, request_id, cost))
    return error_status(exc, control=control), body, headers(len(body), extra=error_headers(exc))


async def write(
    send: Send,
    status: int,
    body: bytes,
    head: Headers,
    *,
    method: str = "GET",
    keep: int | None = None,
) -> None:
    """Send a response: ``head`` (from :func:`headers`), then the body (none for HEAD).
    ``keep``: send only that many bytes of the body and leave it unfinished (the caller
    then ends the connection: a truncated body)."""
    await send({"type": "http.response.start", "status": status, "headers": head})
    payload = b"" if method == "HEAD" else body
    if keep is not None:
        await send({"type": "http.response.body", "body": payload[:keep], "more_body": True})
        return
    await send({"type": "http.response.body", "body": payload})


def raw(status: int, body: bytes, head: Headers) -> bytes:
    """A whole HTTP/1.1 response as bytes, for the connection layer, which answers some
    requests before any ASGI request exists (a request that stalled, or that the HTTP
    parser refused): the same status, headers and body as :func:`write` would send."""
    try:
        phrase = HTTPStatus(status).phrase.encode()
    except ValueError:
        phrase = b""
    lines = [b"HTTP/1.1 %d %s" % (status, phrase), *(name + b": " + value for name, value in head)]
    if _CLOSE not in head:
        lines.append(b"connection: close")  # nothing more is read from the connection
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class Answer(Response):
    """A JSON response of the FastAPI side, sent by :func:`write`."""

    media_type = envelope.JSON_CONTENT_TYPE

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        return envelope.encode(content)

    async def __call__(self, scope: Any, receive: Any, send: Send) -> None:
        await write(
            send, self.status_code, bytes(self.body), list(self.raw_headers), method=scope["method"]
        )
