"""The bodies of the control API, as pydantic models: what the routes parse and return, what
the OpenAPI document shows, and what :class:`mock_oms.client.ControlClient` hands back.

Field names are Python's; the JSON names (``projectId``, ``scenarioTime``) are aliases, and
every model also reads like the JSON it came from: ``clock["unixNow"]`` is ``clock.unix_now``.
No FastAPI here, so the client can import the models without the web stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mock_oms.core.clock import MAX_SPEED, MAX_TIME
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Importance

__all__ = [
    "ActionArgs",
    "ActionEnvelope",
    "ActionStep",
    "Advance",
    "Cleared",
    "ClockState",
    "CoverageElement",
    "CoverageOut",
    "CoverageTally",
    "EntryOut",
    "EventOut",
    "EvictionOut",
    "FaultOut",
    "FaultsOut",
    "Health",
    "HintOut",
    "IndexOut",
    "IntervalsByClock",
    "IntervalsOut",
    "MarkOut",
    "Model",
    "MomentOut",
    "NewProject",
    "PhaseOut",
    "PollsOut",
    "ProjectOut",
    "ProjectSteps",
    "ProjectSummary",
    "RequestsOut",
    "ResetOut",
    "RouteOut",
    "RunOut",
    "ScenarioSummary",
    "SeenOut",
    "SightingOut",
    "SpanOut",
    "Speed",
    "StepOut",
    "TimelineOut",
]


class Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    def __getitem__(self, key: str) -> Any:
        """The value of a field by its JSON name (or its Python name)."""
        name = _field_by_alias(type(self)).get(key, key)
        if name not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __eq__(self, other: object) -> bool:
        """Equal to a model of the same values, or to the JSON it reads like."""
        if isinstance(other, Mapping):
            return self.to_json() == dict(other)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def to_json(self) -> dict[str, Any]:
        """The body as the server sent it (JSON names)."""
        return self.model_dump(mode="json", by_alias=True)


def _field_by_alias(model: type[BaseModel]) -> dict[str, str]:
    return {f.alias: name for name, f in model.model_fields.items() if f.alias}


# -- health and clock ------------------------------------------------------------------------


class Health(Model):
    status: str = "ok"
    version: str
    scenarios: int
    projects: int


class RouteOut(Model):
    method: str
    path: str
    summary: str


class IndexOut(Model):
    service: str = "mock-oms"
    version: str
    docs: str = Field(description="The interactive documentation (Swagger UI), offline.")
    openapi: str = Field(description="The OpenAPI document of both APIs.")
    routes: list[RouteOut] = Field(description="Every control route, in the order they match.")


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


# -- scenarios -------------------------------------------------------------------------------


class ScenarioSummary(Model):
    name: str
    kind: Kind
    description: str
    flags: dict[str, bool]
    statuses: list[str] = Field(description="The statuses the scenario passes, in order.")
    phases: int
    duration: float | None = Field(description="Seconds until the last phase, when all are timed.")
    projects: list[str] = Field(description="The project IDs that serve it besides its name.")
    source: str = Field(
        description="Its file, relative to the scenario folder it was found in; "
        "`<request body>` when it was uploaded."
    )
    replay: bool = Field(description="A recording served as it was recorded.")
    plain: bool = Field(
        description="Only contract-conforming answers: no faults declared, not a replay."
    )


# -- projects --------------------------------------------------------------------------------


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


class StepOut(Model):
    """One step of the project's V4 step list (what DescribeProjectSteps shows)."""

    order: int
    name: str = Field(description="The V4 step name (TRANSFER_PRECHECK, FULL_TRANSFER, ...).")
    v3_name: str = Field(alias="v3Name", description="The V3 currentStep it pairs with.")
    description: str
    status: str = Field(description="INIT, RUNNING, FAILED, FINISHED, SUSPEND or MONITORING.")
    progress: int
    start_time: float | None = Field(alias="startTime", description="Unix seconds.")
    finish_time: float | None = Field(alias="finishTime", description="Unix seconds.")
    error_code: str | None = Field(alias="errorCode", description="When FAILED.")
    error_message: str | None = Field(alias="errorMessage", description="When FAILED.")


