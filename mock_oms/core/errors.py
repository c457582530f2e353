"""The one exception tree of mock-oms.

Every error a client can provoke is a :class:`MockOmsError` carrying the OMS error code,
the HTTP status to answer with, a message and an advice. ``envelope.error_body`` turns
one into a response body; nothing else builds error responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mock_oms.core.lifecycle import Action, Status

__all__ = [
    "BadRequest",
    "Conflict",
    "ConnectionDropped",
    "DocPath",
    "DocProblems",
    "DocumentProblems",
    "HttpError",
    "IllegalAction",
    "InjectedError",
    "InnerError",
    "MethodNotAllowed",
    "MockOmsError",
    "NotFound",
    "ParamError",
    "Problem",
    "ProjectNotFound",
    "ScenarioError",
    "TooLarge",
    "Unauthorized",
    "dotted",
]


class MockOmsError(Exception):
    code: str = "INNER_ERROR"
    http_status: int = 500  # on the OMS endpoints
    control_status: int | None = None  # on the control API, when it differs
    advice: str = "This is a bug of mock-oms; please report it with the request that caused it."

    def __init__(self, message: str, *, advice: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if advice is not None:
            self.advice = advice


class InnerError(MockOmsError):
    """Something unexpected went wrong inside mock-oms."""


class ParamError(MockOmsError):
    """A request parameter is malformed: answered in band on the OMS endpoints, as OMS
    does; 400 on the control API, like any malformed control request."""

    code = "PARAM_ERROR"
    http_status = 200
    control_status = 400
    advice = "Check the request parameters against the API documentation."


class ProjectNotFound(MockOmsError):
    """In band (HTTP 200) on the OMS endpoints, as OMS answers; 404 on the control API."""

    code = "GHANA-PROJECT000001"
    http_status = 200
    control_status = 404
    advice = "Check the project ID; list the projects mock-oms serves with GET /_mock/projects."

    def __init__(self, project_id: str, *, advice: str | None = None) -> None:
        super().__init__(f"project {project_id!r} does not exist", advice=advice)
        self.project_id = project_id


class IllegalAction(MockOmsError):
    """An operator action the lifecycle does not allow in the current status (in band)."""

    code = "GHANA-OPERAT000001"
    http_status = 200

    def __init__(
        self, project_id: str, action: Action, status: Status, legal: Sequence[Action]
    ) -> None:
        allowed = ", ".join(a.value for a in legal) or "none"
        super().__init__(
            f"cannot {action.value} project {project_id!r} in status {status.value}; "
            f"legal actions in {status.value}: {allowed}",
            advice=f"Use one of the legal actions ({allowed}) or wait for the status to change.",
        )
        self.status = status
        self.legal = tuple(legal)


class NotFound(MockOmsError):
    code = "NOT_FOUND"
    http_status = 404
    advice = "Check the path; the API is described at /openapi.json."


class MethodNotAllowed(MockOmsError):
    code = "METHOD_NOT_ALLOWED"
    http_status = 405
    advice = "Check the HTTP method; the API is described at /openapi.json."

    def __init__(self, message: str, allowed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.allowed = tuple(allowed)


class BadRequest(MockOmsError):
    """A malformed request to the control API."""

    code = "PARAM_ERROR"
    http_status = 400
    advice = "Check the request body against /openapi.json."


class TooLarge(BadRequest):
    """A control request body larger than a scenario file may be."""

    http_status = 413


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

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge  # the WWW-Authenticate value of the answer


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
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid scenario")


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
