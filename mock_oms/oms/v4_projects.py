"""The V4 project object (``data`` of DescribeProject, each item of ListProjects) and the
full verification result (ListProjectFullVerifyResult), from the same snapshot and step
list as the progress and step calls."""

from __future__ import annotations

from typing import Any

from mock_oms.core.engine import Snapshot
from mock_oms.core.lifecycle import Status
from mock_oms.core.steps import Role, StepStatus
from mock_oms.core.stepview import StepView
from mock_oms.core.store import Project
from mock_oms.oms.v4 import running_step, steps_data, utc

__all__ = ["OWNER", "SCHEMA", "TABLE", "project_data", "project_type", "verify_result"]

OWNER = "mock-oms"
SCHEMA = "mock_oms"  # the schema and table a verification result names
TABLE = "t1"


def project_type(project: Project) -> str:
    return project.kind.value.upper()


def _event_time(project: Project, status: Status) -> float | None:
    state = project.state
    times = [e.at for e in state.events if e.after is status]
    return state.base + times[-1] if times else None


def project_data(
    project: Project, snap: Snapshot, views: tuple[StepView, ...], now: int
) -> dict[str, Any]:
    """A project as DescribeProject and ListProjects show it (``now``: Unix seconds)."""
    state = project.state
    flags = state.scenario.flags
    events = state.events
    modified = state.base + events[-1].at if events else state.base
    started = views[0].started if views else None
    running = running_step(views, snap.status)
    incr = next((v for v in views if v.step.role is Role.INCR), None)
    delay = max(0, now - snap.incr) if incr is not None and snap.incr > 0 else None
    alarming = snap.status is Status.FAILED or any(v.status is StepStatus.FAILED for v in views)
    return {
        "id": project.id,
        "name": project.name or project.id,
        "type": project_type(project),
        "workerGradeId": None,
        "labels": [],
        "owner": OWNER,
        "importance": snap.importance.value,
        "status": snap.status.value,
        "gmtCreate": utc(state.base),
        "gmtModified": utc(modified),
        "gmtStart": utc(started),
        "gmtFinish": utc(_event_time(project, Status.FINISHED)),
        "isMerging": False,
        "isModifying": False,
        "isSubProject": False,
        "sourceEndpointType": None,
        "sinkEndpointType": None,
        "transferMapping": None,
        "commonTransferConfig": None,
        "enableStructTransfer": flags.struct,
        "structTransferConfig": None,
        "enableFullTransfer": flags.full,
        "enableFullVerify": flags.verify,
        "fullTransferConfig": None,
        "enableIncrTransfer": flags.incr,
        "enableIncrVerify": False,
        "enableReverseIncrTransfer": flags.reverse,
        "incrTransferConfig": None,
        "sourceConnectInfo": None,
        "sinkConnectInfo": None,
        "steps": steps_data(views, snap, now),
        "extraInfo": {
            "runningStep": None if running is None else running.step.name,
            "runningProgress": None if running is None else running.progress,
            "monitoringIncr": incr is not None and incr.status is StepStatus.MONITORING,
            "syncDelay": delay,
            "syncDelaySampleTimestamp": now if delay is not None else None,
            "incrSyncTimestamp": snap.incr if incr is not None else None,
        },
        "alarmStats": {
            "target": None,
            "alarming": alarming,
            "recentlyTriggerCount": None,
            "ruleToRecentlyTriggerCount": None,
            "alarmContent": None,
            "openMonitor": None,
        },
    }


def verify_result(project: Project, views: tuple[StepView, ...]) -> dict[str, Any]:
    """``data`` of ListProjectFullVerifyResult: what verification has compared so far
    (nothing before it starts; no table at all for a project without verification)."""
    verifier = next((v for v in views if v.step.role is Role.VERIFY), None)
    if verifier is None or verifier.status is StepStatus.INIT:
        return {"differentNumber": 0, "fullVerifyTableStatistics": []}
    scenario = project.state.scenario
    done = verifier.progress
    compared = scenario.rows * done // 100
    different = min(compared, scenario.verification.differences * done // 100)
    consistent = different == 0
    finished = done >= 100
    table = {
        "sourceTableName": TABLE,
        "sourceSchemaName": SCHEMA,
        "destSchemaName": SCHEMA,
        "sourceOnlyCount": 0,
        "destOnlyCount": 0,
        "mismatchedCount": different,
        "consistentCount": compared - different,
        "progress": f"{done}%",
        "message": "",
        "status": "FINISHED" if finished else "RUNNING",
        "resultType": ("CONSISTENT" if consistent else "INCONSISTENT") if finished else "RUNNING",
        "resultDesc": ("一致" if consistent else "不一致") if finished else "校验中",
        "errorDetails": [],
    }
    return {"differentNumber": different, "fullVerifyTableStatistics": [table]}