class ProjectSummary(Model):
    """A project as ``GET /_mock/projects`` lists it: :class:`ProjectOut` without its
    events."""

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
    polls: int = Field(
        default=0, description="OMS requests that named it, however answered (as its polls)."
    )
    last_poll: MomentOut | None = Field(
        default=None, alias="lastPoll", description="When the last of them came."
    )


class ProjectSteps(ProjectSummary):
    """A project as ``GET /_mock/projects?steps=true`` lists it: with its V4 step list, not
    its events (what the dashboard's table shows)."""

    steps: list[StepOut] = Field(description="The V4 step list, in run order (docs/v4.md).")


class ProjectOut(ProjectSummary):
    """A project with the events so far."""

    events: list[EventOut]
    dropped_events: int = Field(alias="droppedEvents")
    steps: list[StepOut] = Field(
        default_factory=list, description="The V4 step list, in run order (docs/v4.md)."
    )


class ActionEnvelope(Model):
    """An action's answer, in band as OMS answers: the project on success, an error (the
    current status and the legal actions in ``message``) otherwise."""

    success: bool
    code: str
    message: str
    advice: str
    request_id: str = Field(alias="requestId")
    page_number: int | None = Field(alias="pageNumber")
    page_size: int | None = Field(alias="pageSize")
    total_count: int | None = Field(alias="totalCount")
    cost: str
    data: ProjectOut | None


class PhaseOut(Model):
    """One phase of a scenario's timeline, as the scenario states it."""

    index: int
    id: str | None
    status: str
    current_step: str = Field(alias="currentStep")
    importance: str
    seconds: float | None = Field(description="How long it lasts, when timed.")
    polls: int | None = Field(description="How many polls it lasts, when counted in polls.")
    note: str


class SpanOut(Model):
    """A phase on the project's time axis (project seconds: since it started)."""

    phase: int = Field(description="Its index in `phases`.")
    start: float
    end: float | None = Field(description="When it ended or is due to end; null: unknown yet.")
    planned: bool = Field(description="Not played yet: when the script reaches it if nobody acts.")


class TimelineOut(Model):
    """A project's story on its own time axis: the phases played and those due, where the
    clock is, and the status changes; the polls are in ``GET /_mock/requests?project=ID``
    (an entry's ``scenarioTime`` minus ``started`` is its place on this axis)."""

    project_id: str = Field(alias="projectId")
    scenario: str
    status: str
    phase: int | None = Field(description="The phase playing; null when an action holds it.")
    scenario_time: float = Field(
        alias="scenarioTime", description="Seconds since it started: where the clock is."
    )
    started: float = Field(description="The scenario clock (`GET /_mock/clock` now) it began at.")
    phases: list[PhaseOut] = Field(description="The scenario's timeline.")
    spans: list[SpanOut] = Field(
        description="The phases played (the last 1000), then those due, as far as known: "
        "not past a phase that waits for an action or counts polls, nor while an action "
        "holds the project."
    )
    events: list[EventOut]


class ResetOut(Model):
    reset: int = Field(description="How many projects were reset.")


# -- faults ----------------------------------------------------------------------------------


class FaultOut(Model):
    id: int
    project_id: str | None = Field(alias="projectId", description="null: every OMS request.")
    fault: str = Field(description="The fault's short name, as the journal records it.")
    spec: dict[str, Any] = Field(description="The injection as it was sent.")
    remaining: int | None = Field(description="Polls it still covers (null: no count).")
    until: float | None = Field(description="Scenario time it expires (null: never).")
    seconds_left: float | None = Field(alias="secondsLeft")
    since: float = Field(description="Scenario time it was injected.")
    probability: float | None
    note: str


