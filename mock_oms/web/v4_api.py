"""The OMS V4 API, ``POST /api/v2?Action=NAME``, served as plain ASGI on the hot path.

Like the V3 endpoints (``oms_api``): no FastAPI per request, the same HTTP Basic
credentials (``--auth``), the same journal (the path recorded with its ``Action``), faults
and recordings (on the reads), and every response written by ``writer``. Business errors
come in band (HTTP 200) in the V4 error form; only a refused method (405), missing
credentials (401), a path that is no endpoint (404), a body too large (413) and a bug
(500) change the HTTP status. ``/api/v2/`` (a trailing slash) is the same endpoint.
"""

from __future__ import annotations

import json
import logging
from time import perf_counter
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from mock_oms.core.errors import (
    InnerError,
    MethodNotAllowed,
    MockOmsError,
    NotFound,
    ParamError,
    TooLarge,
    Unauthorized,
)
from mock_oms.core.kinds import Api
from mock_oms.core.store import PROJECT_ID
from mock_oms.oms import envelope, v4
from mock_oms.web import delivery, wire, writer
from mock_oms.web.access import BASIC_CHALLENGE, oms_guard
from mock_oms.web.v4_actions import ACTIONS, Done, ReadDialect, progress_id, progress_of

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

__all__ = [
    "ALLOWED",
    "MAX_BODY",
    "PATH",
    "PREFIX",
    "PROGRESS",
    "REMEMBERED",
    "V4Api",
    "error_done",
    "in_band",
    "log",
]

log = logging.getLogger("mock_oms")

PATH = "/api/v2"
PREFIX = "/api/v2/"  # anything below it is no endpoint (404)
ALLOWED = ("POST",)
MAX_BODY = 1024 * 1024  # bytes: no V4 request body is anywhere near this
PROGRESS = "DescribeProjectProgress"
# Query strings and progress bodies remembered (with what they say), so that a client
# polling the same project again skips parsing: the same bytes, the same answer.
REMEMBERED = 65_536
_RAW_PATH = PATH.encode()
_CONTENT_TYPE = (b"content-type", writer.JSON_TYPE)
_HTTP_STATUSES = frozenset({401, 404, 405, 413, 500})
_PATHS = frozenset({PATH, PREFIX})  # a trailing slash is the same endpoint
_QUERY_KEPT = 200  # bytes of the query the journal keeps
_V4 = Api.V4  # a module global: an enumeration's class attribute is slow to read


def in_band(exc: MockOmsError) -> int:
    """The HTTP status of a V4 error: 200 (in band) for every business error."""
    return exc.http_status if exc.http_status in _HTTP_STATUSES else 200


def error_done(runtime: Runtime, exc: MockOmsError, project_id: str | None = None) -> Done:
    body = envelope.encode(v4.error(exc, runtime.ids.next()))
    return Done(in_band(exc), body, project_id)


def _action(query: bytes) -> str:
    if query.startswith(b"Action=") and b"&" not in query:  # what every client sends
        raw = query[7:]
        if raw.isalpha():
            return raw.decode("ascii")
    try:
        text = query.decode("utf-8")
    except UnicodeDecodeError:
        raise ParamError("the query string is not valid UTF-8") from None
    values = [v for k, v in parse_qsl(text, keep_blank_values=True) if k == "Action"]
    if not values or not values[0]:
        raise ParamError(
            "the Action query parameter is missing: POST /api/v2?Action=NAME",
            advice=f"Supported actions: {', '.join(ACTIONS)}.",
        )
    return values[0]


