"""The control API under ``/_mock``: health, clock, scenarios, projects and their actions.

A thin layer: it parses with pydantic, asks the store, serializes. Errors raised here
(all :class:`~mock_oms.core.errors.MockOmsError`) become envelopes in ``_errors``, through
:func:`error_response` (which also answers an action's refusal, in band).
Handlers are ``async def`` so that they run on the event loop, one at a time, never on a
worker thread beside a poll.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from mock_oms import __version__
from mock_oms.core.clock import MAX_SPEED, MAX_TIME
from mock_oms.core.engine import Event, Snapshot
from mock_oms.core.errors import (
    BadRequest,
    HttpError,
    InnerError,
    MethodNotAllowed,
    MockOmsError,
    NotFound,
    TooLarge,
)
from mock_oms.core.kinds import Kind, progress_path
from mock_oms.core.lifecycle import Action, Importance, legal_actions
from mock_oms.core.scenario import Scenario
from mock_oms.core.store import Project
from mock_oms.oms import envelope
from mock_oms.scenarios.loader import MAX_FILE_BYTES, load_text

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

log = logging.getLogger("mock_oms")

CONTROL_TAG = "mock-oms control API"


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Health(Model):
    status: str = "ok"
    version: str
    scenarios: int
    projects: int


class ClockState(Model):
    now: float = Field(description="Scenario seconds since the server started.")
    mode: str = Field(description="real, accelerated or manual.")
    speed: float = Field(description="Scenario seconds per real second; 0 when manual.")
    epoch: float = Field(description="Unix time at scenario time 0.")
    unix_now: float = Field(alias="unixNow", description="Unix time the clock shows now.")


class Advance(Model):
    seconds: float = Field(
        strict=True,  # a number: not true, nor "5"
        ge=0,
        le=MAX_TIME,
        allow_inf_nan=False,
        description=f"How far to move the clock (scenario time stays below {MAX_TIME:g} s).",
    )


class Speed(Model):
    speed: float = Field(
        strict=True,
        ge=0,
        le=MAX_SPEED,
        allow_inf_nan=False,
        description="0 stops time (manual), 1 is real time, N is N times faster.",
    )


class ScenarioSummary(Model):
    name: str
    kind: Kind
    description: str
    flags: dict[str, bool]
    statuses: list[str] = Field(description="The statuses the scenario passes, in order.")
    phases: int
    duration: float | None = Field(description="Seconds until the last phase, when all are timed.")
    projects: list[str] = Field(description="The project IDs that serve it besides its name.")
    source: str
    replay: bool = Field(description="A recording served as it was recorded.")
    plain: bool = Field(
        description="Only contract-conforming answers: no faults declared, not a replay."
    )


class NewProject(Model):
    scenario: str
    project_id: str | None = Field(
        default=None, alias="projectId", description="Default: a fresh `SCENARIO~N`."
    )


class ActionArgs(Model):
    step: str | None = Field(default=None, description="fail: the step that fails.")
    message: str | None = Field(
        default=None, max_length=1000, description="A note recorded with the event."
    )
    importance: Importance | None = Field(
        default=None, description="The alert level after the action."
    )


class EventOut(Model):
    at: float = Field(description="Seconds since the project started.")
    source: str
    action: str | None
    from_status: str = Field(alias="from")
    to_status: str = Field(alias="to")
    phase: int | None
    detail: str


class ProjectOut(Model):
    project_id: str = Field(alias="projectId")
    scenario: str
    kind: Kind
    origin: str
    path: str = Field(description="The OMS path that polls it.")
    status: str
    importance: str
    current_step: str = Field(alias="currentStep")
    struct_progress: int = Field(alias="structMigrationProgress")
    full_progress: int = Field(alias="fullMigrationProgress")
    incr_checkpoint: int = Field(alias="incrSyncCheckpoint")
    reverse_checkpoint: int = Field(alias="reverseIncrSyncCheckpoint")
    phase: int | None = Field(description="Timeline index; null when an action took it off script.")
    phase_id: str | None = Field(alias="phaseId")
    scenario_time: float = Field(alias="scenarioTime", description="Seconds since it started.")
    legal_actions: list[str] = Field(alias="legalActions")
    events: list[EventOut]
    dropped_events: int = Field(alias="droppedEvents")


# POST /_mock/scenarios reads its body itself (YAML or JSON, whatever the Content-Type)
_SCENARIO_BODY = {
    "required": True,
    "description": "One scenario, as a file would hold it: YAML or JSON.",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}},
        "application/yaml": {"schema": {"type": "string"}},
    },
}


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
        },
        statuses=[s.value for s in scenario.statuses()],
        phases=len(scenario.timeline),
        duration=scenario.duration,
        projects=list(scenario.projects),
        source=scenario.source,
        replay=scenario.replay is not None,
        plain=scenario.plain,
    )


def _event(e: Event) -> EventOut:
    return EventOut(
        at=e.at,
        source=e.source.value,
        action=e.action.value if e.action else None,
        from_status=e.before.value,
        to_status=e.after.value,
        phase=e.phase,
        detail=e.detail,
    )


def describe(project: Project, snap: Snapshot) -> ProjectOut:
    state = project.state
    kind = state.scenario.kind
    phase = state.compiled.timeline[snap.phase] if snap.phase >= 0 else None
    return ProjectOut(
        project_id=project.id,
        scenario=project.scenario,
        kind=kind,
        origin=project.origin.value,
        path=progress_path(kind, project.id),
        status=snap.status.value,
        importance=snap.importance.value,
        current_step=snap.step,
        struct_progress=snap.struct,
        full_progress=snap.full,
        incr_checkpoint=snap.incr,
        reverse_checkpoint=snap.reverse,
        phase=phase.index if phase else None,
        phase_id=phase.id if phase else None,
        scenario_time=snap.elapsed,
        legal_actions=[a.value for a in legal_actions(snap.status)],
        events=[_event(e) for e in state.events],
        dropped_events=state.dropped_events,
    )


def json_response(model: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> Response:
    """A plain JSON answer of the control API (a model, or lists and dicts of them)."""
    if isinstance(model, BaseModel):
        body = model.model_dump_json(by_alias=True).encode()
    else:
        body = envelope.encode(_plain(model))
    return Response(body, status_code=status, media_type=envelope.JSON_CONTENT_TYPE)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def build_control_app(runtime: Runtime) -> FastAPI:
    store = runtime.store
    app = FastAPI(
        title="mock-oms",
        version=__version__,
        description="A scenario-driven fake of the OceanBase Migration Service progress API, "
        "and the control API that steers it.",
        docs_url="/docs",
        redoc_url=None,
    )
    _errors(app, runtime)

    from mock_oms.web.control import faults as fault_api
    from mock_oms.web.openapi import install_openapi

    install_openapi(app)
    fault_api.install(app, runtime)

    @app.get("/_mock/health", tags=[CONTROL_TAG], response_model=Health)
    async def health() -> Response:
        """200 while the server serves. Never needs a control token."""
        return json_response(
            Health(
                version=__version__, scenarios=len(store.library), projects=len(store.projects())
            )
        )

    def clock_state() -> ClockState:
        clock = runtime.clock
        now = clock.now()
        return ClockState(
            now=now,
            mode=clock.mode.value,
            speed=clock.speed,
            epoch=store.epoch,
            unix_now=store.epoch + now,
        )

    @app.get("/_mock/clock", tags=[CONTROL_TAG], response_model=ClockState)
    async def get_clock() -> Response:
        """The scenario clock."""
        return json_response(clock_state())

    @app.post("/_mock/clock/advance", tags=[CONTROL_TAG], response_model=ClockState)
    async def advance(body: Advance) -> Response:
        """Move scenario time forward (under every clock; the only way under the manual one)."""
        store.advance(body.seconds)
        return json_response(clock_state())

    @app.post("/_mock/clock/speed", tags=[CONTROL_TAG], response_model=ClockState)
    async def set_speed(body: Speed) -> Response:
        """Change the clock's speed from now on, without a jump (0 makes it manual)."""
        store.set_speed(body.speed)
        return json_response(clock_state())

    @app.get("/_mock/scenarios", tags=[CONTROL_TAG], response_model=list[ScenarioSummary])
    async def list_scenarios() -> Response:
        """The loaded scenarios."""
        return json_response([summarize(s) for s in store.library])

    @app.get("/_mock/scenarios/{name}", tags=[CONTROL_TAG])
    async def get_scenario(name: str) -> Response:
        """One scenario, as its document."""
        return json_response(store.scenario(name).document)

    @app.post(
        "/_mock/scenarios",
        tags=[CONTROL_TAG],
        response_model=ScenarioSummary,
        status_code=201,
        openapi_extra={"requestBody": _SCENARIO_BODY},
    )
    async def add_scenario(request: Request) -> Response:
        """Load a scenario (YAML or JSON body) or replace one of the same name. A broken one
        is refused with every problem and its line; the loaded set is left as it was."""
        raw = await read_body(request)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not UTF-8 text") from None
        scenario = load_text(text, "<request body>")
        store.replace_library(store.library.with_scenario(scenario))
        return json_response(summarize(scenario), status=201)

    @app.post("/_mock/scenarios/reload", tags=[CONTROL_TAG], response_model=list[ScenarioSummary])
    async def reload_scenarios() -> Response:
        """Read the scenario files again. All or nothing: on any problem the server keeps
        serving what it had and answers every problem with file and line."""
        store.replace_library(runtime.load_library())
        return json_response([summarize(s) for s in store.library])

    @app.get("/_mock/projects", tags=[CONTROL_TAG], response_model=list[ProjectOut])
    async def list_projects() -> Response:
        """The projects started so far (a scenario's project starts at its first poll)."""
        out = []
        for project in store.projects():
            try:
                out.append(describe(*store.observe(project.id)))
            except MockOmsError:  # deleted meanwhile
                continue
        return json_response(out)

    @app.post("/_mock/projects", tags=[CONTROL_TAG], response_model=ProjectOut, status_code=201)
    async def create_project(body: NewProject) -> Response:
        """Start a new instance of a scenario now."""
        project = store.create(body.scenario, body.project_id)
        return json_response(describe(*store.observe(project.id)), status=201)

    @app.get("/_mock/projects/{project_id}", tags=[CONTROL_TAG], response_model=ProjectOut)
    async def get_project(project_id: str) -> Response:
        """Status, phase, scenario time and the events so far (does not count as a poll)."""
        return json_response(describe(*store.observe(project_id)))

    @app.delete("/_mock/projects/{project_id}", tags=[CONTROL_TAG], status_code=204)
    async def delete_project(project_id: str) -> Response:
        """Forget the project; a scenario's own ID starts afresh at its next poll."""
        store.delete(project_id)
        return Response(status_code=204)

    @app.post("/_mock/projects/{project_id}/reset", tags=[CONTROL_TAG])
    async def reset_project(project_id: str) -> Response:
        """Start the project's story again from the beginning (and its poll timeline);
        faults injected into it are cleared."""
        store.reset(project_id)
        runtime.journal.forget(project_id)
        runtime.faults.injections.clear(project_id)
        return json_response({"reset": 1})

    @app.post("/_mock/reset", tags=[CONTROL_TAG])
    async def reset_all(
        fresh: Annotated[
            bool,
            Query(
                description="As if the server had just started: forget every project, "
                "restore the scenarios and clock speed it started with, restart seeded "
                "request IDs. The clock keeps its time (it never goes back)."
            ),
        ] = False,
    ) -> Response:
        """Every project back to its start; the request journal emptied, injected faults
        cleared."""
        if fresh:
            count = len(store.projects())
            store.replace_library(runtime.startup_library)
            for project in store.projects():
                with suppress(MockOmsError):  # deleted meanwhile
                    store.delete(project.id)
            store.set_speed(runtime.settings.effective_speed)
            if runtime.settings.seed is not None:
                runtime.ids = envelope.RequestIds(runtime.settings.seed)
        else:
            count = store.reset()
        runtime.journal.clear()
        runtime.faults.injections.clear()
        return json_response({"reset": count})

    @app.post("/_mock/projects/{project_id}/actions/{action}", tags=[CONTROL_TAG])
    async def act(
        project_id: str, action: Action, args: Annotated[ActionArgs | None, Body()] = None
    ) -> Response:
        """Act on the project as an operator would. Answered in band, like OMS: HTTP 200 with
        ``success: true`` and the project in ``data``, or ``success: false`` naming the
        current status and the legal actions (nothing changes then)."""
        args = args or ActionArgs()
        try:
            project, snap = store.act(
                project_id,
                action,
                step=args.step,
                importance=args.importance,
                detail=args.message or "",
            )
        except MockOmsError as exc:
            return error_response(runtime, exc, control=False)
        document = envelope.success(_plain(describe(project, snap)), runtime.ids.next(), "0 ms")
        return json_response(document)

    from mock_oms.web.access import install_control_guard
    from mock_oms.web.control.journal import install_journal_routes

    install_journal_routes(app, runtime)
    install_control_guard(app, runtime)
    return app


