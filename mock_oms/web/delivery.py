"""OMS replies that carry a fault or a recorded response: how they are shaped and sent.

``oms_api`` comes here only when a project's scenario has faults or a recording, or when
faults are injected (``Scenario.plain`` and ``Injections.armed`` say so); a plain poll
never does. :func:`shape_poll` and :func:`shape_error` decide status, body and a
:class:`Plan` for the wire; ``wire.send`` carries the plan out over ASGI.
How a plan goes on the wire is :mod:`mock_oms.web.wire`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from http import HTTPStatus
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol

from mock_oms.core import replay
from mock_oms.core.errors import InjectedError, MockOmsError
from mock_oms.core.kinds import Kind
from mock_oms.faults.malform import deviate, kept_bytes, without_commas
from mock_oms.faults.model import (
    Body,
    BusinessError,
    Close,
    Deviation,
    Hang,
    HttpStatus,
    NotJson,
    Reset,
    Truncate,
    WrongContentType,
)
from mock_oms.faults.rules import Choice
from mock_oms.oms import envelope
from mock_oms.web import writer

if TYPE_CHECKING:
    from mock_oms.core.engine import Snapshot
    from mock_oms.core.store import Project
    from mock_oms.web.runtime import Runtime

__all__ = [
    "JSON_TYPE",
    "STATUS_CODES",
    "Dialect",
    "Ending",
    "Plan",
    "Shaped",
    "shape_error",
    "shape_poll",
    "v3_dialect",
]

JSON_TYPE = envelope.JSON_CONTENT_TYPE

# The OMS-style code of the envelope a status fault sends.
STATUS_CODES = {
    408: "REQUEST_TIMEOUT",
    429: "TOO_MANY_REQUESTS",
    500: "INNER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class Ending(StrEnum):
    RESPOND = "respond"  # a complete response
    HANG = "hang"  # nothing, then a clean close
    CLOSE = "close"  # a clean close without a response
    RESET = "reset"  # a reset (RST) without a response
    TRUNCATE = "truncate"  # the headers and part of the body, then a clean close


@dataclass(frozen=True, slots=True)
class Plan:
    """How a reply goes on the wire."""

    delay: float = 0.0  # seconds before anything is sent
    ending: Ending = Ending.RESPOND
    hang: float = 0.0  # HANG: seconds of silence before the close
    keep: int = 0  # TRUNCATE: bytes of the body sent
    content_type: str = JSON_TYPE
    retry_after: str | None = None

    @property
    def answered(self) -> bool:
        """Whether a status line goes out (not a hang, close or reset)."""
        return self.ending is Ending.RESPOND or self.ending is Ending.TRUNCATE

    @property
    def whole(self) -> bool:
        """Whether the client gets the whole response (not a hang, close, reset or cut)."""
        return self.ending is Ending.RESPOND


@dataclass(frozen=True, slots=True)
class Shaped:
    """A reply's status and body, the fault label for the journal, and the wire plan."""

    status: int
    body: bytes
    fault: str | None
    plan: Plan


@dataclass(frozen=True, slots=True)
class _Base:
    """The reply before the fault: the engine's envelope or a recorded entry."""

    status: int
    body: bytes
    document: Any  # the parsed body when it is JSON, else None
    plan: Plan = Plan()
    fault: str | None = None


def _gateway_page(code: int) -> bytes:
    title = f"{code} {HTTPStatus(code).phrase}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _cost(began: float) -> str:
    return envelope.cost_text(perf_counter() - began)


class Dialect(Protocol):
    """How a reply is written: V3 (the default) or V4, which names and wraps the same
    story its own way. ``success`` is None when the reply is not built from a snapshot."""

    def success(self, snap: Snapshot, began: float) -> Any: ...

    def error(self, exc: MockOmsError, began: float) -> Any: ...

    def recorded(self, document: Any, snap: Snapshot, began: float) -> Any: ...

    def deviation(self, fault: Deviation) -> Deviation | None: ...


@dataclass(frozen=True)
class _V3:
    """The V3.3.0 progress endpoints' dialect."""

    runtime: Runtime
    kind: Kind = Kind.MIGRATION
    project: Project | None = None

    def success(self, snap: Snapshot, began: float) -> Any:
        assert self.project is not None  # a poll's dialect names its project
        flags = self.project.state.scenario.flags
        return envelope.success(
            envelope.data(self.kind, flags, snap), self.runtime.ids.next(), _cost(began)
        )

    def error(self, exc: MockOmsError, began: float) -> Any:
        return envelope.error(exc, self.runtime.ids.next(), _cost(began))

    def recorded(self, document: Any, snap: Snapshot, began: float) -> Any:
        return document

    def deviation(self, fault: Deviation) -> Deviation | None:
        return fault


def v3_dialect(
    runtime: Runtime, kind: Kind = Kind.MIGRATION, project: Project | None = None
) -> Dialect:
    """The V3 dialect of one reply."""
    return _V3(runtime, kind, project)