class FaultsOut(Model):
    seed: int = Field(description="The fault seed (--seed, or drawn at start).")
    max_delay: float = Field(alias="maxDelay", description="The longest delay or hang served.")
    active: list[FaultOut]


class Cleared(Model):
    cleared: int = Field(description="How many injected faults were cleared.")


# -- the journal -----------------------------------------------------------------------------


class EntryOut(Model):
    seq: int = Field(description="1 for the first request since the journal was emptied.")
    time: float = Field(description="Wall clock (Unix seconds) when the request arrived.")
    scenario_time: float = Field(alias="scenarioTime", description="The scenario clock then.")
    method: str
    path: str = Field(description="The request path, without the query.")
    project_id: str | None = Field(alias="projectId")
    http_status: int | None = Field(
        alias="httpStatus",
        description="null when no response was sent: a hang, a closed or reset connection.",
    )
    latency: float = Field(description="Seconds from arrival until the response was ready.")
    fault: str | None = Field(description="The fault the response carried, if any.")
    success: bool | None = Field(description="The envelope's success (null: no envelope).")
    code: str | None
    project_status: str | None = Field(
        alias="projectStatus", description="The project status the response showed."
    )
    retry_after: str | None = Field(
        default=None, alias="retryAfter", description="The Retry-After header it carried."
    )
    alert_level: str | None = Field(
        default=None,
        alias="alertLevel",
        description="The alert level the response showed (V3 importance, V4 alarmLevel).",
    )
    step_statuses: list[str] | None = Field(
        default=None,
        alias="stepStatuses",
        description="The step statuses a V4 step list showed (DescribeProjectSteps, "
        "DescribeProject), each once, in the order INIT, RUNNING, FAILED, FINISHED, SUSPEND, "
        "MONITORING; null when the response showed no step list.",
    )


class EvictionOut(Model):
    project_id: str = Field(alias="projectId")
    time: float = Field(description="Wall clock, Unix seconds.")
    scenario_time: float = Field(alias="scenarioTime")
    for_id: str = Field(alias="for", description="The project that took its place.")


class RequestsOut(Model):
    entries: list[EntryOut] = Field(description="The kept requests that match, oldest first.")
    total: int = Field(description="Requests received since the journal was emptied.")
    received: int = Field(
        default=0,
        description="Requests received since the server started, through every emptying of "
        "the journal: what a watcher compares to learn that clients were answered.",
    )
    kept: int = Field(description="Requests the ring buffer holds now.")
    dropped: int = Field(description="Older requests the ring buffer let go (total - kept).")
    capacity: int = Field(description="The ring buffer's size (--journal-size).")
    untracked: int = Field(
        description="Requests of projects beyond the poll statistics' bound (--max-projects)."
    )
    evicted: int = Field(
        default=0,
        description="Projects evicted at --max-projects to make room (least recently polled "
        "NAME~suffix instances first), since the journal was emptied.",
    )
    evictions: list[EvictionOut] = Field(
        default_factory=list, description="The last 100 evictions, oldest first."
    )


class MomentOut(Model):
    time: float = Field(description="Wall clock, Unix seconds.")
    scenario_time: float = Field(alias="scenarioTime")


class RunOut(Model):
    status: str
    count: int
    first: MomentOut
    last: MomentOut


class SightingOut(Model):
    status: str
    at: MomentOut


class IntervalsOut(Model):
    count: int
    min: float | None
    median: float | None
    median_exact: bool = Field(
        alias="medianExact",
        description="false past 4096 intervals: the median of an even sample of them.",
    )


class IntervalsByClock(Model):
    scenario: IntervalsOut = Field(description="In scenario seconds.")
    wall: IntervalsOut = Field(description="In wall-clock seconds.")


