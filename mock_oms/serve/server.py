"""Running the app under uvicorn on a socket bound first, so that a port in use is a clear
error and port 0 reports the port it got; with the connection limits of
:mod:`~mock_oms.serve.connections` and a bounded shutdown."""

from __future__ import annotations

import errno
import logging
import resource
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from importlib.util import find_spec
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from mock_oms.config import Settings
from mock_oms.core.errors import MockOmsError
from mock_oms.core.library import Library
from mock_oms.oms.envelope import RequestIds
from mock_oms.serve.activity import ActivityLog
from mock_oms.serve.connections import MAX_HEAD, Guard, Limits, protocol
from mock_oms.web import writer
from mock_oms.web.app import MockOms, create_app

__all__ = [
    "SPARE_DESCRIPTORS",
    "CannotBind",
    "PortInUse",
    "bind",
    "connection_room",
    "log",
    "serve",
    "uvicorn_config",
]

log = logging.getLogger("mock_oms")
SPARE_DESCRIPTORS = 64  # file descriptors kept free of connections: the log, scenario files


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
    ids: RequestIds | None = None,
) -> uvicorn.Config:
    """``log_config=None`` leaves the process's logging alone (for a server in a test);
    ``http`` picks uvicorn's HTTP implementation (default: httptools when installed);
    ``ids``: the request IDs of the envelopes the connection layer answers with (the
    app's). The connection limits are the settings' (docs/reliability.md)."""
    ids = ids or RequestIds(settings.seed)

    def refusal(error: MockOmsError) -> bytes:
        return writer.raw(*writer.error_answer(error, ids.next()))

    limits = Limits(settings.header_timeout, settings.body_timeout, settings.max_connections)
    implementation = http or ("httptools" if find_spec("httptools") else "h11")
    return uvicorn.Config(
        app,
        log_config=log_config,
        loop="uvloop" if find_spec("uvloop") else "asyncio",
        http=protocol(implementation, Guard(limits, refusal)),
        lifespan="off",
        access_log=settings.access_log,
        log_level=log_level or settings.log_level,
        server_header=False,
        date_header=False,
        timeout_keep_alive=settings.keep_alive_timeout,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        h11_max_incomplete_event_size=MAX_HEAD,
    )


def connection_room(wanted: int) -> int:
    """How many connections the process can hold open, up to ``wanted``: its descriptor
    limit is raised toward what that needs when the hard limit allows, and what is still
    missing is taken from the cap (so that a connection too many is refused with a 503,
    not by a failing ``accept``)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - SPARE_DESCRIPTORS))


def serve(
    settings: Settings,
    *,
    library: Library | None = None,
    on_ready: Callable[[MockOms, str], None] | None = None,
) -> None:
    """Serve until interrupted. ``on_ready`` gets the app and base URL once bound."""
    room = connection_room(settings.max_connections)
    if room < settings.max_connections:
        log.warning(
            "--max-connections %d lowered to %d: the process may open only %d files (ulimit -n)",
            settings.max_connections,
            room,
            room + SPARE_DESCRIPTORS,
        )
        settings = replace(settings, max_connections=room)
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
        config = uvicorn_config(app, settings, ids=app.runtime.ids)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if activity is not None:
            activity.stop()


def _to_stderr(text: str) -> None:
    """Lines to standard error in uvicorn's log style, a batch in one write."""
    sys.stderr.write("".join(f"INFO:     mock-oms {line}\n" for line in text.splitlines()))
    sys.stderr.flush()
