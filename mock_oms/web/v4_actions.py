"""The actions of the V4 API: what each one does to the store and the ``data`` it answers.

Every action reads its body as its schema says (``schemas/v4-*.schema.json``,
``$defs/Request``); DescribeProjectProgress first tries a fast check that accepts only
bodies the schema accepts (``{"id": ...}``, perhaps with ``uid``), so that the poll every
client sends skips the validator. Reads (the progress, the steps, the project, the
verification result) go through faults and recordings like a V3 poll; CreateProject,
ListProjects and the lifecycle actions never carry a fault (a fault would leave a client
unsure whether the action happened).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any, NamedTuple

from mock_oms import schemas
from mock_oms.core import stepview
from mock_oms.core.engine import Snapshot
from mock_oms.core.errors import (
    Conflict,
    InjectedError,
    MockOmsError,
    NotFound,
    ParamError,
)
from mock_oms.core.lifecycle import Action, Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.core.store import INSTANCE_SEPARATOR, Project, check_project_id
from mock_oms.faults.malform import OUT_OF_RANGE
from mock_oms.faults.model import Change, Deviation
from mock_oms.journal.exposure import step_statuses
from mock_oms.oms import envelope, v4
from mock_oms.oms.v4_projects import project_data, project_type, verify_result
from mock_oms.web import delivery

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime

__all__ = [
    "ACTIONS",
    "LABEL_PREFIX",
    "READS",
    "Done",
    "Handler",
    "ReadDialect",
    "choose_scenario",
    "create_project",
    "describe_progress",
    "describe_project",
    "describe_steps",
    "list_projects",
    "progress_id",
    "progress_of",
    "request_problem",
    "verify_results",
]

LABEL_PREFIX = "scenario:"  # a CreateProject label naming the scenario to play


class Done(NamedTuple):
    """What an action answers (before the wire): status, body, the project it named, the
    fault it carries and its plan, the status a progress poll showed, and whether it counts
    in the project's poll statistics (the progress call does, other calls do not); the
    alert level and step statuses a plain read showed (for the journal, which then need
    not read the body)."""

    status: int
    body: bytes
    project_id: str | None = None
    fault: str | None = None
    plan: delivery.Plan | None = None
    shown: Status | None = None
    poll: bool = False
    level: Importance | None = None
    steps: tuple[StepStatus, ...] | None = None


Handler = Callable[["Runtime", dict[str, Any], float], Done]


def _cost(began: float) -> str:
    return envelope.cost_text(perf_counter() - began)


def request_problem(action: str, document: Any) -> str | None:
    """Why ``document`` is not a body ``action`` takes (its schema's $defs/Request)."""
    validator = schemas.definition_validator(schemas.V4_ACTIONS[action], "Request")
    found = [leaf for e in validator.iter_errors(document) for leaf in schemas.leaves(e)]
    if not found:
        return None
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    first = found[0]
    where = first.json_path.removeprefix("$.").removeprefix("$") or "the body"
    return f"{where}: {first.message}"


def _body(action: str, document: dict[str, Any]) -> dict[str, Any]:
    problem = request_problem(action, document)
    if problem is not None:
        raise ParamError(f"{action}: {problem}")
    return document


def _id(action: str, document: dict[str, Any], key: str = "id") -> str:
    """The project ID of a body: the fast check first (what the schema accepts), the
    schema's own message otherwise."""
    value = document.get(key)
    uid = document.get("uid")
    if isinstance(value, str) and (uid is None or isinstance(uid, str)):
        try:
            return check_project_id(value)
        except ParamError:
            pass
    _body(action, document)  # the schema's message (its pattern is check_project_id's)
    raise ParamError(f"{action}: {key} is not a project ID")


def _success(runtime: Runtime, data: Any, began: float, paging: v4.Paging | None = None) -> bytes:
    return envelope.encode(v4.success(data, runtime.ids.next(), _cost(began), paging))


@dataclass(frozen=True)
class ReadDialect:
    """How a V4 read is written when it goes through faults or a recording: the same
    envelope, ``build`` making its data from a snapshot."""

    runtime: Runtime
    build: Callable[[Snapshot], Any]
    paging: v4.Paging | None = None
    progress: bool = False  # deviations in V3 names apply to the progress call's data

    def success(self, snap: Snapshot, began: float) -> Any:
        return v4.success(self.build(snap), self.runtime.ids.next(), _cost(began), self.paging)

    def error(self, exc: MockOmsError, began: float) -> Any:
        return v4.error(exc, self.runtime.ids.next())

    def recorded(self, document: Any, snap: Snapshot, began: float) -> Any:
        """A recorded V3 body in V4: its snapshot in V4 names, its error as a V4 error."""
        if not isinstance(document, dict):
            return document
        if document.get("success") is True:
            return self.success(snap, began)
        if document.get("success") is False:
            code = str(document.get("code") or "INNER_ERROR")
            message = str(document.get("message") or "")
            message = message.removeprefix(f"[{code}]: ")
            return self.error(InjectedError(code, message, 200), began)
        return document

    def deviation(self, fault: Deviation) -> Deviation | None:
        field = fault.field
        if not field.startswith("data."):
            return fault
        if not self.progress:
            return None
        renamed = v4.FIELDS_FROM_V3.get(field, field)
        if fault.change is Change.OUT_OF_RANGE:
            return Deviation(renamed, Change.VALUE, OUT_OF_RANGE.get(field, -1))
        return Deviation(renamed, fault.change, fault.value)


def _read(
    runtime: Runtime,
    project: Project,
    snap: Snapshot,
    began: float,
    build: Callable[[Snapshot], Any],
    paging: v4.Paging | None = None,
    progress: bool = False,
    shows: Done | None = None,
) -> Done:
    """A read's reply: plainly, or through the project's faults and recording. ``shows``:
    what a plain reply shows (its ``shown``, ``level`` and ``steps``)."""
    if project.state.scenario.plain and not runtime.faults.injections.armed:
        done = Done(200, _success(runtime, build(snap), began, paging), project.id)
        if shows is not None:
            done = done._replace(shown=shows.shown, level=shows.level, steps=shows.steps)
        return done
    dialect = ReadDialect(runtime, build, paging, progress)
    shaped = delivery.shape_poll(runtime, project, snap, project.kind, began, dialect)
    return Done(shaped.status, shaped.body, project.id, shaped.fault, shaped.plan)


def progress_id(document: dict[str, Any]) -> str:
    """The project a DescribeProjectProgress body names (what the schema accepts)."""
    return _id("DescribeProjectProgress", document)


def progress_of(runtime: Runtime, project_id: str, began: float) -> Done:
    """DescribeProjectProgress of ``project_id``: the hot path (a template, as V3's)."""
    project, snap = runtime.store.poll(project_id, None)
    scenario = project.state.scenario
    kind = scenario.kind
    if scenario.plain and not runtime.faults.injections.armed:
        body = v4.progress_body(
            project_id, kind, scenario.flags, snap, runtime.ids.next(), _cost(began)
        )
        return Done(200, body, project_id, shown=snap.status, poll=True, level=snap.importance)

    def build(shown: Snapshot) -> Any:
        return v4.progress_data(project_id, kind, scenario.flags, shown)

    done = _read(runtime, project, snap, began, build, progress=True)
    return done._replace(poll=True)


def describe_progress(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    return progress_of(runtime, progress_id(document), began)


def _look(
    runtime: Runtime, project_id: str
) -> tuple[Project, Snapshot, tuple[stepview.StepView, ...]]:
    """A project read (started at this first call, if a scenario's), with its step list."""
    project, state, snap = runtime.store.read(project_id)
    return project, snap, stepview.steps_at(state, snap)


def _now(project: Project, snap: Snapshot) -> int:
    return int(project.state.base + snap.elapsed)


def describe_steps(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    project, snap, views = _look(runtime, _id("DescribeProjectSteps", document))
    now = _now(project, snap)
    shows = Done(0, b"", steps=step_statuses(v.status for v in views))
    return _read(
        runtime, project, snap, began, lambda _: v4.steps_data(views, snap, now), shows=shows
    )


def describe_project(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    project, snap, views = _look(runtime, _id("DescribeProject", document))
    now = _now(project, snap)
    shows = Done(
        0,
        b"",
        shown=snap.status,
        level=snap.importance,
        steps=step_statuses(v.status for v in views),
    )
    return _read(
        runtime,
        project,
        snap,
        began,
        lambda _: project_data(project, snap, views, now),
        shows=shows,
    )


def _verify_id(document: dict[str, Any]) -> str:
    _body("ListProjectFullVerifyResult", document)
    return check_project_id(document["projectId"])


def verify_results(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    project, snap, views = _look(runtime, _verify_id(document))
    data = verify_result(project, views)
    number = document.get("pageNumber") or 1
    size = document.get("pageSize") or 10
    tables = data["fullVerifyTableStatistics"]
    page = {**data, "fullVerifyTableStatistics": tables[(number - 1) * size : number * size]}
    return _read(runtime, project, snap, began, lambda _: page, (number, size, len(tables)))


def _statuses(value: Any) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def list_projects(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    query = _body("ListProjects", document)
    key = (query.get("searchKey") or "").lower()
    kind = query.get("type")
    statuses = _statuses(query.get("status"))
    store = runtime.store
    rows: list[tuple[float, int, dict[str, Any]]] = []
    for n, listed in enumerate(store.projects()):
        try:
            project, state, snap = store.read(listed.id, create=False)
        except MockOmsError:  # deleted meanwhile
            continue
        name = project.name or project.id
        if key and key not in name.lower() and key not in project.id.lower():
            continue
        if kind is not None and kind != project_type(project):
            continue
        if statuses is not None and snap.status.value not in statuses:
            continue
        views = stepview.steps_at(state, snap)
        item = project_data(project, snap, views, _now(project, snap))
        modified = state.events[-1].at if state.events else 0.0
        rows.append(
            (state.base + (modified if query.get("sortField") == "gmtModified" else 0), n, item)
        )
    rows.sort(key=lambda row: (row[0], row[1]), reverse=query.get("order") != "asc")
    number = query.get("pageNumber") or 1
    size = query.get("pageSize") or 10
    page = [item for _, _, item in rows[(number - 1) * size : number * size]]
    return Done(200, _success(runtime, page, began, (number, size, len(rows))))


def choose_scenario(runtime: Runtime, name: str | None, labels: list[str]) -> str:
    """The scenario a created project plays: a label ``scenario:NAME`` (or a label that is
    a scenario's name), else a project name that is a scenario's name (or ``NAME~...``),
    else the default (``--v4-scenario``)."""
    library = runtime.store.library
    for label in labels:
        wanted = label.removeprefix(LABEL_PREFIX)
        if wanted in library.scenarios:
            return wanted
        if label.startswith(LABEL_PREFIX):
            raise ParamError(f"label {label!r} names no scenario mock-oms serves")
    if name:
        head = name.partition(INSTANCE_SEPARATOR)[0]
        if head in library.scenarios:
            return head
    default = runtime.settings.v4_scenario
    if default not in library.scenarios:
        raise ParamError(
            f"the project names no scenario and the default one, {default!r}, is not loaded",
            advice="Name a scenario (the project name, or a label scenario:NAME), or start "
            "mock-oms with --v4-scenario NAME.",
        )
    return default


def create_project(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
    request = _body("CreateProject", document)
    name = request.get("name")
    scenario = choose_scenario(runtime, name, list(request.get("labelIds") or ()))
    if runtime.store.library.scenarios[scenario].replay is not None:
        raise ParamError(
            f"scenario {scenario!r} replays a recording, which cannot be created and started; "
            f"poll it as {scenario!r}"
        )
    store = runtime.store
    project_id = request.get("id")
    if project_id is None:
        project_id = "np_" + runtime.ids.next().replace("-", "")[:12]
        while store.serves(project_id):
            project_id = "np_" + runtime.ids.next().replace("-", "")[:12]
    try:
        store.create(scenario, project_id, hold=True, name=name or project_id)
    except (Conflict, NotFound) as exc:
        raise ParamError(exc.message) from None
    return Done(200, _success(runtime, project_id, began), project_id)


def _lifecycle(name: str, action: Action) -> Handler:
    def act(runtime: Runtime, document: dict[str, Any], began: float) -> Done:
        project_id = _id(name, document)
        runtime.store.act(project_id, action)
        return Done(200, _success(runtime, None, began), project_id)

    act.__name__ = name
    return act


ACTIONS: dict[str, Handler] = {
    "DescribeProjectProgress": describe_progress,
    "DescribeProjectSteps": describe_steps,
    "DescribeProject": describe_project,
    "ListProjects": list_projects,
    "CreateProject": create_project,
    "StartProject": _lifecycle("StartProject", Action.START),
    "StopProject": _lifecycle("StopProject", Action.STOP),
    "ResumeProject": _lifecycle("ResumeProject", Action.RESUME),
    "ReleaseProject": _lifecycle("ReleaseProject", Action.RELEASE),
    "DeleteProject": _lifecycle("DeleteProject", Action.DELETE),
    "ListProjectFullVerifyResult": verify_results,
}
# The reads, which faults and recordings reach like V3 polls.
READS = frozenset(
    {
        "DescribeProjectProgress",
        "DescribeProjectSteps",
        "DescribeProject",
        "ListProjectFullVerifyResult",
    }
)