class PollsOut(Model):
    project_id: str = Field(alias="projectId")
    count: int = Field(description="Every OMS request naming the project, however answered.")
    shown: int = Field(description="The polls answered with the project's progress.")
    errors: int = Field(description="The others: in-band errors, 401, faults.")
    first: MomentOut | None
    last: MomentOut | None
    interval: IntervalsByClock = Field(description="Seconds between consecutive polls.")
    statuses: list[RunOut] = Field(
        description="The statuses shown, in order; consecutive repeats make one run."
    )
    dropped_status_runs: int = Field(
        alias="droppedStatusRuns", description="Oldest runs let go beyond 1000."
    )
    polls_after_settled: int = Field(
        alias="pollsAfterSettled",
        description="Polls that came after the client was shown a settled status "
        "(FINISHED, FAILED, RELEASED, DELETED) and before it was shown another one.",
    )
    kept_polling_after_settled: bool = Field(alias="keptPollingAfterSettled")
    first_settled: SightingOut | None = Field(alias="firstSettled")


# -- exposure coverage -----------------------------------------------------------------------


class SeenOut(Model):
    time: float = Field(description="Wall clock (Unix seconds) when it was first shown.")
    scenario_time: float = Field(alias="scenarioTime", description="The scenario clock then.")
    project_id: str | None = Field(
        alias="projectId", description="The project of the response that first showed it."
    )


class ActionStep(Model):
    action: str = Field(description="An operator action (mock-oms ctl act, or V4 *Project).")
    when: str = Field(description="Taken when the project shows this status.")


class HintOut(Model):
    text: str = Field(description="What would show it, in one line.")
    scenario: str | None = Field(
        default=None, description="A loaded scenario that shows it (poll NAME or NAME~x)."
    )
    actions: list[ActionStep] = Field(
        default_factory=list, description="The operator actions it takes on the way."
    )
    scripted: bool = Field(
        default=True, description="false: the actions take the project off its script."
    )
    fault: Any = Field(
        default=None,
        description="A fault to inject into the project's polls, as a scenario "
        "writes it (POST /_mock/projects/{id}/faults, mock-oms ctl fault add).",
    )
    trigger: str | None = Field(
        default=None, description="What a client does to be answered with this error code."
    )


class CoverageElement(Model):
    key: str = Field(description="API, category and value: `v3 status FAILED`.")
    api: str = Field(description="v3 or v4.")
    category: str = Field(description="status, change, level, step, fault or code.")
    value: str
    count: int = Field(description="The responses that showed it.")
    first: SeenOut | None = Field(description="The first of them (null: never shown).")
    hint: HintOut | None = Field(default=None, description="What would show it, if never shown.")


class CoverageTally(Model):
    api: str
    category: str
    shown: int
    total: int


class CoverageOut(Model):
    project_id: str | None = Field(alias="projectId", description="null: every project.")
    since: int | None = Field(description="The mark it counts from (null: from the start).")
    mark: int = Field(description="The last mark set (0: none).")
    responses: int = Field(description="OMS responses counted in its scope.")
    folded: int = Field(
        description="Of them, those counted without their project, past the server's bound "
        "of distinct sightings (a ?project= report misses them)."
    )
    total: int = Field(description="Elements of the exposure space.")
    shown: int = Field(description="Elements shown at least once.")
    percent: float = Field(description="100 * shown / total.")
    categories: list[CoverageTally] = Field(description="Shown and total per API and category.")
    elements: list[CoverageElement] = Field(description="Every element of the space, in order.")
    never_shown: list[str] = Field(alias="neverShown", description="The keys never shown.")
    extra: list[CoverageElement] = Field(
        description="Elements shown that are outside the space (an injected error's code, "
        "say): counted in no percentage."
    )


class MarkOut(Model):
    mark: int = Field(description="Ask GET /_mock/coverage?since=MARK for what came after it.")
    time: float = Field(description="Wall clock, Unix seconds.")
    scenario_time: float = Field(alias="scenarioTime")
