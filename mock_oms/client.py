"""A typed Python client for a mock-oms server: the OMS endpoints and the control API.

Works over HTTP (``ControlClient("http://127.0.0.1:8089")``) or in process, without a socket
(``ControlClient.in_process(app)``). Control calls return the pydantic models of
:mod:`mock_oms.web.control.models` (which also read like the JSON: ``clock["unixNow"]``).
Errors answered by the server raise :class:`ControlError` carrying the envelope, except the
OMS progress call and actions, whose in-band errors are data and come back as the envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self, TypeVar, overload

import httpx
from pydantic import BaseModel, TypeAdapter

from mock_oms.core.kinds import Kind, progress_path
from mock_oms.web.control.models import (
    ActionEnvelope,
    ClockState,
    CoverageOut,
    FaultOut,
    FaultsOut,
    Health,
    IndexOut,
    MarkOut,
    PollsOut,
    ProjectOut,
    ProjectSummary,
    RequestsOut,
    ResetOut,
    ScenarioSummary,
    TimelineOut,
)

JSON = dict[str, Any]
DEFAULT_TIMEOUT = 10.0  # seconds: every call's timeout, unless told otherwise
PROJECTS_PAGE = 1000  # projects asked for a page at a time (the server's most)
IN_PROCESS_URL = "http://mock-oms"  # the base URL of an app reached without a socket

__all__ = [
    "DEFAULT_TIMEOUT",
    "IN_PROCESS_URL",
    "JSON",
    "PROJECTS_PAGE",
    "BaseClient",
    "ControlClient",
    "ControlError",
    "NotJson",
    "progress_path",
]

_M = TypeVar("_M", bound=BaseModel)


class ControlError(Exception):
    """The server refused a control call; ``envelope`` is its error body."""

    def __init__(self, status: int, envelope: JSON) -> None:
        self.status = status
        self.envelope = envelope
        self.code = str(envelope.get("code", ""))
        super().__init__(f"HTTP {status} {self.code}: {envelope.get('message', '')}")


class NotJson(ValueError):
    """An OMS answer whose body is not JSON (a fault such as a gateway page, or
    ``not-json``); ``response`` is what came. :meth:`BaseClient.poll` returns it instead."""

    def __init__(self, path: str, response: httpx.Response) -> None:
        kind_of = response.headers.get("content-type", "no Content-Type")
        super().__init__(
            f"GET {path}: HTTP {response.status_code} ({kind_of}) with a body that is not "
            f"JSON: {response.text[:200]!r}; use poll() to get the whole response"
        )
        self.response = response


class BaseClient:
    """The calls a control client and the pytest fixture's object share."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        client: httpx.Client | None = None,
        token: str | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if client is None:
            if base_url is None:
                raise ValueError("give base_url or client")
            client = httpx.Client(base_url=base_url, timeout=timeout)
        self.http = client
        self.token = token
        self.auth = auth
        self._control_headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._oms_auth = httpx.BasicAuth(*auth) if auth else None

    @property
    def base_url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        response = self._send(method, path, json=json, content=content, params=params)
        return response.json() if response.content else None

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """A control call's response; :class:`ControlError` for an error."""
        response = self.http.request(
            method, path, json=json, content=content, params=params, headers=self._control_headers
        )
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"code": "HTTP_ERROR", "message": response.text[:500]}
            if not isinstance(body, dict):
                body = {"code": "HTTP_ERROR", "message": str(body)[:500]}
            raise ControlError(response.status_code, body)
        return response

    def _model(self, model: type[_M], method: str, path: str, **kwargs: Any) -> _M:
        return model.model_validate(self._call(method, path, **kwargs))

    def _models(self, model: type[_M], method: str, path: str, **kwargs: Any) -> list[_M]:
        return TypeAdapter(list[model]).validate_python(  # type: ignore[valid-type]
            self._call(method, path, **kwargs)
        )

    # -- OMS endpoints --------------------------------------------------------------------

    def poll(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> httpx.Response:
        """One poll of the OMS progress endpoint, as it came (faults included)."""
        path = progress_path(kind, project_id)
        return self.http.get(path, auth=self._oms_auth or httpx.USE_CLIENT_DEFAULT)

    def progress(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> JSON:
        """One poll of the OMS progress endpoint: the whole envelope, success or not.

        A body that is not JSON raises :class:`NotJson`, which carries the response.
        """
        response = self.poll(project_id, kind)
        try:
            body: JSON = response.json()
        except ValueError:
            raise NotJson(progress_path(kind, project_id), response) from None
        return body

    # -- control API ----------------------------------------------------------------------

    def index(self) -> IndexOut:
        """The control API's routes, and where its documentation is."""
        return self._model(IndexOut, "GET", "/_mock")

    def health(self) -> Health:
        return self._model(Health, "GET", "/_mock/health")

    def clock(self) -> ClockState:
        return self._model(ClockState, "GET", "/_mock/clock")

    def set_speed(self, speed: float) -> ClockState:
        return self._model(ClockState, "POST", "/_mock/clock/speed", json={"speed": speed})

    def scenarios(self) -> list[ScenarioSummary]:
        return self._models(ScenarioSummary, "GET", "/_mock/scenarios")

    def scenario(self, name: str) -> JSON:
        """One scenario's document."""
        result: JSON = self._call("GET", f"/_mock/scenarios/{name}")
        return result

    def add_scenario(self, scenario: str | Mapping[str, Any]) -> ScenarioSummary:
        """Load a scenario given as YAML/JSON text or as a mapping; returns its summary."""
        if isinstance(scenario, str):
            return self._model(ScenarioSummary, "POST", "/_mock/scenarios", content=scenario)
        return self._model(ScenarioSummary, "POST", "/_mock/scenarios", json=dict(scenario))

    def reload_scenarios(self) -> list[ScenarioSummary]:
        return self._models(ScenarioSummary, "POST", "/_mock/scenarios/reload")

    @overload
    def projects(self, *, full: Literal[False] = False) -> list[ProjectSummary]: ...

    @overload
    def projects(self, *, full: Literal[True]) -> list[ProjectOut]: ...

    def projects(self, *, full: bool = False) -> list[ProjectSummary] | list[ProjectOut]:
        """Every project the server holds, oldest first: summaries (status, phase, figures),
        or with ``full`` each with its events. The server answers a page at a time; this
        follows the pages to the end."""
        model: type[ProjectSummary] = ProjectOut if full else ProjectSummary
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        found: list[Any] = []
        params: dict[str, Any] = {"limit": PROJECTS_PAGE, "full": "true" if full else "false"}
        while True:
            response = self._send("GET", "/_mock/projects", params=params)
            found.extend(adapter.validate_python(response.json()))
            following = response.links.get("next", {}).get("url")
            if not following:
                return found
            params = dict(httpx.URL(following).params)

    def project(self, project_id: str) -> ProjectOut:
        """Status, phase and events (does not count as a poll)."""
        return self._model(ProjectOut, "GET", f"/_mock/projects/{project_id}")

    def delete(self, project_id: str) -> None:
        self._call("DELETE", f"/_mock/projects/{project_id}")

    def act(
        self,
        project_id: str,
        action: str,
        *,
        step: str | None = None,
        message: str | None = None,
        importance: str | None = None,
    ) -> ActionEnvelope:
        """Act on the project as an operator would; returns the in-band envelope (check
        ``success``: an illegal action is refused in band, as OMS refuses it)."""
        args = {
            k: v
            for k, v in (("step", step), ("message", message), ("importance", importance))
            if v is not None
        }
        path = f"/_mock/projects/{project_id}/actions/{action}"
        return self._model(ActionEnvelope, "POST", path, json=args or None)

    def polls(self, project_id: str) -> PollsOut:
        """How ``project_id`` was polled: count, first/last, intervals, statuses shown."""
        return self._model(PollsOut, "GET", f"/_mock/projects/{project_id}/polls")

    def timeline(self, project_id: str) -> TimelineOut:
        """The project's phases on its own time axis (played, and due), where the clock
        is, its status changes; place its polls with ``requests(project_id)``."""
        return self._model(TimelineOut, "GET", f"/_mock/projects/{project_id}/timeline")

    # -- faults ---------------------------------------------------------------------------

    def inject_fault(
        self,
        fault: str | Mapping[str, Any],
        *,
        project_id: str | None = None,
        count: int | None = None,
        seconds: float | None = None,
        delay: float | tuple[float, float] | None = None,
        probability: float | None = None,
        note: str | None = None,
    ) -> FaultOut:
        """Inject ``fault`` (as in a scenario: ``"reset"``, ``{"status": 503}``, ...) into one
        project's polls, or into every OMS request; returns the active injection."""
        body: JSON = {"fault": fault if isinstance(fault, str) else dict(fault)}
        for key, value in (
            ("count", count),
            ("seconds", seconds),
            ("delay", list(delay) if isinstance(delay, tuple) else delay),
            ("probability", probability),
            ("note", note),
        ):
            if value is not None:
                body[key] = value
        return self._model(FaultOut, "POST", _faults_path(project_id), json=body)

    @overload
    def faults(self, project_id: None = None) -> FaultsOut: ...

    @overload
    def faults(self, project_id: str) -> list[FaultOut]: ...

    def faults(self, project_id: str | None = None) -> FaultsOut | list[FaultOut]:
        """Every active injection (with the seed), or one project's list of them."""
        if project_id is None:
            return self._model(FaultsOut, "GET", _faults_path(None))
        return self._models(FaultOut, "GET", _faults_path(project_id))

    def clear_faults(self, project_id: str | None = None) -> int:
        """Clear every injected fault, or one project's; returns how many were cleared."""
        result: JSON = self._call("DELETE", _faults_path(project_id))
        return int(result["cleared"])

    # -- exposure coverage ----------------------------------------------------------------

    def coverage(self, project: str | None = None, *, since: int | None = None) -> CoverageOut:
        """What the clients were shown of every situation mock-oms can show (since a mark,
        of one project), and what would show the rest."""
        params = {k: v for k, v in (("project", project), ("since", since)) if v is not None}
        return self._model(CoverageOut, "GET", "/_mock/coverage", params=params)

    def mark_coverage(self) -> MarkOut:
        """Set a coverage mark: ``coverage(since=mark.mark)`` reports what came after it."""
        return self._model(MarkOut, "POST", "/_mock/coverage/marks")

    def coverage_marks(self) -> list[MarkOut]:
        return self._models(MarkOut, "GET", "/_mock/coverage/marks")

    def clear_coverage(self) -> None:
        """Forget what the clients were shown, and every mark."""
        self._call("DELETE", "/_mock/coverage")


def _faults_path(project_id: str | None) -> str:
    return "/_mock/faults" if project_id is None else f"/_mock/projects/{project_id}/faults"


class ControlClient(BaseClient):
    """Synchronous client. Use as a context manager, or call :meth:`close`."""

    @classmethod
    def in_process(
        cls,
        app: Any,
        *,
        token: str | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> ControlClient:
        """A client that calls ``app`` (an ASGI app) directly, with no socket.

        httpx's ASGI transport is async; :class:`InProcessTransport` runs it on a private
        event loop so that synchronous code can use it. ``timeout`` holds as over a socket.
        """
        from mock_oms.transport import InProcessTransport

        http = httpx.Client(
            transport=InProcessTransport(app), base_url=IN_PROCESS_URL, timeout=timeout
        )
        return cls(client=http, token=token, auth=auth)

    def advance(self, seconds: float) -> ClockState:
        """Move scenario time forward; returns the clock."""
        return self._model(ClockState, "POST", "/_mock/clock/advance", json={"seconds": seconds})

    def create(self, scenario: str, project_id: str | None = None) -> ProjectOut:
        """Start an instance of ``scenario`` now; returns the project."""
        body: JSON = {"scenario": scenario}
        if project_id is not None:
            body["projectId"] = project_id
        return self._model(ProjectOut, "POST", "/_mock/projects", json=body)

    def reset(self, project_id: str | None = None, *, fresh: bool = False) -> ResetOut:
        """Every project (or one) back to its start; the journal emptied (or the project's
        poll timeline). ``fresh``: as a just-started server (projects forgotten, startup
        scenarios and speed restored)."""
        if fresh and project_id is not None:
            raise ValueError("fresh applies to the whole server, not to one project")
        path = "/_mock/reset" if project_id is None else f"/_mock/projects/{project_id}/reset"
        params = {"fresh": "true"} if fresh else None
        return self._model(ResetOut, "POST", path, params=params)

    def requests(
        self,
        project: str | None = None,
        *,
        since: float | None = None,
        until: float | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> RequestsOut:
        """The journal of OMS requests: ``entries`` (oldest first) and the counts ``total``,
        ``kept``, ``dropped``, ``capacity``. ``since``/``until`` are scenario times
        (inclusive), ``after`` a sequence number."""
        params = {
            k: v
            for k, v in (
                ("project", project),
                ("since", since),
                ("until", until),
                ("after", after),
                ("limit", limit),
            )
            if v is not None
        }
        return self._model(RequestsOut, "GET", "/_mock/requests", params=params)