def _document(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise ParamError("the request body is not JSON") from None
    if not isinstance(document, dict):
        raise ParamError("the request body must be a JSON object")
    return document


def _named(document: dict[str, Any]) -> str | None:
    """The project a refused request named, when it names one well formed (the journal
    files the refusal under it)."""
    value = document.get("id", document.get("projectId"))
    if isinstance(value, str) and PROJECT_ID.fullmatch(value):
        return value
    return None


class V4Api:
    """The ASGI app behind ``/api/v2``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.guard = oms_guard(runtime)  # None unless the server requires credentials
        self._actions: dict[bytes, str] = {}  # query string -> the action it names
        self._polls: dict[bytes, str] = {}  # progress body -> the project it names
        self._paths: dict[bytes, bytes] = {}  # query string -> the path the journal keeps

    def _action(self, query: bytes) -> str:
        name = self._actions.get(query)
        if name is None:
            name = _action(query)
            if len(self._actions) >= REMEMBERED:
                self._actions.clear()
            self._actions[query] = name
        return name

    def _progress(self, body: bytes, began: float) -> Done:
        project_id = self._polls.get(body)
        if project_id is None:
            project_id = progress_id(_document(body))
            if len(self._polls) >= REMEMBERED:
                self._polls.clear()
            self._polls[body] = project_id
        return progress_of(self.runtime, project_id, began)

    def answer(self, method: str, path: str, query: bytes, body: bytes, began: float) -> Done:
        """The reply to one request; never raises."""
        runtime = self.runtime
        document: dict[str, Any] = {}
        try:
            if path not in _PATHS:
                raise NotFound(f"no OMS endpoint at {path[:200]!r}; the V4 API is POST {PATH}")
            if method not in ALLOWED:
                raise MethodNotAllowed(f"{method} is not allowed here; use POST", ALLOWED)
            name = self._action(query)
            if name == PROGRESS:  # the poll every client sends, again and again
                return self._progress(body, began)
            handler = ACTIONS.get(name)
            if handler is None:
                raise ParamError(
                    f"mock-oms does not support the action {name[:100]!r}; it supports "
                    f"{', '.join(ACTIONS)}",
                    advice="Check the Action query parameter (names are case-sensitive).",
                )
            document = _document(body)
            return handler(runtime, document, began)
        except MockOmsError as exc:
            done = error_done(runtime, exc, _named(document))
            if runtime.faults.injections.armed:  # a global fault hits every OMS request
                dialect = ReadDialect(runtime, lambda _: None)
                shaped = delivery.shape_error(runtime, done.status, done.body, began, dialect)
                return Done(shaped.status, shaped.body, None, shaped.fault, shaped.plan)
            return done
        except Exception:
            log.exception("unexpected error answering %s %s?%r", method, path, query[:200])
            return error_done(runtime, InnerError("unexpected error in mock-oms"))

    async def _body(self, receive: Any, message: dict[str, Any]) -> bytes | None:
        """The request body from ``message`` on, or None when it is larger than
        :data:`MAX_BODY`."""
        chunks: list[bytes] = []
        size = 0
        while True:
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
            message = await receive()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        began = perf_counter()
        runtime = self.runtime
        method: str = scope["method"]
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        refused = None if self.guard is None else self.guard.problem(scope)
        body: bytes | None = b""
        if method == "POST" and refused is None:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body = message.get("body", b"")  # the whole body at once, nearly always
                if len(body) > MAX_BODY:
                    body = None
            else:
                body = await self._body(receive, message)
        if refused is not None:
            refusal = Unauthorized(refused, challenge=BASIC_CHALLENGE)
            done = error_done(runtime, refusal)
        elif body is None:
            done = error_done(runtime, TooLarge(f"the request body is over {MAX_BODY} bytes"))
        else:
            done = self.answer(method, path, query, body, began)
        plan = done.plan
        if path in _PATHS:
            raw_path = self._paths.get(query)
            if raw_path is None:
                raw_path = _RAW_PATH + b"?" + query[:_QUERY_KEPT] if query else _RAW_PATH
                if len(self._paths) < REMEMBERED:
                    self._paths[query] = raw_path
        else:
            raw_path = path.encode("utf-8", "replace")[:_QUERY_KEPT]
        runtime.journal.record(
            runtime.wall_clock(),
            runtime.clock.now(),
            method,
            raw_path,
            done.status,
            done.body if plan is None or plan.whole else b"",
            done.project_id,
            done.fault,
            perf_counter() - began,
            done.shown,
            poll=done.poll,
            level=done.level,
            steps=done.steps,
            api=_V4,
        )
        if plan is not None:  # a fault or a recorded answer: delivered its own way
            outcome = delivery.Shaped(done.status, done.body, done.fault, plan)
            await wire.send(outcome, method, receive, send, ALLOWED)
            return
        head = [_CONTENT_TYPE, (b"content-length", b"%d" % len(done.body))]
        if done.status == 405:
            head.append((b"allow", ", ".join(ALLOWED).encode()))
        elif done.status == 401:
            head.append((b"www-authenticate", BASIC_CHALLENGE.encode()))
        await writer.write(send, done.status, done.body, head, method=method)
