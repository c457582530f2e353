"""The OMS V4 wire format (``POST /api/v2?Action=NAME``, OMS 4.1 and later): its envelope,
its in-band errors, and the ``data`` of each action in V4 names.

V4 differs from V3 in its envelope (``errorDetail``; ``code``, ``message``, ``advice`` and
the paging fields null on success; an error leaves ``advice``, paging, ``cost`` and
``data`` out) and in its names (``alarmLevel``, ``*Transfer*``, ``projectId``, the V4 step
names, nullable checkpoints). The story behind both is the same snapshot.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from mock_oms.core.engine import Snapshot
from mock_oms.core.errors import MockOmsError
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Status
from mock_oms.core.steps import Role, StepStatus, v4_name
from mock_oms.core.stepview import StepView

__all__ = [
    "ERROR_LEVEL",
    "FIELDS_FROM_V3",
    "FULL_REFS",
    "Paging",
    "error",
    "progress_body",
    "progress_data",
    "running_step",
    "step_data",
    "steps_data",
    "success",
    "utc",
]

ERROR_LEVEL = "ERROR"  # errorDetail.level (FATAL, ERROR, WARNING, CRITICAL)
# The reference throughputs a real full transfer reports (the ODC fixture's figures).
FULL_REFS = {"srcRpsRef": 4000, "srcRtRef": 1, "dstRpsRef": 4000, "dstRtRef": 1}
_ROW_BYTES = 256  # bytes per row, for the IOPS figures (bytes per second)

Paging = tuple[int, int, int]  # pageNumber, pageSize, totalCount

# V3 field paths and the V4 fields that say the same (for deviations declared in V3 names).
FIELDS_FROM_V3: dict[str, str] = {
    "data.importance": "data.alarmLevel",
    "data.structMigrationProgress": "data.structTransferProgress",
    "data.fullMigrationProgress": "data.fullTransferProgress",
    "data.reverseIncrSyncCheckpoint": "data.reverseIncrTransferCheckpoint",
    "data.enableStructMigration": "data.enableStructTransfer",
    "data.enableStructSync": "data.enableStructTransfer",
    "data.enableFullMigration": "data.enableFullTransfer",
    "data.enableFullSync": "data.enableFullTransfer",
    "data.enableReverseIncrSync": "data.enableReverseIncrTransfer",
}


def utc(seconds: float | None) -> str | None:
    """Unix seconds as V4 writes a time: ``2023-05-31T04:07:32``, UTC without a zone."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(seconds)))


def success(
    payload: Any, request_id: str, cost: str, paging: Paging | None = None
) -> dict[str, Any]:
    """A success envelope: ``code``, ``message``, ``advice`` null; paging only on lists."""
    number, size, total = paging if paging is not None else (None, None, None)
    return {
        "success": True,
        "errorDetail": None,
        "code": None,
        "message": None,
        "advice": None,
        "requestId": request_id,
        "pageNumber": number,
        "pageSize": size,
        "totalCount": total,
        "cost": cost,
        "data": payload,
    }


def error(exc: MockOmsError, request_id: str) -> dict[str, Any]:
    """An error envelope as a real V4 error comes: ``advice``, paging, ``cost`` and
    ``data`` absent (not null), the message prefixed with ``[CODE]: ``, and an
    ``errorDetail`` object (its ``proposal`` carries mock-oms's advice)."""
    return {
        "code": exc.code,
        "errorDetail": {
            "code": exc.code,
            "level": ERROR_LEVEL,
            "message": exc.message,
            "messageMcmsContext": {"message": exc.message},
            "messageMcmsKey": exc.code,
            "proposal": exc.advice,
            "requestId": request_id,
        },
        "message": f"[{exc.code}]: {exc.message}",
        "requestId": request_id,
        "success": False,
    }


def _checkpoint(enabled: bool, value: int) -> int | None:
    return value if enabled else None


def progress_data(project_id: str, kind: Kind, flags: Flags, snap: Snapshot) -> dict[str, Any]:
    """``data`` of DescribeProjectProgress: the snapshot V3 shows, in V4 names."""
    return {
        "projectId": project_id,
        "status": snap.status.value,
        "alarmLevel": snap.importance.value,
        "enableIncrSync": flags.incr,
        "currentStep": v4_name(kind, snap.step),
        "incrSyncCheckpoint": _checkpoint(flags.incr, snap.incr),
        "enableStructTransfer": flags.struct,
        "enableFullTransfer": flags.full,
        "structTransferProgress": snap.struct,
        "fullTransferProgress": snap.full,
        "enableReverseIncrTransfer": flags.reverse,
        "reverseIncrTransferCheckpoint": _checkpoint(flags.reverse, snap.reverse),
    }


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


