"""The one exception tree of mock-oms.

Every error a client can provoke is a :class:`MockOmsError` carrying the OMS error code,
the HTTP status to answer with, a message and an advice. ``envelope.error_body`` turns
one into a response body; nothing else builds error responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mock_oms.core.kinds import Api
from mock_oms.core.lifecycle import Action, Status

__all__ = [
    "MAX_EXCERPT",
    "MAX_LISTED_PROBLEMS",
    "MAX_MESSAGE",
    "BadRequest",
    "Busy",
    "Conflict",
    "ConnectionDropped",
    "DocPath",
    "DocProblems",
    "DocumentProblems",
    "HeadersTooLarge",
    "HttpError",
    "IllegalAction",
    "InjectedError",
    "InnerError",
    "LimitReached",
    "MethodNotAllowed",
    "MockOmsError",
    "NotFound",
    "ParamError",
    "Problem",
    "ProjectNotFound",
    "RequestTimeout",
    "ScenarioError",
    "TooLarge",
    "Unauthorized",
    "clip",
    "dotted",
    "excerpt",
    "oms_errors",
]

MAX_MESSAGE = 4000  # characters of an error message, whatever it quotes
MAX_EXCERPT = 80  # characters of a value quoted in a message
MAX_LISTED_PROBLEMS = 20  # problems an invalid scenario's message lists (the rest counted)
_BOTH = frozenset(Api)


def excerpt(value: object, limit: int = MAX_EXCERPT) -> str:
    """``value`` as a message quotes it: its ``repr``, cut to about ``limit`` characters
    with the length said. A long text is cut before ``repr`` sees it, so quoting costs
    nothing whatever the value's size; a container is named by its type and length."""
    if isinstance(value, str | bytes):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, dict | list | tuple | set):
        return f"a {type(value).__name__} of {len(value)} items"
    try:
        text = repr(value)
    except ValueError:  # an integer of more digits than Python converts
        return f"{type(value).__name__} of more digits than can be shown"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, its head and tail kept (the tail of a schema
    message says what was wrong with the value its head quotes)."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    cut = len(text) - limit
    return f"{text[: limit - tail]} ...({cut} characters cut)... {text[-tail:]}"


class MockOmsError(Exception):
    code: str = "INNER_ERROR"
    http_status: int = 500  # on the OMS endpoints
    control_status: int | None = None  # on the control API, when it differs
    advice: str = "This is a bug of mock-oms; please report it with the request that caused it."
    # The OMS APIs whose endpoints answer with this error, where the journal sees it: none
    # for the control API's own errors and for those the connection layer writes.
    apis: frozenset[Api] = frozenset()
    trigger: str = ""  # what a client does to be answered with it ("": nothing it does)

    def __init__(self, message: str, *, advice: str | None = None) -> None:
        message = clip(message)  # an answer never echoes a whole value back
        super().__init__(message)
        self.message = message
        if advice is not None:
            self.advice = clip(advice)


class InnerError(MockOmsError):
    """Something unexpected went wrong inside mock-oms."""

    apis = _BOTH


class ParamError(MockOmsError):
    """A request parameter is malformed: answered in band on the OMS endpoints, as OMS
    does; 400 on the control API, like any malformed control request."""

    code = "PARAM_ERROR"
    http_status = 200
    control_status = 400
    advice = "Check the request parameters against the API documentation."
    apis = _BOTH
    trigger = "a malformed project ID (V3: a path segment such as a%2Fb; V4: a body without id)"


class ProjectNotFound(MockOmsError):
    """In band (HTTP 200) on the OMS endpoints, as OMS answers; 404 on the control API."""

    code = "GHANA-PROJECT000001"
    http_status = 200
    control_status = 404
    advice = "Check the project ID; list the projects mock-oms serves with GET /_mock/projects."
    apis = _BOTH
    trigger = "a poll of a project ID that no scenario serves"

    def __init__(self, project_id: str, *, advice: str | None = None) -> None:
        super().__init__(f"project {excerpt(project_id)} does not exist", advice=advice)
        self.project_id = project_id


class IllegalAction(MockOmsError):
    """An operator action the lifecycle does not allow in the current status (in band)."""

    code = "GHANA-OPERAT000001"
    http_status = 200
    apis = frozenset({Api.V4})
    trigger = "an action the project's status does not allow (StopProject on a FINISHED project)"

    def __init__(
        self, project_id: str, action: Action, status: Status, legal: Sequence[Action]
    ) -> None:
        allowed = ", ".join(a.value for a in legal) or "none"
        super().__init__(
            f"cannot {action.value} project {excerpt(project_id)} in status {status.value}; "
            f"legal actions in {status.value}: {allowed}",
            advice=f"Use one of the legal actions ({allowed}) or wait for the status to change.",
        )
        self.status = status
        self.legal = tuple(legal)


class NotFound(MockOmsError):
    code = "NOT_FOUND"
    http_status = 404
    advice = "Check the path; the API is described at /openapi.json."
    apis = _BOTH
    trigger = "a path under /api/omsp/ or /api/v2/ that is no endpoint"


