"""Who may call what: a bearer token for the control API, HTTP Basic for the OMS endpoints.

``--control-token TOKEN`` guards every ``/_mock`` path except ``/_mock/health`` and the
dashboard's page and static files (``/_mock/ui``), which hold no data: the page asks for the
token and sends it on each control call it makes;
``--auth USER:PASSWORD`` guards the OMS endpoints (checked in ``oms_api``, so that refused
polls are journaled too). Credentials are compared in constant time, as SHA-256 digests so
that not even their length leaks. Refusals are 401 envelopes written by ``writer``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from mock_oms.core.errors import Unauthorized
from mock_oms.web import writer

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mock_oms.web.runtime import Runtime

__all__ = [
    "BASIC_CHALLENGE",
    "BEARER_CHALLENGE",
    "CONTROL_PREFIX",
    "OPEN_PATHS",
    "UI_ASSETS",
    "UI_PATH",
    "BasicAuth",
    "ControlGuard",
    "authorization",
    "install_control_guard",
    "oms_guard",
    "parse_credentials",
]

CONTROL_PREFIX = "/_mock"
UI_PATH = "/_mock/ui"
UI_ASSETS = ("ui.js", "ui.css")  # under UI_PATH, from web/assets/
OPEN_PATHS = frozenset({"/_mock/health", UI_PATH, *(f"{UI_PATH}/{name}" for name in UI_ASSETS)})
BASIC_CHALLENGE = 'Basic realm="mock-oms", charset="UTF-8"'
BEARER_CHALLENGE = 'Bearer realm="mock-oms"'


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def authorization(scope: Scope | dict[str, Any]) -> tuple[bytes, bytes] | None:
    """The scheme (lower case) and credentials of the request's Authorization header."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, credentials = bytes(value).strip().partition(b" ")
            return scheme.lower(), credentials.strip()
    return None


def parse_credentials(text: str) -> tuple[str, str]:
    """``USER:PASSWORD`` as a pair (the password may contain colons, the user may not)."""
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise ValueError("credentials must look like USER:PASSWORD, with a non-empty USER")
    return user, password


class BasicAuth:
    """Checks the HTTP Basic credentials of an OMS request."""

    def __init__(self, user: str, password: str) -> None:
        self._expected = _digest(f"{user}:{password}".encode())

    def problem(self, scope: Scope | dict[str, Any]) -> str | None:
        """Why the request is refused, or None when its credentials are right."""
        found = authorization(scope)
        if found is None:
            return "this server requires HTTP Basic credentials (Authorization: Basic ...)"
        scheme, credentials = found
        if scheme != b"basic":
            return "the Authorization header must use the Basic scheme"
        try:
            decoded = base64.b64decode(credentials, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if not hmac.compare_digest(_digest(decoded), self._expected):
            return "wrong user name or password"
        return None


def oms_guard(runtime: Runtime) -> BasicAuth | None:
    auth = runtime.settings.auth
    return None if auth is None else BasicAuth(*auth)


class ControlGuard:
    """ASGI middleware: ``/_mock`` calls need ``Authorization: Bearer TOKEN``."""

    def __init__(self, app: ASGIApp, runtime: Runtime, token: str) -> None:
        self.app = app
        self.runtime = runtime
        self._expected = _digest(token.encode())

    def problem(self, scope: Scope) -> str | None:
        if scope["type"] != "http":  # lifespan: not a call
            return None
        path: str = scope["path"]
        if path in OPEN_PATHS:
            return None
        if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
            return None
        found = authorization(scope)
        if found is None:
            return "the control API requires Authorization: Bearer <token>"
        scheme, credentials = found
        if scheme != b"bearer" or not hmac.compare_digest(_digest(credentials), self._expected):
            return "wrong control token"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = self.problem(scope)
        if reason is None:
            await self.app(scope, receive, send)
            return
        refusal = Unauthorized(reason, challenge=BEARER_CHALLENGE)
        status, body, head = writer.error_answer(refusal, self.runtime.ids.next())
        await writer.write(send, status, body, head, method=scope["method"])


def install_control_guard(app: FastAPI, runtime: Runtime) -> None:
    """Require the control token on ``app`` when the settings name one."""
    token = runtime.settings.control_token
    if token:
        app.add_middleware(ControlGuard, runtime=runtime, token=token)
