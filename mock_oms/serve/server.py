"""Running the app under uvicorn on a socket bound first, so that a port in use is a clear
error and port 0 reports the port it got."""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from mock_oms.config import Settings
from mock_oms.core.library import Library
from mock_oms.serve.activity import ActivityLog
from mock_oms.web.app import MockOms, create_app

__all__ = ["CannotBind", "PortInUse", "bind", "serve", "uvicorn_config"]


class CannotBind(OSError):
    """The server cannot listen where it was told; ``strerror`` says why in one line."""


class PortInUse(CannotBind):
    pass


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``; :class:`CannotBind` (one line) when the port
    is taken, the host unknown, or not an address of this machine."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a valid name"
        raise CannotBind(
            errno.EADDRNOTAVAIL, f"--host {host!r} is not a known host name or address ({reason})"
        ) from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                exc.errno,
                f"{host}:{port} is in use; choose another --port (or stop what listens there)",
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise CannotBind(
                exc.errno,
                f"--host {host!r} is not an address of this machine; use 127.0.0.1 (this "
                "machine only) or 0.0.0.0 (every interface)",
            ) from None
        raise CannotBind(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(
    app: Any,
    settings: Settings,
    log_level: str | None = None,
    *,
    log_config: dict[str, Any] | None = LOGGING_CONFIG,
    http: str | None = None,
) -> uvicorn.Config:
    """``log_config=None`` leaves the process's logging alone (for a server in a test);
    ``http`` picks uvicorn's HTTP implementation (default: httptools when installed)."""
    return uvicorn.Config(
        app,
        log_config=log_config,
        loop="uvloop" if find_spec("uvloop") else "asyncio",
        http=http or ("httptools" if find_spec("httptools") else "h11"),
        lifespan="off",
        access_log=settings.access_log,
        log_level=log_level or settings.log_level,
        server_header=False,
        date_header=False,
    )


def serve(
    settings: Settings,
    *,
    library: Library | None = None,
    on_ready: Callable[[MockOms, str], None] | None = None,
) -> None:
    """Serve until interrupted. ``on_ready`` gets the app and base URL once bound."""
    app = create_app(settings, library=library)
    sock = bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if on_ready is not None:
        on_ready(app, f"http://{shown}:{port}")
    activity = None
    if settings.log_requests or settings.log_summary:
        activity = ActivityLog(
            app.runtime.journal,
            interval=settings.log_summary or float("inf"),
            requests=settings.log_requests,
            sink=_to_stderr,
        ).start()
    try:
        uvicorn.Server(uvicorn_config(app, settings)).run(sockets=[sock])
    finally:
        if activity is not None:
            activity.stop()


def _to_stderr(text: str) -> None:
    """Lines to standard error in uvicorn's log style, a batch in one write."""
    sys.stderr.write("".join(f"INFO:     mock-oms {line}\n" for line in text.splitlines()))
    sys.stderr.flush()
