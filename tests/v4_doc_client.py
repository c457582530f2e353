"""An OMS V4 client written from the documentation only (shared/guide/oms-api.md section 4,
the OMS V4 API pages, docs/v4.md), as a team on OMS 4.x would write one. It imports
nothing of mock-oms: it is pointed at ``http://host:port``, appends ``/api/v2`` itself (as
ODC does), sends HTTP Basic credentials, and reads the envelope as documented.

Also here: a paraphrase of ODC's step checker (how a real client decides "done" or
"failed" from the step list), written from the guide's description of it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Transport failures a real client maps (guide, section 1): 408 timeout, 5xx service
# error, 429 when rate-limited; those are worth a retry.
RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DESTROYED = frozenset({"RELEASING", "RELEASED", "DELETED"})


class OmsError(Exception):
    """An in-band error: ``success`` false."""

    def __init__(self, action: str, document: dict[str, Any]) -> None:
        self.code = str(document.get("code"))
        self.message = str(document.get("message"))
        self.document = document
        super().__init__(f"{action}: {self.message}")

    @property
    def project_missing(self) -> bool:
        """ODC's reading: a message naming GHANA-PROJECT000001 means the project is gone."""
        return "GHANA-PROJECT000001" in self.message


class TransportError(Exception):
    """No usable answer after the retries (a status, a dropped connection, not JSON)."""


Observer = Callable[[str, int, Any], None]  # action, HTTP status, parsed body (None: not JSON)


