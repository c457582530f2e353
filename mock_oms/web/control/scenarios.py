"""``/_mock/scenarios``: list, read, upload (YAML or JSON) and reload scenarios."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mock_oms.core.errors import BadRequest
from mock_oms.core.scenario import Scenario
from mock_oms.scenarios.loader import load_text
from mock_oms.web.control.answers import NO_SCENARIO, TOO_LARGE, errors
from mock_oms.web.control.deps import RawBody, RuntimeDep
from mock_oms.web.control.models import ScenarioSummary

__all__ = [
    "add_scenario",
    "get_scenario",
    "list_scenarios",
    "reload_scenarios",
    "router",
    "summarize",
]

router = APIRouter(tags=["mock-oms control API"])

# POST /_mock/scenarios reads its body itself (YAML or JSON, whatever the Content-Type)
_SCENARIO_BODY = {
    "required": True,
    "description": "One scenario, as a file would hold it: YAML or JSON.",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}},
        "application/yaml": {"schema": {"type": "string"}},
    },
}
_INVALID = (
    "An invalid scenario (SCENARIO_INVALID): every problem with its line; the loaded set is kept."
)
_INVALID_FILE = (
    "An invalid file (SCENARIO_INVALID): every problem with its file and line; the server "
    "keeps serving what it had."
)


def summarize(scenario: Scenario) -> ScenarioSummary:
    flags = scenario.flags
    return ScenarioSummary(
        name=scenario.name,
        kind=scenario.kind,
        description=scenario.description,
        flags={
            "struct": flags.struct,
            "full": flags.full,
            "incr": flags.incr,
            "reverse": flags.reverse,
            "verify": flags.verify,
        },
        statuses=[s.value for s in scenario.statuses()],
        phases=len(scenario.timeline),
        duration=scenario.duration,
        projects=list(scenario.projects),
        source=scenario.source,
        replay=scenario.replay is not None,
        plain=scenario.plain,
    )


@router.get("/_mock/scenarios")
async def list_scenarios(runtime: RuntimeDep) -> list[ScenarioSummary]:
    """The loaded scenarios."""
    return [summarize(s) for s in runtime.store.library]


@router.get("/_mock/scenarios/{name}", responses=errors({404: NO_SCENARIO}))
async def get_scenario(name: str, runtime: RuntimeDep) -> dict[str, Any]:
    """One scenario, as its document."""
    return runtime.store.scenario(name).document


@router.post(
    "/_mock/scenarios",
    status_code=201,
    openapi_extra={"requestBody": _SCENARIO_BODY},
    responses=errors({400: "The body is not UTF-8 text.", 413: TOO_LARGE, 422: _INVALID}),
)
async def add_scenario(raw: RawBody, runtime: RuntimeDep) -> ScenarioSummary:
    """Load a scenario (YAML or JSON body) or replace one of the same name. A broken one is
    refused with every problem and its line; the loaded set is left as it was."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None
    scenario = load_text(text, "<request body>")
    store = runtime.store
    store.replace_library(store.library.with_scenario(scenario))
    return summarize(scenario)


@router.post("/_mock/scenarios/reload", responses=errors({422: _INVALID_FILE}))
async def reload_scenarios(runtime: RuntimeDep) -> list[ScenarioSummary]:
    """Read the scenario files again. All or nothing: on any problem the server keeps
    serving what it had and answers every problem with file and line."""
    runtime.store.replace_library(runtime.load_library())
    return [summarize(s) for s in runtime.store.library]