class MethodNotAllowed(MockOmsError):
    code = "METHOD_NOT_ALLOWED"
    http_status = 405
    advice = "Check the HTTP method; the API is described at /openapi.json."
    apis = _BOTH
    trigger = "a method the endpoint does not take (POST on V3, GET on V4)"

    def __init__(self, message: str, allowed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.allowed = tuple(allowed)


class BadRequest(MockOmsError):
    """A malformed request to the control API."""

    code = "PARAM_ERROR"
    http_status = 400
    advice = "Check the request body against /openapi.json."


class TooLarge(BadRequest):
    """A request body larger than its route takes (413; the connection is closed after
    the answer, so the rest of the body is never read)."""

    http_status = 413
    apis = frozenset({Api.V4})  # the V3 endpoints take no body
    trigger = "a V4 request body over 1 MiB"


class HeadersTooLarge(BadRequest):
    """A request line and headers longer than mock-oms reads (431, then the connection is
    closed). Written by the connection layer."""

    http_status = 431
    advice = "Send a shorter path and fewer headers."


class RequestTimeout(MockOmsError):
    """A request whose headers or body did not arrive in time (408, then the connection
    is closed). Written by the connection layer: no route ever saw the request."""

    code = "REQUEST_TIMEOUT"
    http_status = 408
    advice = "Send the whole request at once; mock-oms closes connections that stall."


class Busy(MockOmsError):
    """mock-oms is at a limit that frees itself (connections, a scenario being loaded):
    503 with ``Retry-After``."""

    code = "SERVICE_BUSY"
    http_status = 503
    advice = "Retry in a moment."

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LimitReached(MockOmsError):
    """A control call would hold more than the server allows (injected faults, uploaded
    scenarios): 409 until something is cleared."""

    code = "LIMIT_REACHED"
    http_status = 409
    advice = "Clear what is no longer needed, or raise the limit (see docs/reliability.md)."


class Conflict(MockOmsError):
    code = "CONFLICT"
    http_status = 409
    advice = "Use another project ID, or delete the existing project first."


class HttpError(MockOmsError):
    """Any other HTTP-level refusal, with the status the web stack chose."""

    code = "HTTP_ERROR"
    advice = "Check the request against the API description at /openapi.json."

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class Unauthorized(MockOmsError):
    code = "UNAUTHORIZED"
    http_status = 401
    advice = "Send the credentials mock-oms was started with."
    apis = _BOTH  # when the server requires credentials (--auth)
    trigger = "a request without the server's --auth credentials"

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge  # the WWW-Authenticate value of the answer


def oms_errors() -> list[type[MockOmsError]]:
    """Every error class the OMS endpoints may answer with (``apis`` not empty), in the
    order of this module."""
    found: list[type[MockOmsError]] = []
    pending: list[type[MockOmsError]] = [MockOmsError]
    while pending:
        cls = pending.pop(0)
        if cls.apis:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


DocPath = tuple[str | int, ...]  # where a value sits in a document: keys and list indexes
DocProblems = list[tuple[DocPath, str]]  # (where, why) pairs, collected before raising


def dotted(path: DocPath) -> str:
    """``timeline.2.status``; ``body`` for the document itself."""
    return ".".join(map(str, path)) or "body"


class DocumentProblems(ValueError):
    """Everything wrong with a document (a scenario, a fault, an injection), each problem
    with the path of the value it concerns. Not an answer by itself: the loader turns the
    paths into lines (:class:`ScenarioError`), the control API into a 400."""

    def __init__(self, problems: DocProblems) -> None:
        super().__init__("; ".join(f"{dotted(p)}: {r}" for p, r in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a scenario: where it is and why."""

    file: str
    line: int | None
    reason: str
    path: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class ScenarioError(MockOmsError):
    """One or more scenario files are invalid; nothing from them was loaded."""

    code = "SCENARIO_INVALID"
    http_status = 422
    advice = "Fix the scenario; `mock-oms validate FILE` reports every problem with its line."

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listed = [clip(str(p), 300) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        more = len(self.problems) - len(listed)
        if more > 0:
            listed.append(f"and {more} more problems (`mock-oms validate FILE` lists them all)")
        super().__init__("; ".join(listed) or "invalid scenario")


class InjectedError(MockOmsError):
    """The error a fault asks for: a status fault's envelope or an in-band business error."""

    advice = "This error was injected by a mock-oms fault."

    def __init__(
        self, code: str, message: str, http_status: int, *, advice: str | None = None
    ) -> None:
        super().__init__(message, advice=advice)
        self.code = code
        self.http_status = http_status


class ConnectionDropped(Exception):
    """Raised by the web layer to end a request without (the rest of) its response, when
    the server gives it no access to the connection: under uvicorn a close or reset fault
    acts on the socket instead. Deliberately outside :class:`MockOmsError`: nothing answers
    it. The in-process transport turns it into the httpx error a real socket would give."""

    def __init__(self, message: str, *, reset: bool = False) -> None:
        super().__init__(message)
        self.reset = reset
