"""The OMS endpoints, served as plain ASGI on the hot path.

``GET /api/omsp/v2/migrations/{projectId}/progress`` and
``GET /api/omsp/v2/sync/{projectId}/progress``. These bypass FastAPI's per-request
machinery (routing, dependency injection, response models), which would cost more than
half of the throughput; the control API keeps FastAPI. The project ID is cut from the raw
path so that any text between the prefix and ``/progress`` (slashes, dots, percent
escapes) gets a PARAM_ERROR envelope rather than a 404.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from mock_oms import delivery, envelope
from mock_oms.access import BASIC_CHALLENGE, oms_guard
from mock_oms.errors import (
    InnerError,
    MethodNotAllowed,
    MockOmsError,
    NotFound,
    ParamError,
    Unauthorized,
)
from mock_oms.steps import Kind
from mock_oms.store import check_project_id

if TYPE_CHECKING:
    from mock_oms.app import Runtime

log = logging.getLogger("mock_oms")

PREFIX = b"/api/omsp/"
ROUTES: tuple[tuple[bytes, Kind], ...] = (
    (b"/api/omsp/v2/migrations/", Kind.MIGRATION),
    (b"/api/omsp/v2/sync/", Kind.SYNC),
)
SUFFIX = b"/progress"
ALLOWED = ("GET", "HEAD")

Scope = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """What one OMS request is answered with (before any fault is applied)."""

    status: int
    body: bytes
    project_id: str | None = None
    fault: str | None = None  # the fault the response carries, recorded by the journal
    # how a faulty or replayed reply goes on the wire (None: plainly, the hot path)
    plan: delivery.Plan | None = None


def match(raw_path: bytes) -> tuple[Kind, bytes] | None:
    """The endpoint kind and the still-encoded project ID of an OMS progress path."""
    for prefix, kind in ROUTES:
        if (
            raw_path.startswith(prefix)
            and raw_path.endswith(SUFFIX)
            and len(raw_path) >= len(prefix) + len(SUFFIX)
        ):
            return kind, raw_path[len(prefix) : len(raw_path) - len(SUFFIX)]
    return None


def decode_project_id(raw: bytes) -> str:
    if len(raw) > 3 * 1024:
        raise ParamError("projectId is far too long")
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise ParamError("projectId is not valid UTF-8") from None


class OmsApi:
    """The ASGI app behind ``/api/omsp/``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.guard = oms_guard(runtime)  # None unless the server requires credentials

    def answer(self, method: str, raw_path: bytes) -> Reply:
        """The reply to one request; never raises."""
        runtime = self.runtime
        began = perf_counter()
        project_id: str | None = None
        try:
            found = match(raw_path)
            if found is None:
                raise NotFound(f"no OMS endpoint at {raw_path.decode('latin-1')[:200]!r}")
            if method not in ALLOWED:
                raise MethodNotAllowed(f"{method} is not allowed here; use GET", ALLOWED)
            kind, raw_id = found
            project_id = check_project_id(decode_project_id(raw_id))
            project, snap = runtime.store.poll(project_id, kind)
            scenario = project.state.scenario
            if not scenario.plain or runtime.faults.armed:
                shaped = delivery.shape_poll(runtime, project, snap, kind, began)
                return Reply(shaped.status, shaped.body, project_id, shaped.fault, shaped.plan)
            document = envelope.success(
                envelope.data(kind, scenario.flags, snap),
                runtime.ids.next(),
                envelope.cost_text(perf_counter() - began),
            )
            return Reply(200, envelope.encode(document), project_id)
        except MockOmsError as exc:
            status, body = envelope.error_body(
                exc, runtime.ids.next(), envelope.cost_text(perf_counter() - began)
            )
            if runtime.faults.armed:  # a global fault hits every OMS request
                shaped = delivery.shape_error(runtime, status, body, began)
                return Reply(shaped.status, shaped.body, project_id, shaped.fault, shaped.plan)
            return Reply(status, body, project_id)
        except Exception:
            log.exception("unexpected error answering %s %r", method, raw_path[:200])
            status, body = envelope.error_body(
                InnerError("unexpected error in mock-oms"), runtime.ids.next()
            )
            return Reply(status, body, project_id)

    def refuse(self, raw_path: bytes, reason: str) -> Reply:
        """The 401 reply to a request without the right credentials (its project noted)."""
        project_id = None
        found = match(raw_path)
        if found is not None:
            with suppress(ParamError):
                project_id = check_project_id(decode_project_id(found[1]))
        status, body = envelope.error_body(Unauthorized(reason), self.runtime.ids.next())
        return Reply(status, body, project_id)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        began = perf_counter()
        runtime = self.runtime
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw_path = raw_path.split(b"?", 1)[0]
        refused = None if self.guard is None else self.guard.problem(scope)
        reply = self.answer(method, raw_path) if refused is None else self.refuse(raw_path, refused)
        # journaled before the response goes out: a client that got its answer finds it there
        runtime.journal.record(
            runtime.wall_clock(),
            runtime.clock.now(),
            method,
            raw_path,
            reply.status,
            reply.body,
            reply.project_id,
            reply.fault,
            perf_counter() - began,
        )
        if reply.plan is not None:  # a fault or a recorded answer: delivered its own way
            outcome = delivery.Outcome(reply.status, reply.body, reply.fault, reply.plan)
            await delivery.send(outcome, method, receive, send, ALLOWED)
            return
        headers = [
            (b"content-type", envelope.JSON_CONTENT_TYPE.encode()),
            (b"content-length", str(len(reply.body)).encode()),
        ]
        if reply.status == 405:
            headers.append((b"allow", ", ".join(ALLOWED).encode()))
        if reply.status == 401:
            headers.append((b"www-authenticate", BASIC_CHALLENGE))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else reply.body})
