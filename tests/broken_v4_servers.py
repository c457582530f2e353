"""Small OMS V4 servers written from the documentation (``shared/guide/oms-api.md``
section 4), apart from mock-oms: one that keeps the contract (:class:`V4Oms`) and variants
that each break it, or tolerate it, one way.

Each is a real HTTP server (``http.server`` on 127.0.0.1, in a thread) answering ``POST
/api/v2?Action=NAME`` and nothing else. It knows four projects, whose stories run in real
time from the first call that reads them (the kit polls for under a second), and creates
more through ``CreateProject``, which follow the lifecycle table of the guide's section 2.
A variant overrides one hook: the progress ``data``, the step list, an envelope, an error.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from broken_servers import serving_handler

Data = dict[str, Any]
Step = dict[str, Any]

WELL_FORMED = re.compile(r"[A-Za-z0-9_.~-]{1,128}")
PROJECTS = ("np_osc", "np_finished", "np_suspended", "np_reverse")
LABELS = {
    "TRANSFER_PRECHECK": "预检查",
    "STRUCT_TRANSFER": "结构迁移",
    "TRANSFER_INCR_LOG_PULL": "增量日志拉取",
    "FULL_TRANSFER": "全量迁移",
    "INDEX_TRANSFER": "索引迁移",
    "INCR_TRANSFER": "增量同步",
    "FULL_VERIFIER": "全量校验",
    "TRANSFER_APP_SWITCH": "正向切换",
    "REVERSE_INCR_TRANSFER": "反向增量",
}
# np_osc's story: (step, start, end) in seconds after its first read; then incremental
# transfer MONITORING and full verification running to 100 by OSC_VERIFIED.
OSC_PHASES = (
    ("TRANSFER_PRECHECK", 0.0, 0.1),
    ("TRANSFER_INCR_LOG_PULL", 0.1, 0.2),
    ("FULL_TRANSFER", 0.2, 0.6),
)
OSC_INCR, OSC_VERIFIED = 0.6, 0.8
LAG = 3  # seconds the incremental checkpoint trails the clock
RELEASE_SECONDS = 0.3
ACTIONS = ("StartProject", "StopProject", "ResumeProject", "ReleaseProject", "DeleteProject")
LIFECYCLE = {
    "INIT": {"StartProject": "RUNNING", "DeleteProject": "DELETED"},
    "RUNNING": {"StopProject": "SUSPEND"},
    "SUSPEND": {"ResumeProject": "RUNNING", "ReleaseProject": "RELEASING"},
    "FAILED": {"ResumeProject": "RUNNING", "ReleaseProject": "RELEASING"},
    "FINISHED": {"ReleaseProject": "RELEASING"},
    "RELEASING": {},
    "RELEASED": {"DeleteProject": "DELETED"},
    "DELETED": {},
}


def when(seconds: float) -> str:
    """A V4 time: UTC without a zone."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def step(
    order: int,
    name: str,
    status: str,
    progress: int,
    start: float | None = None,
    finish: float | None = None,
    info: Data | None = None,
) -> Step:
    return {
        "order": order,
        "name": name,
        "description": LABELS.get(name, name),
        "status": status,
        "extraInfo": {
            "errorDetails": None,
            "errorCode": None,
            "errorMsg": None,
            "errorParam": None,
            "failedTime": None,
        },
        "startTime": when(start) if start is not None else None,
        "finishTime": when(finish) if finish is not None else None,
        "progress": progress,
        "stepInfo": info,
    }


