"""A typed Python client for a mock-oms server: the OMS endpoints and the control API.

Works over HTTP (``ControlClient("http://127.0.0.1:8089")``) or in process, without a socket
(``ControlClient.in_process(app)``, through httpx's ASGI transport). Errors answered by the
server raise :class:`ControlError` carrying the envelope, except the OMS progress call and
actions, whose in-band errors are data and come back as the envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mock_oms.core.kinds import Kind, progress_path

JSON = dict[str, Any]
DEFAULT_TIMEOUT = 10.0  # seconds: every call's timeout, unless told otherwise
IN_PROCESS_URL = "http://mock-oms"  # the base URL of an app reached without a socket

__all__ = ["JSON", "ControlClient", "ControlError", "progress_path"]


class ControlError(Exception):
    """The server refused a control call; ``envelope`` is its error body."""

    def __init__(self, status: int, envelope: JSON) -> None:
        self.status = status
        self.envelope = envelope
        self.code = str(envelope.get("code", ""))
        super().__init__(f"HTTP {status} {self.code}: {envelope.get('message', '')}")


class ControlClient:
    """Synchronous client. Use as a context manager, or call :meth:`close`."""

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
        self._control_headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._oms_auth = httpx.BasicAuth(*auth) if auth else None

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

    @property
    def base_url(self) -> str:
        return str(self.http.base_url).rstrip("/")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ControlClient:
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
        expect_json: bool = True,
    ) -> Any:
        response = self.http.request(
            method, path, json=json, content=content, params=params, headers=self._control_headers
        )
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"code": "HTTP_ERROR", "message": response.text[:500]}
            raise ControlError(response.status_code, body)
        return response.json() if expect_json and response.content else None

    # -- OMS endpoints --------------------------------------------------------------------

    def progress(self, project_id: str, kind: Kind | str = Kind.MIGRATION) -> JSON:
        """One poll of the OMS progress endpoint: the whole envelope, success or not.

        A body that is not JSON (a fault such as a 502 gateway page or ``not-json``) raises
        :class:`ValueError` saying what came instead; poll with ``http`` to see it whole.
        """
        path = progress_path(kind, project_id)
        response = self.http.get(path, auth=self._oms_auth or httpx.USE_CLIENT_DEFAULT)
        try:
            body: JSON = response.json()
        except ValueError:
            kind_of = response.headers.get("content-type", "no Content-Type")
            raise ValueError(
                f"GET {path}: HTTP {response.status_code} ({kind_of}) with a body that is not "
                f"JSON: {response.text[:200]!r}"
            ) from None
        return body

    # -- control API ----------------------------------------------------------------------

    def health(self) -> JSON:
        result: JSON = self._call("GET", "/_mock/health")
        return result

    def clock(self) -> JSON:
        result: JSON = self._call("GET", "/_mock/clock")
        return result

    def advance(self, seconds: float) -> JSON:
        """Move scenario time forward; returns the clock."""
        result: JSON = self._call("POST", "/_mock/clock/advance", json={"seconds": seconds})
        return result

    def set_speed(self, speed: float) -> JSON:
        result: JSON = self._call("POST", "/_mock/clock/speed", json={"speed": speed})
        return result

    def scenarios(self) -> list[JSON]:
        result: list[JSON] = self._call("GET", "/_mock/scenarios")
        return result

    def scenario(self, name: str) -> JSON:
        result: JSON = self._call("GET", f"/_mock/scenarios/{name}")
        return result

    def add_scenario(self, scenario: str | Mapping[str, Any]) -> JSON:
        """Load a scenario given as YAML/JSON text or as a mapping; returns its summary."""
        if isinstance(scenario, str):
            result: JSON = self._call("POST", "/_mock/scenarios", content=scenario)
        else:
            result = self._call("POST", "/_mock/scenarios", json=dict(scenario))
        return result

    def reload_scenarios(self) -> list[JSON]:
        result: list[JSON] = self._call("POST", "/_mock/scenarios/reload")
        return result

    def projects(self) -> list[JSON]:
        result: list[JSON] = self._call("GET", "/_mock/projects")
        return result

    def create(self, scenario: str, project_id: str | None = None) -> JSON:
        """Start an instance of ``scenario`` now; returns the project."""
        body: JSON = {"scenario": scenario}
        if project_id is not None:
            body["projectId"] = project_id
        result: JSON = self._call("POST", "/_mock/projects", json=body)
        return result

    def project(self, project_id: str) -> JSON:
        result: JSON = self._call("GET", f"/_mock/projects/{project_id}")
        return result

    def delete(self, project_id: str) -> None:
        self._call("DELETE", f"/_mock/projects/{project_id}", expect_json=False)

    def act(
        self,
        project_id: str,
        action: str,
        *,
        step: str | None = None,
        message: str | None = None,
        importance: str | None = None,
    ) -> JSON:
        """Apply an action; returns the in-band envelope (check ``success``)."""
        args = {
            k: v
            for k, v in (("step", step), ("message", message), ("importance", importance))
            if v is not None
        }
        result: JSON = self._call(
            "POST", f"/_mock/projects/{project_id}/actions/{action}", json=args or None
        )
        return result

    def reset(self, project_id: str | None = None, *, fresh: bool = False) -> JSON:
        """Every project (or one) back to its start; the journal emptied (or the project's
        poll timeline). ``fresh``: as a just-started server (projects forgotten, startup
        scenarios and speed restored)."""
        if fresh and project_id is not None:
            raise ValueError("fresh applies to the whole server, not to one project")
        path = "/_mock/reset" if project_id is None else f"/_mock/projects/{project_id}/reset"
        params = {"fresh": "true"} if fresh else None
        result: JSON = self._call("POST", path, params=params)
        return result

    def requests(
        self,
        project: str | None = None,
        *,
        since: float | None = None,
        until: float | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> JSON:
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
        result: JSON = self._call("GET", "/_mock/requests", params=params)
        return result

    def polls(self, project_id: str) -> JSON:
        """How ``project_id`` was polled: count, first/last, intervals, statuses shown."""
        result: JSON = self._call("GET", f"/_mock/projects/{project_id}/polls")
        return result

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
    ) -> JSON:
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
        path = "/_mock/faults" if project_id is None else f"/_mock/projects/{project_id}/faults"
        result: JSON = self._call("POST", path, json=body)
        return result

    def faults(self, project_id: str | None = None) -> Any:
        """Every active injection (with the seed), or one project's list of them."""
        path = "/_mock/faults" if project_id is None else f"/_mock/projects/{project_id}/faults"
        return self._call("GET", path)

    def clear_faults(self, project_id: str | None = None) -> int:
        """Clear every injected fault, or one project's; returns how many were cleared."""
        path = "/_mock/faults" if project_id is None else f"/_mock/projects/{project_id}/faults"
        result: JSON = self._call("DELETE", path)
        return int(result["cleared"])
