"""The control API for faults: ``/_mock/faults`` (every OMS request) and
``/_mock/projects/{id}/faults`` (one project).

POST injects a fault (body: ``scenario.schema.json`` ``$defs/Injection``) for the next
``count`` polls, for ``seconds`` of scenario time, or until cleared; GET lists what is
active; DELETE clears. ``/_mock/faults`` lists and clears everything, project faults
included.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from mock_oms import schemas
from mock_oms.core.errors import BadRequest, DocumentProblems, ProjectNotFound
from mock_oms.core.kinds import Kind
from mock_oms.faults.injections import Active, parse_injection
from mock_oms.faults.model import label
from mock_oms.web.control import CONTROL_TAG, json_response, read_body

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Scenario_Injection"}}
    },
}


def describe(active: Active, now: float) -> dict[str, Any]:
    injection = active.injection
    return {
        "id": active.id,
        "projectId": active.project_id,
        "fault": label(injection.fault),
        "spec": injection.document,
        "remaining": active.remaining,
        "until": active.until,
        "secondsLeft": None if active.until is None else max(0.0, active.until - now),
        "since": active.since,
        "probability": injection.probability,
        "note": injection.note,
    }


async def _injection_body(request: Request) -> dict[str, Any]:
    raw = await read_body(request)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not JSON") from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    odd = [f"{'.'.join(map(str, p)) or 'body'}: {r}" for p, r in schemas.json_problems(doc)]
    if odd:  # NaN or Infinity (which Python's parser reads), or too deep to check
        raise BadRequest("; ".join(odd[:10]))
    validator = schemas.definition_validator(schemas.SCENARIO, "Injection")
    errors = [leaf for e in validator.iter_errors(doc) for leaf in schemas.leaves(e)]
    if errors:
        errors.sort(key=lambda e: list(map(str, e.absolute_path)))
        raise BadRequest(
            "; ".join(
                f"{'.'.join(map(str, e.absolute_path)) or 'body'}: {e.message}" for e in errors[:10]
            )
        )
    result: dict[str, Any] = doc
    return result


def install(app: FastAPI, runtime: Runtime) -> None:
    book = runtime.faults.injections
    chooser = runtime.faults
    store = runtime.store

    def inject(doc: dict[str, Any], project_id: str | None) -> Response:
        if project_id is not None and not store.serves(project_id):
            raise ProjectNotFound(project_id)
        try:  # a deviation may name the fields of either endpoint
            injection = parse_injection(doc, (Kind.MIGRATION, Kind.SYNC))
        except DocumentProblems as exc:
            raise BadRequest(str(exc)) from None
        now = runtime.clock.now()
        return json_response(describe(book.inject(injection, project_id, now), now), status=201)

    @app.get("/_mock/faults", tags=[CONTROL_TAG])
    async def list_faults() -> Response:
        """Every injected fault still active (global and per project), the fault seed and
        the longest delay the server allows."""
        now = runtime.clock.now()
        return json_response(
            {
                "seed": chooser.seed,
                "maxDelay": chooser.max_delay,
                "active": [describe(a, now) for a in book.active(now)],
            }
        )

    @app.post(
        "/_mock/faults", tags=[CONTROL_TAG], status_code=201, openapi_extra={"requestBody": _BODY}
    )
    async def inject_global(request: Request) -> Response:
        """Inject a fault into every OMS request (known projects or not)."""
        return inject(await _injection_body(request), None)

    @app.delete("/_mock/faults", tags=[CONTROL_TAG])
    async def clear_faults() -> Response:
        """Clear every injected fault, global and per project (scenario faults stay)."""
        return json_response({"cleared": book.clear()})

    @app.get("/_mock/projects/{project_id}/faults", tags=[CONTROL_TAG])
    async def list_project_faults(project_id: str) -> Response:
        """The faults injected into this project and still active."""
        now = runtime.clock.now()
        return json_response([describe(a, now) for a in book.active(now, project_id)])

    @app.post(
        "/_mock/projects/{project_id}/faults",
        tags=[CONTROL_TAG],
        status_code=201,
        openapi_extra={"requestBody": _BODY},
    )
    async def inject_project(project_id: str, request: Request) -> Response:
        """Inject a fault into this project's polls (the project may not have started yet)."""
        return inject(await _injection_body(request), project_id)

    @app.delete("/_mock/projects/{project_id}/faults", tags=[CONTROL_TAG])
    async def clear_project_faults(project_id: str) -> Response:
        """Clear the faults injected into this project."""
        return json_response({"cleared": book.clear(project_id)})
