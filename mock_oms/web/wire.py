"""A shaped reply on the wire: delays, hangs, truncated bodies and connections ended on
purpose.

Ending a connection on purpose. Under uvicorn the ASGI ``send`` callable is a bound method
of the request's ``RequestResponseCycle`` (``httptools_impl`` and ``h11_impl`` alike),
whose ``transport`` is the asyncio transport of the connection: ``close()`` ends it
cleanly without a response (the client sees the server disconnect), ``abort()`` after
``SO_LINGER`` 0 resets it (the client sees ECONNRESET). We then wait for uvicorn to notice
the disconnect, so that it does not log an unfinished response. Any other server (or the
in-process transport) gets :class:`~mock_oms.core.errors.ConnectionDropped` raised instead:
``transport.InProcessTransport`` maps it to the httpx error a socket would give, other
servers typically close the connection (or answer 500 when nothing was sent yet).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from mock_oms.core.errors import ConnectionDropped
from mock_oms.web import writer
from mock_oms.web.delivery import Ending, Shaped

__all__ = ["DISCONNECT_WAIT", "drop", "send"]

DISCONNECT_WAIT = 1.0  # seconds we give uvicorn to notice a connection we ended


async def _client_left(receive: Any, seconds: float) -> bool:
    """Wait ``seconds``; True as soon as the client disconnects (we stop waiting then)."""
    if seconds <= 0:
        return False

    async def disconnected() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            if not message.get("more_body", False):
                break
        # the request is read: the next message can only be the disconnect
        if (await receive())["type"] != "http.disconnect":
            await asyncio.Event().wait()

    try:
        async with asyncio.timeout(seconds):
            await disconnected()
    except TimeoutError:
        return False
    return True


async def drop(send: Any, *, reset: bool = False, sent: int | None = None) -> None:
    """End the connection without (the rest of) a response: cleanly, or with a reset.

    ``sent``: the body bytes already sent, when the headers went out (for the message of
    :class:`ConnectionDropped`, worded as httpx words what a socket tells it).
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if not (hasattr(transport, "abort") and hasattr(transport, "get_extra_info")):
        if reset:
            raise ConnectionDropped("[Errno 104] Connection reset by peer", reset=True)
        if sent is not None:
            raise ConnectionDropped(
                f"peer closed connection without sending complete message body "
                f"(received {sent} bytes)"
            )
        raise ConnectionDropped("Server disconnected without sending a response.")
    assert transport is not None
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST instead of FIN
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DISCONNECT_WAIT
    while not getattr(cycle, "disconnected", True) and loop.time() < deadline:
        await asyncio.sleep(0.001)


async def send(
    outcome: Shaped, method: str, receive: Any, send_: Any, allow: tuple[str, ...] = ()
) -> None:
    """Carry out ``outcome`` over ASGI."""
    plan = outcome.plan
    if plan.delay > 0 and await _client_left(receive, plan.delay):
        return
    ending = plan.ending
    if ending is Ending.HANG:
        await _client_left(receive, plan.hang)
        await drop(send_)
        return
    if ending in (Ending.CLOSE, Ending.RESET):
        await drop(send_, reset=ending is Ending.RESET)
        return
    extra = []
    if plan.retry_after is not None:
        extra.append((b"retry-after", plan.retry_after.encode("latin-1")))
    if outcome.status == 405 and allow:
        extra.append((b"allow", ", ".join(allow).encode()))
    head = writer.headers(len(outcome.body), plan.content_type.encode("latin-1"), extra)
    if ending is Ending.TRUNCATE:
        await writer.write(send_, outcome.status, outcome.body, head, method=method, keep=plan.keep)
        await drop(send_, sent=len(outcome.body[: plan.keep]) if method != "HEAD" else 0)
        return
    await writer.write(send_, outcome.status, outcome.body, head, method=method)