async def read_body(request: Request, limit: int = MAX_FILE_BYTES) -> bytes:
    """The body of a request the handler parses itself, refused (:class:`TooLarge`) past
    ``limit`` bytes, the bound of a scenario file, before more of it is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
    return bytes(body)


def error_response(runtime: Runtime, exc: MockOmsError, *, control: bool = True) -> Response:
    """``exc`` as an envelope response (``control=False``: answered in band, as OMS does)."""
    status, body = envelope.error_body(exc, runtime.ids.next(), control=control)
    headers = (
        {"Allow": ", ".join(exc.allowed)}
        if isinstance(exc, MethodNotAllowed) and exc.allowed
        else None
    )
    return Response(
        body, status_code=status, media_type=envelope.JSON_CONTENT_TYPE, headers=headers
    )


def _allowed(app: FastAPI, request: Request) -> list[str]:
    """Every method some route accepts at the request's path (Starlette's own 405 names
    only those of the first route whose path matched)."""
    methods: set[str] = set()
    for route in app.router.routes:
        if (
            isinstance(route, Route)
            and route.methods
            and route.matches(request.scope)[0] is not Match.NONE
        ):
            methods |= route.methods
    return sorted(methods)


def _errors(app: FastAPI, runtime: Runtime) -> None:
    """Every error of the FastAPI side becomes an envelope here."""

    def reply(exc: MockOmsError) -> Response:
        return error_response(runtime, exc)

    @app.exception_handler(MockOmsError)
    async def on_mock_oms_error(request: Request, exc: MockOmsError) -> Response:
        return reply(exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return reply(NotFound(f"nothing at {request.url.path[:200]!r}"))
        if exc.status_code == 405:
            return reply(
                MethodNotAllowed(
                    f"{request.method} is not allowed on {request.url.path[:200]!r}",
                    _allowed(app, request),
                )
            )
        if exc.status_code == 400:  # a body FastAPI could not parse (say, nested too deeply)
            return reply(BadRequest(str(exc.detail)))
        return reply(HttpError(str(exc.detail), exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()[:10]
        )
        return reply(BadRequest(details or "invalid request"))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unexpected error answering %s %s", request.method, request.url.path, exc_info=exc
        )
        return reply(InnerError("unexpected error in mock-oms"))