@cache
def _progress_template(flags: Flags) -> str:
    """The DescribeProjectProgress success body as a %-template of request ID, cost,
    project ID, status, alarm level, step, checkpoint, the two figures and the reverse
    checkpoint: the same bytes as ``encode(success(progress_data(...)))`` (the tests check
    it). Project IDs, statuses and step names need no JSON escaping."""
    return (
        '{"success":true,"errorDetail":null,"code":null,"message":null,"advice":null,'
        '"requestId":"%s","pageNumber":null,"pageSize":null,"totalCount":null,"cost":"%s",'
        '"data":{"projectId":"%s","status":"%s","alarmLevel":"%s",'
        f'"enableIncrSync":{_json_bool(flags.incr)},'
        '"currentStep":"%s","incrSyncCheckpoint":%s,'
        f'"enableStructTransfer":{_json_bool(flags.struct)},'
        f'"enableFullTransfer":{_json_bool(flags.full)},'
        '"structTransferProgress":%d,"fullTransferProgress":%d,'
        f'"enableReverseIncrTransfer":{_json_bool(flags.reverse)},'
        '"reverseIncrTransferCheckpoint":%s}}'
    )


def progress_body(
    project_id: str, kind: Kind, flags: Flags, snap: Snapshot, request_id: str, cost: str
) -> bytes:
    """The encoded DescribeProjectProgress success: the hot path's body. ``snap.step``
    must be a step name (a recorded body's free text goes through :func:`progress_data`)."""
    text = _progress_template(flags) % (
        request_id,
        cost,
        project_id,
        snap.status,
        snap.importance,
        v4_name(kind, snap.step),
        snap.incr if flags.incr else "null",
        snap.struct,
        snap.full,
        snap.reverse if flags.reverse else "null",
    )
    return text.encode()


_NO_ERROR = {
    "errorDetails": None,
    "errorCode": None,
    "errorMsg": None,
    "errorParam": None,
    "failedTime": None,
}


def _extra_info(view: StepView) -> dict[str, Any]:
    if view.error is None:
        return dict(_NO_ERROR)
    code, message = view.error
    return {
        "errorDetails": None,
        "errorCode": code,
        "errorMsg": message,
        "errorParam": {},
        "failedTime": utc(view.failed),
    }


def _throughput(view: StepView) -> dict[str, Any]:
    rate = view.rate
    running = rate > 0
    return {
        "processedRecords": view.rows * view.progress // 100,
        "capacity": view.rows,
        "srcRps": rate,
        "srcRt": 1 if running else 0,
        "srcIops": rate * _ROW_BYTES,
        "dstRps": rate,
        "dstRt": 1 if running else 0,
        "dstIops": rate * _ROW_BYTES,
        **FULL_REFS,
        "srcIopsRef": FULL_REFS["srcRpsRef"] * _ROW_BYTES * 4,
    }


def _step_info(view: StepView, snap: Snapshot, now: int) -> dict[str, Any] | None:
    role = view.step.role
    if role in (Role.FULL, Role.VERIFY):
        return _throughput(view)
    if role in (Role.INCR, Role.REVERSE):
        reached = view.status is not StepStatus.INIT
        checkpoint = snap.incr if role is Role.INCR else snap.reverse
        return {
            "incrTimestampCheckpoint": checkpoint if reached else None,
            "checkpointSampleTimestamp": now if reached else None,
            "enableIncrStatistics": None,
        }
    if role is Role.SWITCH:
        return {"checkpointSampleTimestamp": now if view.status is not StepStatus.INIT else None}
    return None


def step_data(view: StepView, snap: Snapshot, now: int) -> dict[str, Any]:
    """One step of DescribeProjectSteps (``now``: Unix seconds, the sample time)."""
    return {
        "order": view.order,
        "name": view.step.name,
        "description": view.step.description,
        "status": view.status.value,
        "extraInfo": _extra_info(view),
        "startTime": utc(view.started),
        "finishTime": utc(view.finished),
        "progress": view.progress,
        "stepInfo": _step_info(view, snap, now),
    }


def steps_data(views: tuple[StepView, ...], snap: Snapshot, now: int) -> list[dict[str, Any]]:
    """``data`` of DescribeProjectSteps: the ordered step list."""
    return [step_data(view, snap, now) for view in views]


def running_step(views: tuple[StepView, ...], status: Status) -> StepView | None:
    """The step a project is busy with (the last one that started and did not finish)."""
    if status is Status.FINISHED:
        return None
    busy = [v for v in views if v.status is not StepStatus.INIT]
    return busy[-1] if busy else None
