"""A synchronous httpx transport that calls an ASGI app in process, with no socket.

httpx ships only an async ASGI transport; this one drives it on a private event loop in a
background thread, so synchronous clients (and tests) can talk to the app directly. What a
socket would do is kept where a client can tell: the client's read timeout holds (a slow
answer raises :class:`httpx.ReadTimeout`, and the app sees the request abandoned), and a
connection the app drops on purpose raises the httpx error a socket would give.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import httpx

from mock_oms.core.errors import ConnectionDropped

__all__ = ["InProcessTransport"]


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="mock-oms-in-process"
        )
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> tuple[httpx.Response, bytes]:
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            return response, body

        request.read()
        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        try:
            response, body = future.result(timeout=_read_timeout(request))
        except concurrent.futures.TimeoutError:
            future.cancel()  # as a client that gives up: the app stops waiting for it
            raise httpx.ReadTimeout("timed out", request=request) from None
        except ConnectionDropped as exc:  # a close or reset fault: what a socket would give
            error = httpx.ReadError if exc.reset else httpx.RemoteProtocolError
            raise error(str(exc), request=request) from None
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()


def _read_timeout(request: httpx.Request) -> float | None:
    """The client's read timeout for this request (None: wait as long as it takes).

    Over a socket it bounds each wait for bytes; here the answer comes whole, so it bounds
    the wait for the answer."""
    timeouts = request.extensions.get("timeout") or {}
    value = timeouts.get("read")
    return None if value is None else float(value)