def _apply(
    base: _Base, choice: Choice | None, runtime: Runtime, began: float, dialect: Dialect
) -> Shaped:
    """``base`` with the chosen fault applied."""
    if choice is None:
        return Shaped(base.status, base.body, base.fault, base.plan)
    fault, label = choice.fault, choice.label
    # a recorded slow answer's delay and the fault's: together no longer than the bound
    delay = min(runtime.faults.max_delay, base.plan.delay + choice.delay)
    plan = Plan(delay=delay, content_type=base.plan.content_type)
    status, body = base.status, base.body
    match fault:
        case HttpStatus(code=code, retry_after=retry, body=style):
            status = code
            retry_after = None if retry is None else str(retry)
            if style is Body.HTML:
                body = _gateway_page(code)
                plan = Plan(plan.delay, content_type="text/html", retry_after=retry_after)
            elif style is Body.EMPTY:
                body = b""
                plan = Plan(plan.delay, retry_after=retry_after)
            else:
                error = InjectedError(STATUS_CODES[code], HTTPStatus(code).phrase, code)
                body = envelope.encode(dialect.error(error, began))
                plan = Plan(plan.delay, retry_after=retry_after)
        case BusinessError(code=code, message=message, advice=advice, status=http):
            error = InjectedError(code, message or f"{code} (injected)", http, advice=advice)
            body = envelope.encode(dialect.error(error, began))
            status = writer.error_status(error)
            plan = Plan(plan.delay)
        case Hang(seconds=seconds):
            plan = Plan(0.0, Ending.HANG, hang=seconds)
        case Close():
            plan = Plan(plan.delay, Ending.CLOSE)
        case Reset():
            plan = Plan(plan.delay, Ending.RESET)
        case Truncate():
            keep = kept_bytes(fault, len(body))
            plan = Plan(plan.delay, Ending.TRUNCATE, keep=keep, content_type=plan.content_type)
        case NotJson(text=text):
            body = text.encode() if text is not None else without_commas(body)
        case WrongContentType(content_type=content_type):
            plan = Plan(plan.delay, content_type=content_type)
        case Deviation():
            translated = dialect.deviation(fault)
            if base.document is not None and translated is not None:  # text has no fields
                body = envelope.encode(deviate(base.document, translated))
    return Shaped(status, body, label, plan)


def _recorded(recording: replay.Replay, index: int, max_delay: float) -> _Base:
    entry = recording.entries[index]
    source = recording.entries[entry.base] if entry.base is not None else entry
    if source.text is not None:
        body, document = source.text.encode(), None
    elif source.has_body:
        body, document = envelope.encode(source.document), source.document
    else:
        body, document = b"", None
    plan = Plan(
        delay=min(entry.delay, max_delay),
        content_type=entry.content_type or source.content_type or JSON_TYPE,
        retry_after=entry.retry_after,
    )
    # a recorded failure keeps its name in the journal (a recorded fault adds its own)
    fault = None
    if entry.fault is None:
        if entry.status != 200:
            fault = f"status:{entry.status}"
        elif entry.text is not None:
            fault = "not-json"
    return _Base(entry.status, body, document, plan, fault)


def _on_clock(runtime: Runtime, outcome: Shaped) -> Shaped:
    """``outcome`` without its delay when delays follow a manual clock (a hang stays)."""
    plan = outcome.plan
    if plan.delay and runtime.settings.delays_follow_clock and runtime.clock.speed == 0:
        return replace(outcome, plan=replace(plan, delay=0.0))
    return outcome


def shape_poll(
    runtime: Runtime,
    project: Project,
    snap: Snapshot,
    kind: Kind,
    began: float,
    dialect: Dialect | None = None,
) -> Shaped:
    """The reply to a poll of a project whose scenario has faults or a recording, or while
    faults are injected (in ``dialect``: V3 unless told)."""
    dialect = dialect or v3_dialect(runtime, kind, project)
    scenario = project.state.scenario
    recording = scenario.replay
    book = runtime.faults
    choice = book.choose(
        scenario.faults, project.id, project.polls, snap.phase, snap.elapsed, runtime.clock.now()
    )
    if recording is None:
        document = dialect.success(snap, began)
        base = _Base(200, envelope.encode(document), document)
    else:
        index = replay.entry_at(recording, project.polls, snap.elapsed)
        base = _recorded(recording, index, book.max_delay)
        if base.document is not None:
            document = dialect.recorded(
                base.document, replay.snapshot(recording, index, snap), began
            )
            if document is not base.document:
                base = _Base(
                    base.status, envelope.encode(document), document, base.plan, base.fault
                )
        entry = recording.entries[index]
        if choice is None and entry.fault is not None:
            choice = book.entry_choice(entry.fault, project.id, project.polls, f"entries.{index}")
    return _on_clock(runtime, _apply(base, choice, runtime, began, dialect))


def shape_error(
    runtime: Runtime, status: int, body: bytes, began: float, dialect: Dialect | None = None
) -> Shaped:
    """An error reply (unknown project, bad path) with the global fault, if one applies."""
    choice = runtime.faults.choose_global(runtime.clock.now())
    dialect = dialect or v3_dialect(runtime)
    base = _Base(status, body, None)
    return _on_clock(runtime, _apply(base, choice, runtime, began, dialect))