@dataclass
class Client:
    base_url: str
    user: str | None = None
    password: str | None = None
    transport: httpx.BaseTransport | None = None
    retries: int = 5
    wait: Callable[[float], None] = lambda seconds: None  # between retries
    observe: Observer | None = None
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Content-Type": "application/json"}
        if self.user is not None:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        self.http = httpx.Client(
            base_url=self.base_url.rstrip("/") + "/api/v2",
            headers=headers,
            timeout=httpx.Timeout(60.0, connect=1.0),
            transport=self.transport,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, action: str, body: dict[str, Any]) -> Any:
        """``data`` of a successful call; :class:`OmsError` for an in-band error."""
        for attempt in range(self.retries + 1):
            try:
                response = self.http.post("", params={"Action": action}, json=body)
            except httpx.TransportError:
                if attempt == self.retries:
                    raise TransportError(f"{action}: no answer") from None
                self.wait(1.0)
                continue
            try:
                document = response.json()
            except ValueError:
                document = None
            if self.observe is not None:
                self.observe(action, response.status_code, document)
            if response.status_code in RETRIED_STATUSES or document is None:
                if attempt == self.retries:
                    raise TransportError(f"{action}: HTTP {response.status_code}")
                self.wait(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code != 200 or not isinstance(document, dict):
                raise TransportError(f"{action}: HTTP {response.status_code}")
            if document.get("success") is not True:
                # INNER_ERROR: the service failed inside; worth another try
                if document.get("code") == "INNER_ERROR" and attempt < self.retries:
                    self.wait(1.0)
                    continue
                raise OmsError(action, document)
            return document.get("data")
        raise AssertionError("unreachable")

    # -- the documented actions --------------------------------------------------------

    def create_project(self, name: str, **extra: Any) -> str:
        body = {
            "name": name,
            "type": "MIGRATION",
            "sourceEndpointId": "e_source",
            "sinkEndpointId": "e_sink",
            "enableStructTransfer": False,
            "enableFullTransfer": True,
            "enableIncrTransfer": True,
            "uid": None,
            **extra,
        }
        project_id = self.call("CreateProject", body)
        assert isinstance(project_id, str)
        return project_id

    def _control(self, action: str, project_id: str) -> None:
        self.call(action, {"id": project_id, "uid": None})

    def start(self, project_id: str) -> None:
        self._control("StartProject", project_id)

    def stop(self, project_id: str) -> None:
        self._control("StopProject", project_id)

    def resume(self, project_id: str) -> None:
        self._control("ResumeProject", project_id)

    def release(self, project_id: str) -> None:
        self._control("ReleaseProject", project_id)

    def delete(self, project_id: str) -> None:
        self._control("DeleteProject", project_id)

    def progress(self, project_id: str) -> dict[str, Any]:
        data = self.call("DescribeProjectProgress", {"id": project_id})
        assert isinstance(data, dict)
        return data

    def steps(self, project_id: str) -> list[dict[str, Any]]:
        data = self.call("DescribeProjectSteps", {"id": project_id})
        assert isinstance(data, list)
        return data

    def describe(self, project_id: str) -> dict[str, Any]:
        data = self.call("DescribeProject", {"id": project_id})
        assert isinstance(data, dict)
        return data

    def verify_result(self, project_id: str) -> dict[str, Any]:
        data = self.call("ListProjectFullVerifyResult", {"projectId": project_id})
        assert isinstance(data, dict)
        return data

    def release_fully(self, project_id: str) -> None:
        """What ODC does to clean up: stop a RUNNING project first, then release; a project
        already gone counts as released."""
        try:
            status = self.progress(project_id)["status"]
            if status in DESTROYED:
                return
            if status == "RUNNING":
                self.stop(project_id)
            if status in ("INIT",):
                self.delete(project_id)
                return
            self.release(project_id)
        except OmsError as exc:
            if not exc.project_missing:
                raise


# -- ODC's step checker, paraphrased --------------------------------------------------------


@dataclass
class Verdict:
    status: str  # DONE, FAILED, RUNNING
    error: str | None = None
    percentage: float = 0.0


@dataclass
class StepChecker:
    """Decides from the progress call and the step list together (guide, section 4)."""

    enable_full_verify: bool
    now: Callable[[], float] = time.time
    failed_timeout: float = 120.0  # how long FULL_TRANSFER may stay FAILED
    checkpoint_window: float = 25.0  # how close to now the incremental checkpoint must be
    failed_since: dict[str, float] = field(default_factory=dict)

    @property
    def checked(self) -> list[str]:
        names = ["TRANSFER_INCR_LOG_PULL", "FULL_TRANSFER", "INCR_TRANSFER"]
        return [*names, "FULL_VERIFIER"] if self.enable_full_verify else names

    def _done(self, step: dict[str, Any] | None, progress: dict[str, Any]) -> bool:
        if step is None:
            return False
        at_100 = step.get("progress") == 100
        if step["name"] == "INCR_TRANSFER":
            checkpoint = progress.get("incrSyncCheckpoint")
            near = isinstance(checkpoint, int) and self.now() - checkpoint <= self.checkpoint_window
            return step["status"] == "MONITORING" and at_100 and near
        if step["name"] == "FULL_VERIFIER":
            return step["status"] == "RUNNING" and at_100
        return step["status"] == "FINISHED" and at_100

    def _failed(self, by_name: dict[str, dict[str, Any]]) -> tuple[bool, str | None]:
        for name in self.checked:
            step = by_name.get(name)
            if step is not None and step["status"] == "FAILED":
                message = (step.get("extraInfo") or {}).get("errorMsg")
                if name == "FULL_TRANSFER":
                    since = self.failed_since.setdefault(name, self.now())
                    return self.now() - since > self.failed_timeout, message
                return False, message
            self.failed_since.pop(name, None)
        return False, None

    def check(self, progress: dict[str, Any], steps: list[dict[str, Any]]) -> Verdict:
        by_name = {step["name"]: step for step in steps}
        precheck = by_name.get("TRANSFER_PRECHECK") or {}
        precheck_progress = precheck.get("progress") or 0
        if precheck.get("status") == "FAILED":
            return Verdict("FAILED", (precheck.get("extraInfo") or {}).get("errorMsg"))
        full = (by_name.get("FULL_TRANSFER") or {}).get("progress") or 0
        verify = (by_name.get("FULL_VERIFIER") or {}).get("progress") or 0
        if self.enable_full_verify:
            percentage = 0.1 * precheck_progress + 0.4 * full + 0.4 * verify
        else:
            percentage = 0.1 * precheck_progress + 0.8 * full
        finished = progress["status"] == "FINISHED" or all(
            self._done(by_name.get(name), progress) for name in self.checked
        )
        if finished:
            return Verdict("DONE", None, percentage)
        failed, error = self._failed(by_name)
        if failed or progress["status"] in DESTROYED:
            return Verdict("FAILED", error, percentage)
        return Verdict("RUNNING", error, percentage)