def transfer_info(progress: int, capacity: int = 1000) -> Data:
    figures = dict.fromkeys(
        ("srcRps", "srcRt", "srcIops", "dstRps", "dstRt", "dstIops", "srcRpsRef"), 0
    )
    figures |= dict.fromkeys(("srcRtRef", "dstRpsRef", "dstRtRef", "srcIopsRef"), 0)
    return {"processedRecords": capacity * progress // 100, "capacity": capacity, **figures}


def incr_info(checkpoint: int | None, now: float) -> Data:
    return {
        "incrTimestampCheckpoint": checkpoint,
        "checkpointSampleTimestamp": int(now) if checkpoint is not None else None,
        "enableIncrStatistics": None,
    }


def progress_data(
    pid: str,
    status: str,
    current: str,
    *,
    struct: bool,
    full: bool,
    incr: bool,
    reverse: bool = False,
    struct_progress: Any = 0,
    full_progress: Any = 0,
    checkpoint: Any = None,
    reverse_checkpoint: Any = None,
) -> Data:
    return {
        "projectId": pid,
        "status": status,
        "alarmLevel": "LOW",
        "enableIncrSync": incr,
        "currentStep": current,
        "incrSyncCheckpoint": checkpoint,
        "enableStructTransfer": struct,
        "enableFullTransfer": full,
        "structTransferProgress": struct_progress,
        "fullTransferProgress": full_progress,
        "enableReverseIncrTransfer": reverse,
        "reverseIncrTransferCheckpoint": reverse_checkpoint,
    }


@dataclass
class Created:
    """A project made by CreateProject: it moves only by actions (and a release)."""

    name: str
    status: str = "INIT"
    started: float | None = None
    released: float | None = None


@dataclass
class V4Oms:
    """An OMS V4 service that keeps the documented contract."""

    born: float = field(default_factory=time.time)
    first: dict[str, float] = field(default_factory=dict)
    created: dict[str, Created] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the stories ---------------------------------------------------------------------

    def elapsed(self, pid: str, now: float, *, start: bool = False) -> float:
        """Seconds since ``pid``'s story began: at its first DescribeProjectProgress
        (``start``); other reads before it see its beginning."""
        with self.lock:
            if start:
                return now - self.first.setdefault(pid, now)
            return now - self.first.get(pid, now)

    def checkpoint(self, pid: str, now: float) -> int:
        """np_osc's incremental checkpoint (the progress call's and the step's)."""
        return int(now) - LAG

    def story(self, pid: str, now: float, *, start: bool = False) -> tuple[Data, list[Step]] | None:
        """The progress ``data`` and the steps of ``pid`` at ``now`` (None: unknown);
        ``start``: a progress call, which begins the story."""
        if pid in self.created:
            return self.created_story(pid, now)
        if pid not in PROJECTS:
            return None
        e = self.elapsed(pid, now, start=start)
        stories = {
            "np_osc": self.osc,
            "np_finished": self.finished,
            "np_suspended": self.suspended,
            "np_reverse": self.reverse,
        }
        return stories[pid](pid, e, now)

    def osc(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        """An online schema change: precheck, log pull, full transfer, then incremental
        transfer MONITORING and full verification RUNNING to 100; the project RUNNING."""
        first = now - e
        steps, current, full = [], "INCR_TRANSFER", 0
        for order, (name, start, end) in enumerate(OSC_PHASES, 1):
            times: tuple[float | None, float | None]
            if e < start:
                status, progress, times = "INIT", 0, (None, None)
            elif e < end:
                status, progress = "RUNNING", int((e - start) / (end - start) * 100)
                times, current = (first + start, None), name
            else:
                status, progress, times = "FINISHED", 100, (first + start, first + end)
            transfer = name == "FULL_TRANSFER"
            full = progress if transfer else full
            info = transfer_info(progress) if transfer else None
            steps.append(step(order, name, status, progress, times[0], times[1], info))
        checkpoint = self.checkpoint(pid, now)
        if e >= OSC_INCR:
            verified = min(100, int((e - OSC_INCR) / (OSC_VERIFIED - OSC_INCR) * 100))
            incr = step(4, "INCR_TRANSFER", "MONITORING", 100, first + OSC_INCR)
            incr["stepInfo"] = incr_info(checkpoint, now)
            verify = step(5, "FULL_VERIFIER", "RUNNING", verified, first + OSC_INCR)
            verify["stepInfo"] = transfer_info(verified)
        else:
            incr = step(4, "INCR_TRANSFER", "INIT", 0, info=incr_info(None, now))
            verify = step(5, "FULL_VERIFIER", "INIT", 0, info=transfer_info(0))
        switch = step(6, "TRANSFER_APP_SWITCH", "INIT", 0, info={"checkpointSampleTimestamp": None})
        data = progress_data(
            pid,
            "RUNNING",
            current,
            struct=False,
            full=True,
            incr=True,
            full_progress=full,
            checkpoint=checkpoint,
        )
        return data, [*steps, incr, verify, switch]

    def finished(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        """A migration with structure and full transfer, FINISHED an hour ago."""
        t = self.born - 3600
        steps = [
            step(1, "TRANSFER_PRECHECK", "FINISHED", 100, t, t + 10),
            step(2, "STRUCT_TRANSFER", "FINISHED", 100, t + 10, t + 30),
            step(3, "FULL_TRANSFER", "FINISHED", 100, t + 30, t + 90, transfer_info(100)),
            step(4, "INDEX_TRANSFER", "FINISHED", 100, t + 90, t + 95),
            step(
                5,
                "TRANSFER_APP_SWITCH",
                "FINISHED",
                100,
                t + 95,
                t + 96,
                {"checkpointSampleTimestamp": None},
            ),
        ]
        data = progress_data(
            pid,
            "FINISHED",
            "TRANSFER_APP_SWITCH",
            struct=True,
            full=True,
            incr=False,
            struct_progress=100,
            full_progress=100,
        )
        return data, steps

    def suspended(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        """Stopped at 40 % of the full transfer ten minutes ago."""
        t = self.born - 900
        steps = [
            step(1, "TRANSFER_PRECHECK", "FINISHED", 100, t, t + 10),
            step(2, "TRANSFER_INCR_LOG_PULL", "FINISHED", 100, t + 10, t + 20),
            step(3, "FULL_TRANSFER", "SUSPEND", 40, t + 20, None, transfer_info(40)),
            step(4, "INCR_TRANSFER", "INIT", 0, info=incr_info(None, now)),
            step(5, "TRANSFER_APP_SWITCH", "INIT", 0, info={"checkpointSampleTimestamp": None}),
        ]
        data = progress_data(
            pid,
            "SUSPEND",
            "FULL_TRANSFER",
            struct=False,
            full=True,
            incr=True,
            full_progress=40,
            checkpoint=int(t + 300),
        )
        return data, steps

    def reverse(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        """Switched over: incremental transfer FINISHED, reverse sync MONITORING."""
        t = self.born - 1800
        frozen = int(t + 600)
        steps = [
            step(1, "TRANSFER_PRECHECK", "FINISHED", 100, t, t + 10),
            step(2, "TRANSFER_INCR_LOG_PULL", "FINISHED", 100, t + 10, t + 20),
            step(3, "FULL_TRANSFER", "FINISHED", 100, t + 20, t + 80, transfer_info(100)),
            step(4, "INCR_TRANSFER", "FINISHED", 100, t + 80, t + 600, incr_info(frozen, now)),
            step(
                5,
                "TRANSFER_APP_SWITCH",
                "FINISHED",
                100,
                t + 590,
                t + 600,
                {"checkpointSampleTimestamp": int(now)},
            ),
            step(
                6,
                "REVERSE_INCR_TRANSFER",
                "MONITORING",
                100,
                t + 600,
                None,
                incr_info(int(now) - 2, now),
            ),
        ]
        data = progress_data(
            pid,
            "RUNNING",
            "REVERSE_INCR_TRANSFER",
            struct=False,
            full=True,
            incr=True,
            reverse=True,
            full_progress=100,
            checkpoint=frozen,
            reverse_checkpoint=int(now) - 2,
        )
        return data, steps

    def created_story(self, pid: str, now: float) -> tuple[Data, list[Step]]:
        project = self.created[pid]
        with self.lock:
            if project.status == "RELEASING" and now - (project.released or now) >= RELEASE_SECONDS:
                project.status = "RELEASED"
        status, t = project.status, project.started
        if t is None:
            steps = [
                step(1, "TRANSFER_PRECHECK", "INIT", 0),
                step(2, "FULL_TRANSFER", "INIT", 0, info=transfer_info(0)),
                step(3, "TRANSFER_APP_SWITCH", "INIT", 0, info={"checkpointSampleTimestamp": None}),
            ]
            current, full = "TRANSFER_PRECHECK", 0
        else:
            running = "RUNNING" if status == "RUNNING" else "SUSPEND"
            steps = [
                step(1, "TRANSFER_PRECHECK", "FINISHED", 100, t, t),
                step(2, "FULL_TRANSFER", running, 30, t, info=transfer_info(30)),
                step(3, "TRANSFER_APP_SWITCH", "INIT", 0, info={"checkpointSampleTimestamp": None}),
            ]
            current, full = "FULL_TRANSFER", 30
        data = progress_data(
            pid, status, current, struct=False, full=True, incr=False, full_progress=full
        )
        return data, steps

    def project(self, pid: str, now: float) -> Data | None:
        found = self.story(pid, now)
        if found is None:
            return None
        data, steps = found
        created = self.created.get(pid)
        return {
            "id": pid,
            "name": created.name if created else pid,
            "type": "MIGRATION",
            "importance": data["alarmLevel"],
            "status": data["status"],
            "gmtCreate": when(self.born - 3600),
            "gmtModified": when(now),
            "gmtStart": None,
            "gmtFinish": None,
            "isMerging": False,
            "isModifying": False,
            "isSubProject": False,
            "sourceEndpointType": "MYSQL",
            "sinkEndpointType": "OB_MYSQL",
            "enableStructTransfer": data["enableStructTransfer"],
            "enableFullTransfer": data["enableFullTransfer"],
            "enableFullVerify": any(s["name"] == "FULL_VERIFIER" for s in steps),
            "enableIncrTransfer": data["enableIncrSync"],
            "enableIncrVerify": False,
            "enableReverseIncrTransfer": data["enableReverseIncrTransfer"],
            "steps": steps,
            "extraInfo": {
                "runningStep": data["currentStep"],
                "runningProgress": None,
                "monitoringIncr": None,
                "syncDelay": None,
                "syncDelaySampleTimestamp": None,
                "incrSyncTimestamp": data["incrSyncCheckpoint"],
            },
            "alarmStats": {"alarming": False},
        }

    # -- envelopes -----------------------------------------------------------------------

    def success(self, data: Any, paged: tuple[int, int, int] | None = None) -> Data:
        number, size, total = paged if paged is not None else (None, None, None)
        return {
            "success": True,
            "errorDetail": None,
            "code": None,
            "message": None,
            "advice": None,
            "requestId": str(uuid.uuid4()),
            "pageNumber": number,
            "pageSize": size,
            "totalCount": total,
            "cost": "3 ms",
            "data": data,
        }

    def error(self, code: str, text: str) -> Data:
        """A real V4 error: advice, paging, cost and data left out."""
        request = str(uuid.uuid4())
        return {
            "code": code,
            "errorDetail": {
                "code": code,
                "message": text,
                "messageMcmsContext": None,
                "messageMcmsKey": code,
                "requestId": request,
            },
            "message": f"[{code}]: {text}",
            "requestId": request,
            "success": False,
        }

    def unknown(self, pid: str) -> Data:
        return self.error("GHANA-PROJECT000001", f"project {pid} does not exist")

    def malformed(self, pid: str) -> Data:
        return self.error("PARAM_ERROR", "the project ID is malformed")

    # -- the actions ---------------------------------------------------------------------

    def act(self, action: str, pid: str) -> Data:
        project = self.created.get(pid)
        if project is None:
            return self.unknown(pid)
        with self.lock:
            target = LIFECYCLE[project.status].get(action)
            if target is None:
                return self.error(
                    "GHANA-OPERAT000001", f"{action} is not allowed in {project.status}"
                )
            if action == "StartProject":
                project.started = time.time()
            if target == "RELEASING":
                project.released = time.time()
            project.status = target
        return self.success(None)

    def answer(self, action: str, body: Data) -> Data:
        now = time.time()
        pid = body.get("projectId" if action == "ListProjectFullVerifyResult" else "id")
        if action == "ListProjects":
            size = int(body.get("pageSize") or 10)
            ids = [*PROJECTS, *self.created]
            page = [p for p in (self.project(i, now) for i in ids[:size]) if p is not None]
            return self.success(page, (int(body.get("pageNumber") or 1), size, len(ids)))
        if action == "CreateProject":
            new = f"np_c{len(self.created) + 1}{uuid.uuid4().hex[:6]}"
            self.created[new] = Created(str(body.get("name")))
            return self.success(new)
        if not isinstance(pid, str) or not WELL_FORMED.fullmatch(pid):
            return self.malformed(str(pid))
        if action in ACTIONS:
            return self.act(action, pid)
        found = self.story(pid, now, start=action == "DescribeProjectProgress")
        if found is None:
            return self.unknown(pid)
        data, steps = found
        if action == "DescribeProjectProgress":
            return self.success(self.progress(pid, data, now))
        if action == "DescribeProjectSteps":
            return self.success(self.steps(pid, steps, now))
        if action == "DescribeProject":
            return self.success(self.project(pid, now))
        if action == "ListProjectFullVerifyResult":
            result = {"differentNumber": 0, "fullVerifyTableStatistics": []}
            return self.success(result, (1, 10, 0))
        return self.error("PARAM_ERROR", f"unknown action {action}")

    # hooks for the variants: the progress data and the steps as served
    def progress(self, pid: str, data: Data, now: float) -> Data:
        return data

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        return steps

    content_type = "application/json"


# -- serving -------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    oms: V4Oms

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if parts.path.rstrip("/") != "/api/v2":
            self._send(404, "text/plain", b"not found")
            return
        action = (parse_qs(parts.query).get("Action") or [""])[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            answer = self.oms.error("PARAM_ERROR", "the body is not a JSON object")
        else:
            answer = self.oms.answer(action, body)
        self._send(200, self.oms.content_type, json.dumps(answer).encode())

    def do_GET(self) -> None:
        self._send(404, "text/plain", b"not found")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def serving(oms: V4Oms) -> Iterator[str]:
    """``oms`` served on 127.0.0.1; yields its base URL."""
    with serving_handler(type("Handler", (_Handler,), {"oms": oms})) as url:
        yield url


def _named(steps: list[Step], name: str) -> Step | None:
    return next((s for s in steps if s["name"] == name), None)


# -- servers that break the contract, one way each -----------------------------------------


class PrecheckFinishedAt90(V4Oms):
    """np_finished's precheck is FINISHED at 90."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        if pid == "np_finished":
            steps[0]["progress"] = 90
        return steps


class MonitoringFullTransfer(V4Oms):
    """np_osc's full transfer, once done, says MONITORING instead of FINISHED."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        full = _named(steps, "FULL_TRANSFER")
        if pid == "np_osc" and full is not None and full["status"] == "FINISHED":
            full["status"] = "MONITORING"
        return steps


class FinishBeforeStart(V4Oms):
    """np_finished's structure transfer finished a minute before it started."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        if pid == "np_finished":
            steps[1]["finishTime"] = when(self.born - 3600 - 50)
        return steps


class StepOfDisabledPhase(V4Oms):
    """np_osc (structure transfer off) lists a finished STRUCT_TRANSFER."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        if pid == "np_osc":
            extra = step(0, "STRUCT_TRANSFER", "FINISHED", 100, self.born, self.born)
            return [extra, *steps]
        return steps


class CurrentStepDisagrees(V4Oms):
    """np_osc's progress call says INCR_TRANSFER all along, while the step list shows it
    INIT until the full transfer is done."""

    def progress(self, pid: str, data: Data, now: float) -> Data:
        if pid == "np_osc":
            data["currentStep"] = "INCR_TRANSFER"
        return data


class CheckpointGoingBack(V4Oms):
    """np_osc's incremental checkpoint drops by 100 s in one tenth of a second out of four
    (in the progress call and the step list alike)."""

    def checkpoint(self, pid: str, now: float) -> int:
        back = 100 if int(now * 10) % 4 == 3 else 0
        return super().checkpoint(pid, now) - back


class StepProgressBehind(V4Oms):
    """np_osc's FULL_TRANSFER step trails fullTransferProgress by 10 while it runs."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        full = _named(steps, "FULL_TRANSFER")
        if pid == "np_osc" and full is not None and full["status"] == "RUNNING":
            full["progress"] = max(0, full["progress"] - 10)
        return steps

    def progress(self, pid: str, data: Data, now: float) -> Data:
        if pid == "np_osc" and data["currentStep"] == "FULL_TRANSFER":
            data["fullTransferProgress"] = max(10, data["fullTransferProgress"])
        return data


class SuccessWithErrorDetail(V4Oms):
    """Successes carry an errorDetail object."""

    def success(self, data: Any, paged: tuple[int, int, int] | None = None) -> Data:
        return super().success(data, paged) | {"errorDetail": {"code": "OK", "message": ""}}


class MovingWhileSuspended(V4Oms):
    """np_suspended's full transfer creeps on while the project is SUSPEND (its step too)."""

    def story(self, pid: str, now: float, *, start: bool = False) -> tuple[Data, list[Step]] | None:
        found = super().story(pid, now, start=start)
        if found is not None and pid == "np_suspended":
            data, steps = found
            moved = 40 + min(50, int(self.elapsed(pid, now) * 50))
            data["fullTransferProgress"] = moved
            full = _named(steps, "FULL_TRANSFER")
            assert full is not None
            full["progress"], full["stepInfo"] = moved, transfer_info(moved)
        return found


class ReleaseWhileRunning(V4Oms):
    """ReleaseProject is accepted from RUNNING (clients are told to stop first)."""

    def act(self, action: str, pid: str) -> Data:
        project = self.created.get(pid)
        if project is not None and action == "ReleaseProject" and project.status == "RUNNING":
            with self.lock:
                project.status, project.released = "RELEASING", time.time()
            return self.success(None)
        return super().act(action, pid)


class FinishedWithUnfinishedSteps(V4Oms):
    """np_finished is FINISHED, but its index transfer still runs at 40 % and its switch
    failed."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        index, switch = _named(steps, "INDEX_TRANSFER"), _named(steps, "TRANSFER_APP_SWITCH")
        if pid == "np_finished" and index is not None and switch is not None:
            index.update(status="RUNNING", progress=40, finishTime=None)
            switch.update(status="FAILED", progress=0, finishTime=None)
            switch["extraInfo"].update(errorCode="SWITCH_FAILED", errorMsg="switch failed")
        return steps


class FinishedWhileMonitoring(V4Oms):
    """np_finished has incremental sync on and says FINISHED while it is MONITORING (with
    incremental sync a project ends through stop and release, never FINISHED)."""

    def finished(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        data, steps = super().finished(pid, e, now)
        t = self.born - 3600
        checkpoint = int(t + 100)
        data.update(enableIncrSync=True, incrSyncCheckpoint=checkpoint)
        incr = step(5, "INCR_TRANSFER", "MONITORING", 100, t + 96, None)
        incr["stepInfo"] = incr_info(checkpoint, t + 100)
        steps.insert(4, incr)
        return data, steps


class PrecheckFailedSilently(V4Oms):
    """np_finished is a FAILED precheck whose extraInfo says nothing of why."""

    def finished(self, pid: str, e: float, now: float) -> tuple[Data, list[Step]]:
        t = self.born - 3600
        steps = [
            step(1, "TRANSFER_PRECHECK", "FAILED", 40, t, None),
            step(2, "STRUCT_TRANSFER", "INIT", 0),
            step(3, "FULL_TRANSFER", "INIT", 0, info=transfer_info(0)),
            step(4, "INDEX_TRANSFER", "INIT", 0),
            step(5, "TRANSFER_APP_SWITCH", "INIT", 0, info={"checkpointSampleTimestamp": None}),
        ]
        data = progress_data(pid, "FAILED", "TRANSFER_PRECHECK", struct=True, full=True, incr=False)
        return data, steps


class StepGoesBack(V4Oms):
    """np_osc's precheck, FINISHED, runs again at 30 % from 0.7 s on while the project
    stays RUNNING (ODC's percentage would fall)."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        precheck = _named(steps, "TRANSFER_PRECHECK")
        if pid == "np_osc" and precheck is not None and self.elapsed(pid, now) >= 0.7:
            precheck.update(status="RUNNING", progress=30, finishTime=None)
        return steps


# -- servers that behave as a real V4 service may (the compatible level takes them) --------


class ErrorsWithAdvice(V4Oms):
    """Errors with advice, paging, cost and data present (null or text), as V3 sends them:
    the real V4 error leaves them out, which is what mock-oms promises."""

    def error(self, code: str, text: str) -> Data:
        return super().error(code, text) | {
            "advice": "check the request",
            "pageNumber": None,
            "pageSize": None,
            "totalCount": None,
            "data": None,
        }


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class NullsLeftOut(V4Oms):
    """A serializer that leaves nulls out, everywhere (the real error shows one)."""

    def success(self, data: Any, paged: tuple[int, int, int] | None = None) -> Data:
        found: Data = _without_nulls(super().success(data, paged))
        return found


class NullCost(V4Oms):
    def success(self, data: Any, paged: tuple[int, int, int] | None = None) -> Data:
        return super().success(data, paged) | {"cost": None}


class UnknownStepName(V4Oms):
    """A step of a newer release, which no documentation names."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        if pid == "np_osc":
            return [*steps, step(len(steps) + 1, "TRANSFER_DATA_CHECK", "INIT", 0)]
        return steps


class WholeFloats(V4Oms):
    """Progress, checkpoints and step progress written as whole floats (60.0)."""

    def progress(self, pid: str, data: Data, now: float) -> Data:
        for name in (
            "structTransferProgress",
            "fullTransferProgress",
            "incrSyncCheckpoint",
            "reverseIncrTransferCheckpoint",
        ):
            if isinstance(data[name], int):
                data[name] = float(data[name])
        return data

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        for one in steps:
            one["progress"] = float(one["progress"])
        return steps


class MalformedAsUnknown(V4Oms):
    def malformed(self, pid: str) -> Data:
        return self.unknown(pid)


class SampledStepCheckpoint(V4Oms):
    """np_osc's step list shows its incremental checkpoint as sampled 4 s ago (with the
    matching checkpointSampleTimestamp), the progress call the live one."""

    def steps(self, pid: str, steps: list[Step], now: float) -> list[Step]:
        incr = _named(steps, "INCR_TRANSFER")
        if pid == "np_osc" and incr is not None and incr["status"] == "MONITORING":
            sampled = int(now) - 4
            incr["stepInfo"] = {
                "incrTimestampCheckpoint": sampled - LAG,
                "checkpointSampleTimestamp": sampled,
                "enableIncrStatistics": None,
            }
        return steps


class CurrentStepV3Name(V4Oms):
    """currentStep in the V3-era name of the step the list names in V4 ("V3-era names and
    V4 names come in pairs")."""

    PAIRS: ClassVar[dict[str, str]] = {
        "TRANSFER_PRECHECK": "PRE_CHECK",
        "TRANSFER_INCR_LOG_PULL": "INCR_LOG_PULL",
        "FULL_TRANSFER": "FULL_MIGRATION",
        "INCR_TRANSFER": "INCR_SYNC",
    }

    def progress(self, pid: str, data: Data, now: float) -> Data:
        data["currentStep"] = self.PAIRS.get(data["currentStep"], data["currentStep"])
        return data


class MalformedAsInnerError(V4Oms):
    """A malformed ID refused in band with the one real V4 error code the guide quotes."""

    def malformed(self, pid: str) -> Data:
        return self.error("GHANA-OPERIE000000", f"illegal project id {pid[:40]}")
