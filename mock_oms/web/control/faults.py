"""Faults injected at run time: ``/_mock/faults`` (every OMS request) and
``/_mock/projects/{id}/faults`` (one project).

POST injects a fault (body: ``scenario.schema.json`` ``$defs/Injection``) for the next
``count`` polls, for ``seconds`` of scenario time, or until cleared; GET lists what is
active; DELETE clears. ``/_mock/faults`` lists and clears everything, project faults
included.
"""

from __future__ import annotations

import json

from fastapi import APIRouter

from mock_oms.core.errors import BadRequest, DocumentProblems, ProjectNotFound
from mock_oms.core.kinds import Kind
from mock_oms.core.store import check_project_id
from mock_oms.faults.injections import Active, parse_injection
from mock_oms.faults.model import label
from mock_oms.web.control.answers import LIMIT, TOO_LARGE, errors
from mock_oms.web.control.deps import InjectionBody, RuntimeDep
from mock_oms.web.control.models import Cleared, FaultOut, FaultsOut
from mock_oms.web.runtime import Runtime

__all__ = [
    "clear_faults",
    "clear_project_faults",
    "describe",
    "inject_global",
    "inject_project",
    "list_faults",
    "list_project_faults",
    "router",
]

router = APIRouter(tags=["mock-oms control API"])

_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Scenario_Injection"}}
    },
}


def describe(active: Active, now: float) -> FaultOut:
    injection = active.injection
    return FaultOut(
        id=active.id,
        project_id=active.project_id,
        fault=label(injection.fault),
        spec=injection.document,
        remaining=active.remaining,
        until=active.until,
        seconds_left=None if active.until is None else max(0.0, active.until - now),
        since=active.since,
        probability=injection.probability,
        note=injection.note,
    )


def _inject(runtime: Runtime, doc: dict[str, object], project_id: str | None) -> FaultOut:
    if project_id is not None:
        check_project_id(project_id)  # an ID no poll can name would never fire
        if not runtime.store.serves(project_id):
            raise ProjectNotFound(project_id)
    try:  # a deviation may name the fields of either endpoint
        injection = parse_injection(doc, (Kind.MIGRATION, Kind.SYNC))
    except DocumentProblems as exc:
        raise BadRequest(str(exc)) from None
    now = runtime.clock.now()
    size = len(json.dumps(doc, separators=(",", ":")))
    active = runtime.faults.injections.inject(injection, project_id, now, size=size)
    return describe(active, now)


@router.get("/_mock/faults")
async def list_faults(runtime: RuntimeDep) -> FaultsOut:
    """Every injected fault still active (global and per project), the fault seed and the
    longest delay the server allows."""
    now = runtime.clock.now()
    faults = runtime.faults
    return FaultsOut(
        seed=faults.seed,
        max_delay=faults.max_delay,
        active=[describe(a, now) for a in faults.injections.active(now)],
    )


@router.post(
    "/_mock/faults",
    status_code=201,
    openapi_extra={"requestBody": _BODY},
    responses=errors({409: LIMIT, 413: TOO_LARGE}),
)
async def inject_global(body: InjectionBody, runtime: RuntimeDep) -> FaultOut:
    """Inject a fault into every OMS request (known projects or not)."""
    return _inject(runtime, body, None)


@router.delete("/_mock/faults")
async def clear_faults(runtime: RuntimeDep) -> Cleared:
    """Clear every injected fault, global and per project (scenario faults stay)."""
    return Cleared(cleared=runtime.faults.injections.clear())


@router.get("/_mock/projects/{project_id}/faults")
async def list_project_faults(project_id: str, runtime: RuntimeDep) -> list[FaultOut]:
    """The faults injected into this project and still active."""
    now = runtime.clock.now()
    return [describe(a, now) for a in runtime.faults.injections.active(now, project_id)]


@router.post(
    "/_mock/projects/{project_id}/faults",
    status_code=201,
    openapi_extra={"requestBody": _BODY},
    responses=errors(
        {
            400: "An ID no poll could name (PARAM_ERROR), or an invalid injection.",
            404: "No project is served under that ID (GHANA-PROJECT000001).",
            409: LIMIT,
            413: TOO_LARGE,
        }
    ),
)
async def inject_project(project_id: str, body: InjectionBody, runtime: RuntimeDep) -> FaultOut:
    """Inject a fault into this project's polls (the project may not have started yet)."""
    return _inject(runtime, body, project_id)


@router.delete("/_mock/projects/{project_id}/faults")
async def clear_project_faults(project_id: str, runtime: RuntimeDep) -> Cleared:
    """Clear the faults injected into this project."""
    return Cleared(cleared=runtime.faults.injections.clear(project_id))
