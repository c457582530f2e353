"""``/_mock/projects``: the projects a server holds, their actions and resets; and
``/_mock/reset`` for all of them.

The listing is paged (``limit``, and a ``cursor`` the previous page's ``Link: <...>;
rel="next"`` header carries) and summarised unless ``full=true``: a page costs the same
whether the server holds ten projects or a hundred thousand."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import TypeAdapter

from mock_oms.core import schedule, stepview
from mock_oms.core.engine import Event, Snapshot
from mock_oms.core.errors import BadRequest, MockOmsError, ProjectNotFound
from mock_oms.core.kinds import progress_path
from mock_oms.core.lifecycle import Action, legal_actions
from mock_oms.core.store import Project
from mock_oms.journal.polls import Moment
from mock_oms.oms import envelope
from mock_oms.web import writer
from mock_oms.web.control.answers import NO_PROJECT, NO_SCENARIO, errors
from mock_oms.web.control.deps import RuntimeDep
from mock_oms.web.control.models import (
    ActionArgs,
    ActionEnvelope,
    EventOut,
    MomentOut,
    NewProject,
    PhaseOut,
    ProjectOut,
    ProjectSteps,
    ProjectSummary,
    ResetOut,
    SpanOut,
    StepOut,
    TimelineOut,
)
from mock_oms.web.runtime import Runtime
from mock_oms.web.work import off_loop

__all__ = [
    "DEFAULT_PAGE",
    "MAX_PAGE",
    "Seen",
    "act",
    "create_project",
    "delete_project",
    "describe",
    "get_project",
    "list_projects",
    "reset_all",
    "reset_project",
    "router",
    "summary",
    "timeline",
]

DEFAULT_PAGE = 100
MAX_PAGE = 1000

router = APIRouter(tags=["mock-oms control API"])


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


def _steps(project: Project, snap: Snapshot) -> list[StepOut]:
    return [
        StepOut(
            order=view.order,
            name=view.step.name,
            v3_name=view.step.v3[0],
            description=view.step.description,
            status=view.status.value,
            progress=view.progress,
            start_time=view.started,
            finish_time=view.finished,
            error_code=view.error[0] if view.error else None,
            error_message=view.error[1] if view.error else None,
        )
        for view in stepview.steps_at(project.state, snap)
    ]


Seen = tuple[int, Moment | None]  # how many polls named a project, and the last one
_NEVER: Seen = (0, None)


def summary(project: Project, snap: Snapshot, seen: Seen = _NEVER) -> ProjectSummary:
    return ProjectSummary.model_validate(_fields(project, snap, seen))


def describe(project: Project, snap: Snapshot, seen: Seen = _NEVER) -> ProjectOut:
    state = project.state
    return ProjectOut.model_validate(
        {
            **_fields(project, snap, seen),
            "events": [_event(e) for e in state.events],
            "dropped_events": state.dropped_events,
            "steps": _steps(project, snap),
        }
    )


def _fields(project: Project, snap: Snapshot, seen: Seen) -> dict[str, Any]:
    state = project.state
    count, last = seen
    kind = state.scenario.kind
    phase = state.compiled.timeline[snap.phase] if snap.phase >= 0 else None
    return {
        "project_id": project.id,
        "scenario": project.scenario,
        "kind": kind,
        "origin": project.origin.value,
        "path": progress_path(kind, project.id),
        "status": snap.status.value,
        "importance": snap.importance.value,
        "current_step": snap.step,
        "struct_progress": snap.struct,
        "full_progress": snap.full,
        "incr_checkpoint": snap.incr,
        "reverse_checkpoint": snap.reverse,
        "phase": phase.index if phase else None,
        "phase_id": phase.id if phase else None,
        "scenario_time": snap.elapsed,
        "legal_actions": [a.value for a in legal_actions(snap.status)],
        "polls": count,
        "last_poll": None
        if last is None
        else MomentOut(time=last.time, scenario_time=last.scenario_time),
    }


def _seen(runtime: Runtime, project_id: str) -> Seen:
    return runtime.journal.poll_counts((project_id,)).get(project_id, _NEVER)


def _described(runtime: Runtime, project: Project, snap: Snapshot) -> ProjectOut:
    return describe(project, snap, _seen(runtime, project.id))


_NEXT = {
    "Link": {
        "description": '`<...>; rel="next"`: the next page, when there is one.',
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "How many projects the server holds.",
        "schema": {"type": "integer"},
    },
}


_SUMMARIES = TypeAdapter(list[ProjectSummary])
_WITH_STEPS = TypeAdapter(list[ProjectSteps])
_FULL = TypeAdapter(list[ProjectOut])


def _page(runtime: Runtime, projects: list[Project], full: bool, steps: bool) -> bytes:
    """The JSON of a page: each project observed now (one gone meanwhile is left out)."""
    store = runtime.store
    seen = runtime.journal.poll_counts(p.id for p in projects)
    found: list[Any] = []
    for listed in projects:
        try:
            project, snap = store.observe(listed.id)
        except MockOmsError:  # deleted meanwhile
            continue
        polls = seen.get(project.id, _NEVER)
        if full:
            found.append(describe(project, snap, polls))
        elif steps:
            fields = {**_fields(project, snap, polls), "steps": _steps(project, snap)}
            found.append(ProjectSteps.model_validate(fields))
        else:
            found.append(summary(project, snap, polls))
    adapter = _FULL if full else _WITH_STEPS if steps else _SUMMARIES
    return adapter.dump_json(found, by_alias=True)


@router.get(
    "/_mock/projects",
    response_model=None,
    responses={
        200: {"model": list[ProjectSummary | ProjectSteps | ProjectOut], "headers": _NEXT},
        **errors({400: "A cursor no page gave."}),
    },
)
async def list_projects(
    request: Request,
    runtime: RuntimeDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="At most this many projects.")
    ] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None,
        Query(max_length=20, description='From the previous page\'s `Link: <...>; rel="next"`.'),
    ] = None,
    full: Annotated[
        bool, Query(description="Each project with its events, as GET /_mock/projects/{id}.")
    ] = False,
    steps: Annotated[
        bool,
        Query(description="Each project with its V4 step list but not its events (unless full)."),
    ] = False,
) -> writer.Answer:
    """The projects started so far (a scenario's project starts at its first poll), in the
    order they started, a page at a time; summarised (no events) unless ``full``; with
    ``steps``, each summary carries its V4 step list.

    A page of up to 1,000 projects is observed and written in a thread, beside the polls
    rather than ahead of them (the models validate what is written, as everywhere)."""
    if cursor is not None and not cursor.isdigit():
        raise BadRequest("cursor must be the one a previous page's Link header gave")
    store = runtime.store
    page = store.page(int(cursor) if cursor else 0, limit)
    body = await off_loop(_page, runtime, page.projects, full, steps)
    headers = {"x-total-count": str(page.total)}
    if page.after is not None:
        query = f"limit={limit}&cursor={page.after}"
        query += ("&full=true" if full else "") + ("&steps=true" if steps and not full else "")
        headers["link"] = f'<{request.url.path}?{query}>; rel="next"'
    return writer.Answer(body, headers=headers)


@router.post(
    "/_mock/projects",
    status_code=201,
    responses=errors(
        {404: NO_SCENARIO, 409: "The project ID exists, or belongs to another scenario (CONFLICT)."}
    ),
)
async def create_project(body: NewProject, runtime: RuntimeDep) -> ProjectOut:
    """Start a new instance of a scenario now."""
    project = runtime.store.create(body.scenario, body.project_id)
    return _described(runtime, *runtime.store.observe(project.id))


@router.get("/_mock/projects/{project_id}", responses=errors({404: NO_PROJECT}))
async def get_project(project_id: str, runtime: RuntimeDep) -> ProjectOut:
    """Status, phase, scenario time and the events so far (does not count as a poll)."""
    return _described(runtime, *runtime.store.observe(project_id))


@router.get("/_mock/projects/{project_id}/timeline", responses=errors({404: NO_PROJECT}))
async def timeline(project_id: str, runtime: RuntimeDep) -> TimelineOut:
    """The project's story on its own time axis (seconds since it started): the phases
    it played and when, those due if nobody acts, where the clock is, the status changes.
    Place its polls on the same axis from ``GET /_mock/requests?project=ID``. Does not count
    as a poll."""
    project, state, snap = runtime.store.read(project_id, create=False)
    timeline = state.scenario.timeline
    now = state.t0 + snap.elapsed
    return TimelineOut(
        project_id=project.id,
        scenario=project.scenario,
        status=snap.status.value,
        phase=snap.phase if snap.phase >= 0 else None,
        scenario_time=snap.elapsed,
        started=state.t0,
        phases=[
            PhaseOut(
                index=p.index,
                id=p.id,
                status=p.status.value,
                current_step=p.step,
                importance=p.importance.value,
                seconds=p.seconds,
                polls=p.polls,
                note=p.note,
            )
            for p in timeline
        ],
        spans=[
            SpanOut(phase=s.phase, start=s.start, end=s.end, planned=s.planned)
            for s in schedule.spans(state, now)
        ],
        events=[_event(e) for e in state.events],
    )


@router.delete(
    "/_mock/projects/{project_id}",
    status_code=204,
    response_class=Response,
    responses=errors({404: NO_PROJECT}),
)
async def delete_project(project_id: str, runtime: RuntimeDep) -> None:
    """Forget the project; a scenario's own ID starts afresh at its next poll."""
    runtime.store.delete(project_id)


@router.post("/_mock/projects/{project_id}/reset", responses=errors({404: NO_PROJECT}))
async def reset_project(project_id: str, runtime: RuntimeDep) -> ResetOut:
    """Start the project's story again from the beginning (and its poll timeline); faults
    injected into it are cleared."""
    runtime.store.reset(project_id)
    runtime.journal.forget(project_id)
    runtime.faults.injections.clear(project_id)
    return ResetOut(reset=1)


@router.post("/_mock/reset")
async def reset_all(
    runtime: RuntimeDep,
    fresh: Annotated[
        bool,
        Query(
            description="As if the server had just started: forget every project, restore "
            "the scenarios and clock speed it started with, restart seeded request IDs. The "
            "clock keeps its time (it never goes back)."
        ),
    ] = False,
) -> ResetOut:
    """Every project back to its start; the request journal emptied, injected faults
    cleared."""
    store = runtime.store
    if fresh:
        count = len(store)
        store.replace_library(runtime.startup_library)
        for project in store.projects():
            with suppress(MockOmsError):  # deleted meanwhile
                store.delete(project.id)
        store.set_speed(runtime.settings.effective_speed)
        runtime.ids.restart()
        runtime.uploads.clear()
    else:
        count = store.reset()
    runtime.journal.clear()
    runtime.faults.injections.clear()
    return ResetOut(reset=count)


@router.post("/_mock/projects/{project_id}/actions/{action}", responses=errors({404: NO_PROJECT}))
async def act(
    project_id: str,
    action: Action,
    runtime: RuntimeDep,
    args: Annotated[ActionArgs | None, Body()] = None,
) -> ActionEnvelope:
    """Act on the project as an operator would. Answered in band, like OMS: HTTP 200 with
    ``success: true`` and the project in ``data``, or ``success: false`` naming the current
    status and the legal actions (nothing changes then). An unknown project is a 404, as on
    every control route."""
    args = args or ActionArgs()
    store = runtime.store
    if not store.serves(project_id):
        raise ProjectNotFound(project_id)
    try:
        project, snap = store.act(
            project_id,
            action,
            step=args.step,
            importance=args.importance,
            detail=args.message or "",
        )
    except ProjectNotFound:  # deleted meanwhile
        raise
    except MockOmsError as exc:  # refused in band, as OMS refuses
        return ActionEnvelope.model_validate(envelope.error(exc, runtime.ids.next(), "0 ms"))
    document = envelope.success(
        _described(runtime, project, snap).to_json(), runtime.ids.next(), "0 ms"
    )
    return ActionEnvelope.model_validate(document)
