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
from time import perf_counter
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote_to_bytes

from mock_oms.core.errors import (
    InnerError,
    MethodNotAllowed,
    MockOmsError,
    NotFound,
    ParamError,
    Unauthorized,
)
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.store import check_project_id
from mock_oms.oms import envelope
from mock_oms.web import delivery, wire, writer
from mock_oms.web.access import BASIC_CHALLENGE, oms_guard

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

__all__ = [
    "ALLOWED",
    "CHECKED_IDS",
    "PREFIX",
    "ROUTES",
    "SUFFIX",
    "OmsApi",
    "Reply",
    "Scope",
    "decode_project_id",
    "log",
    "match",
]

log = logging.getLogger("mock_oms")

PREFIX = b"/api/omsp/"
ROUTES: tuple[tuple[bytes, Kind], ...] = (
    (b"/api/omsp/v2/migrations/", Kind.MIGRATION),
    (b"/api/omsp/v2/sync/", Kind.SYNC),
)
SUFFIX = b"/progress"
ALLOWED = ("GET", "HEAD")
_CONTENT_TYPE = (b"content-type", writer.JSON_TYPE)

Scope = dict[str, Any]


class Reply(NamedTuple):
    """What one OMS request is answered with (before any fault is applied)."""

    status: int
    body: bytes
    project_id: str | None = None
    fault: str | None = None  # the fault the response carries, recorded by the journal
    # how a faulty or replayed reply goes on the wire (None: plainly, the hot path)
    plan: delivery.Plan | None = None
    shown: Status | None = None  # the status a plain success showed (for the journal)
    head: writer.Headers | None = None  # the headers (None: a success's)
    level: Importance | None = None  # the alert level a plain success showed


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


CHECKED_IDS = 65_536  # project IDs remembered as well formed, so a poll skips decoding


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
        self._checked: dict[bytes, str] = {}  # raw project ID -> the well-formed ID
        # bound once: the runtime's parts are never replaced (it is frozen), and each
        # attribute hop costs on the hot path
        self._record = runtime.journal.record
        self._wall = runtime.wall_clock
        self._now = runtime.store.clock.now

    def project_id(self, raw_id: bytes) -> str:
        """The project ID of a path segment, or :class:`ParamError` when it is malformed."""
        checked = self._checked.get(raw_id)
        if checked is None:
            checked = check_project_id(decode_project_id(raw_id))
            if len(self._checked) >= CHECKED_IDS:
                self._checked.clear()
            self._checked[raw_id] = checked
        return checked

    def answer(self, method: str, raw_path: bytes, began: float | None = None) -> Reply:
        """The reply to one request (``began``: its perf_counter time); never raises."""
        runtime = self.runtime
        began = perf_counter() if began is None else began
        project_id: str | None = None
        try:
            found = match(raw_path)
            if found is None:
                raise NotFound(f"no OMS endpoint at {raw_path.decode('latin-1')[:200]!r}")
            if method not in ALLOWED:
                raise MethodNotAllowed(f"{method} is not allowed here; use GET", ALLOWED)
            kind, raw_id = found
            project_id = self.project_id(raw_id)
            project, snap = runtime.store.poll(project_id, kind)
            scenario = project.state.scenario
            if not scenario.plain or runtime.faults.injections.armed:
                shaped = delivery.shape_poll(runtime, project, snap, kind, began)
                return Reply(shaped.status, shaped.body, project_id, shaped.fault, shaped.plan)
            body = envelope.success_body(
                kind,
                scenario.flags,
                snap,
                runtime.ids.next(),
                envelope.cost_text(perf_counter() - began),
            )
            return Reply(200, body, project_id, shown=snap.status, level=snap.importance)
        except MockOmsError as exc:
            status, body, head = writer.error_answer(
                exc, runtime.ids.next(), envelope.cost_text(perf_counter() - began)
            )
            if runtime.faults.injections.armed:  # a global fault hits every OMS request
                shaped = delivery.shape_error(runtime, status, body, began)
                return Reply(shaped.status, shaped.body, project_id, shaped.fault, shaped.plan)
            return Reply(status, body, project_id, head=head)
        except Exception:
            log.exception("unexpected error answering %s %r", method, raw_path[:200])
            status, body, head = writer.error_answer(
                InnerError("unexpected error in mock-oms"), runtime.ids.next()
            )
            return Reply(status, body, project_id, head=head)

    def refuse(self, raw_path: bytes, reason: str) -> Reply:
        """The 401 reply to a request without the right credentials (its project noted)."""
        project_id = None
        found = match(raw_path)
        if found is not None:
            with suppress(ParamError):
                project_id = check_project_id(decode_project_id(found[1]))
        refusal = Unauthorized(reason, challenge=BASIC_CHALLENGE)
        status, body, head = writer.error_answer(refusal, self.runtime.ids.next())
        return Reply(status, body, project_id, head=head)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        began = perf_counter()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if b"?" in raw_path:
            raw_path = raw_path.split(b"?", 1)[0]
        refused = None if self.guard is None else self.guard.problem(scope)
        if refused is None:
            reply = self.answer(method, raw_path, began)
        else:
            reply = self.refuse(raw_path, refused)
        plan = reply.plan
        # journaled before the response goes out: a client that got its answer finds it there
        self._record(
            self._wall(),
            self._now(),
            method,
            raw_path,
            # None when no response went out at all: the client saw no status
            reply.status if plan is None or plan.answered else None,
            # a body the connection's end keeps from the client shows it nothing
            reply.body if plan is None or plan.whole else b"",
            reply.project_id,
            reply.fault,
            perf_counter() - began,
            reply.shown,
            None if plan is None else plan.retry_after,
            level=reply.level,
        )
        if plan is not None:  # a fault or a recorded answer: delivered its own way
            outcome = delivery.Shaped(reply.status, reply.body, reply.fault, plan)
            await wire.send(outcome, method, receive, send, ALLOWED)
            return
        body = reply.body
        head = reply.head
        if head is None:
            head = [_CONTENT_TYPE, (b"content-length", b"%d" % len(body))]
        await writer.write(send, reply.status, body, head, method=method)
