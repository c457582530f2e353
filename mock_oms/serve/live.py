"""A mock-oms server on a socket, served by uvicorn in a background thread of this process.

For tests and the pytest plugin: ``with LiveServer(settings) as server: server.base_url``.
The socket is bound before the thread starts (port 0 picks a free port), the process's
logging configuration is left alone, and :meth:`LiveServer.stop` always joins the thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from mock_oms.config import Settings
from mock_oms.core.library import Library
from mock_oms.serve.server import bind, uvicorn_config
from mock_oms.web.app import MockOms, create_app

__all__ = ["START_TIMEOUT", "STOP_TIMEOUT", "LiveServer"]

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class LiveServer:
    def __init__(
        self,
        settings: Settings,
        *,
        library: Library | None = None,
        http: str | None = None,
        middleware: Callable[[MockOms], Any] | None = None,
    ) -> None:
        """``middleware`` wraps the app in another ASGI app, which is what is served."""
        self.settings = settings
        self.app: MockOms = create_app(settings, library=library)
        self.served: Any = middleware(self.app) if middleware else self.app
        self._sock = bind(settings.host, settings.port)
        host, port = self._sock.getsockname()[:2]
        self.host: str = host
        self.port: int = port
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{port}"
        self._server = uvicorn.Server(
            uvicorn_config(
                self.served, settings, log_config=None, http=http, ids=self.app.runtime.ids
            )
        )
        self._thread = threading.Thread(
            target=self._run, name=f"mock-oms {self.base_url}", daemon=True
        )
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # reported by start()
            self._error = exc

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._server.started

    def start(self, timeout: float = START_TIMEOUT) -> LiveServer:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._sock.close()
                raise RuntimeError(f"mock-oms did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"mock-oms did not start within {timeout} s")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop serving and join the thread (idempotent)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():  # connections that would not close
                self._server.force_exit = True
                self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
