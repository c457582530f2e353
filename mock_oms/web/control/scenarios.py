"""``/_mock/scenarios``: list, read, upload (YAML or JSON) and reload scenarios.

Reading a scenario (an upload, or the files again) is the longest thing the control API
does: it runs in the server's work slot, one at a time, off the event loop
(:mod:`mock_oms.web.work`), and an upload is read within :data:`UPLOAD_BUDGET`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from mock_oms.core.errors import BadRequest, LimitReached
from mock_oms.core.library import Library
from mock_oms.core.scenario import Scenario
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios.loader import MAX_FILE_BYTES, load_text
from mock_oms.scenarios.sourcemap import UPLOAD_BUDGET
from mock_oms.web.control.answers import BUSY, LIMIT, NO_SCENARIO, TOO_LARGE, errors
from mock_oms.web.control.deps import RuntimeDep, read_body
from mock_oms.web.control.models import ScenarioSummary
from mock_oms.web.runtime import Runtime
from mock_oms.web.work import off_loop

__all__ = [
    "MAX_SCENARIOS",
    "MAX_UPLOADED",
    "add_scenario",
    "get_scenario",
    "list_scenarios",
    "reload_scenarios",
    "router",
    "shown_source",
    "summarize",
]

MAX_SCENARIOS = 1000  # scenarios a server holds once uploads are counted in
MAX_UPLOADED = 32 * 1024 * 1024  # bytes of the uploaded scenarios it holds, together

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


def shown_source(source: str, roots: Sequence[Path]) -> str:
    """Where a scenario came from, as the server shows it: relative to the scenario folder
    it was found in (a file named by itself: its name), never a path of the machine."""
    if source.startswith("<"):  # "<request body>", "<memory>"
        return source
    path = Path(os.path.abspath(source))
    for root in roots:
        top = Path(os.path.abspath(root))
        if path == top:
            return path.name
        if path.is_relative_to(top):
            return path.relative_to(top).as_posix()
    return path.name


def _roots(runtime: Runtime) -> tuple[Path, ...]:
    return runtime.settings.scenarios or (scenarios_dir(),)


def summarize(scenario: Scenario, roots: Sequence[Path] = ()) -> ScenarioSummary:
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
        source=shown_source(scenario.source, roots),
        replay=scenario.replay is not None,
        plain=scenario.plain,
    )


@router.get("/_mock/scenarios")
async def list_scenarios(runtime: RuntimeDep) -> list[ScenarioSummary]:
    """The loaded scenarios (``source``: the file, relative to its scenario folder)."""
    roots = _roots(runtime)
    return [summarize(s, roots) for s in runtime.store.library]


@router.get("/_mock/scenarios/{name}", responses=errors({404: NO_SCENARIO}))
async def get_scenario(name: str, runtime: RuntimeDep) -> dict[str, Any]:
    """One scenario, as its document."""
    return runtime.store.scenario(name).document


@router.post(
    "/_mock/scenarios",
    status_code=201,
    openapi_extra={"requestBody": _SCENARIO_BODY},
    responses=errors(
        {
            400: "The body is not UTF-8 text.",
            409: LIMIT,
            413: TOO_LARGE,
            422: _INVALID,
            503: BUSY,
        }
    ),
)
async def add_scenario(request: Request, runtime: RuntimeDep) -> ScenarioSummary:
    """Load a scenario (YAML or JSON body) or replace one of the same name. A broken one is
    refused with every problem and its line; the loaded set is left as it was. At most
    16 MiB, expanding to at most 250,000 values (an alias counts as all it repeats)."""
    async with runtime.work.slot():
        raw = await read_body(request, MAX_FILE_BYTES)
        scenario = await off_loop(_read_upload, raw)
        store = runtime.store
        library = store.library
        _check_room(runtime, library, scenario.name, len(raw))
        store.replace_library(library.with_scenario(scenario))
        runtime.uploads[scenario.name] = len(raw)
    return summarize(scenario, _roots(runtime))


def _read_upload(raw: bytes) -> Scenario:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None
    return load_text(text, "<request body>", budget=UPLOAD_BUDGET)


def _check_room(runtime: Runtime, library: Library, name: str, size: int) -> None:
    """:class:`LimitReached` when the scenario would make the library hold too much."""
    if name not in library.scenarios and len(library) >= MAX_SCENARIOS:
        raise LimitReached(
            f"the server holds {len(library)} scenarios, the most it takes; replace one, or "
            "POST /_mock/reset?fresh=true to forget the uploaded ones"
        )
    held = sum(n for other, n in runtime.uploads.items() if other != name)
    if held + size > MAX_UPLOADED:
        raise LimitReached(
            f"the uploaded scenarios hold {held} bytes; this one ({size} bytes) would pass "
            f"{MAX_UPLOADED}; POST /_mock/reset?fresh=true forgets them"
        )


@router.post("/_mock/scenarios/reload", responses=errors({422: _INVALID_FILE, 503: BUSY}))
async def reload_scenarios(runtime: RuntimeDep) -> list[ScenarioSummary]:
    """Read the scenario files again. All or nothing: on any problem the server keeps
    serving what it had and answers every problem with file and line. Uploaded scenarios
    are forgotten."""
    async with runtime.work.slot():
        library = await off_loop(runtime.load_library)
        runtime.store.replace_library(library)
        runtime.uploads.clear()
    roots = _roots(runtime)
    return [summarize(s, roots) for s in runtime.store.library]
