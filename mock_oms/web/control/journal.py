"""The journal over HTTP: ``GET /_mock/requests`` and ``GET /_mock/projects/{id}/polls``.

A thin layer over :mod:`mock_oms.journal`: parse the query, ask the journal, serialize.
Installed on the control app by ``control.build_control_app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import FastAPI, Query
from fastapi.responses import Response
from pydantic import Field

from mock_oms.journal.polls import Intervals, Moment, Run, Timeline
from mock_oms.journal.requests import Entry
from mock_oms.web.control import CONTROL_TAG, Model, json_response

if TYPE_CHECKING:
    from mock_oms.web.runtime import Runtime


class EntryOut(Model):
    seq: int = Field(description="1 for the first request since the journal was emptied.")
    time: float = Field(description="Wall clock (Unix seconds) when the request arrived.")
    scenario_time: float = Field(alias="scenarioTime", description="The scenario clock then.")
    method: str
    path: str = Field(description="The request path, without the query.")
    project_id: str | None = Field(alias="projectId")
    http_status: int = Field(alias="httpStatus")
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


class RequestsOut(Model):
    entries: list[EntryOut] = Field(description="The kept requests that match, oldest first.")
    total: int = Field(description="Requests received since the journal was emptied.")
    kept: int = Field(description="Requests the ring buffer holds now.")
    dropped: int = Field(description="Older requests the ring buffer let go (total - kept).")
    capacity: int = Field(description="The ring buffer's size (--journal-size).")
    untracked: int = Field(
        description="Requests of projects beyond the poll statistics' bound (--max-projects)."
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


def entry_out(e: Entry) -> EntryOut:
    return EntryOut(
        seq=e.seq,
        time=e.time,
        scenario_time=e.scenario_time,
        method=e.method,
        path=e.path,
        project_id=e.project_id,
        http_status=e.http_status,
        latency=e.latency,
        fault=e.fault,
        success=e.success,
        code=e.code,
        project_status=e.shown.value if e.shown is not None else None,
        retry_after=e.retry_after,
    )


def _at(m: Moment) -> MomentOut:
    return MomentOut(time=m.time, scenario_time=m.scenario_time)


def _moment(m: Moment | None) -> MomentOut | None:
    return None if m is None else _at(m)


def _run(r: Run) -> RunOut:
    return RunOut(status=r.status.value, count=r.count, first=_at(r.first), last=_at(r.last))


def _intervals(i: Intervals) -> IntervalsOut:
    return IntervalsOut(count=i.count, min=i.min, median=i.median, median_exact=i.median_exact)


def polls_out(t: Timeline) -> PollsOut:
    settled = t.first_settled
    return PollsOut(
        project_id=t.project_id,
        count=t.count,
        shown=t.shown,
        errors=t.errors,
        first=_moment(t.first),
        last=_moment(t.last),
        interval=IntervalsByClock(scenario=_intervals(t.scenario), wall=_intervals(t.wall)),
        statuses=[_run(r) for r in t.statuses],
        dropped_status_runs=t.dropped_runs,
        polls_after_settled=t.polls_after_settled,
        kept_polling_after_settled=t.kept_polling_after_settled,
        first_settled=None
        if settled is None
        else SightingOut(status=settled.status.value, at=_at(settled.at)),
    )


def install_journal_routes(app: FastAPI, runtime: Runtime) -> None:
    journal = runtime.journal

    @app.get("/_mock/requests", tags=[CONTROL_TAG], response_model=RequestsOut)
    async def list_requests(
        project: Annotated[str | None, Query(description="Only this project ID.")] = None,
        since: Annotated[
            float | None,
            Query(allow_inf_nan=False, description="Only from this scenario time on (inclusive)."),
        ] = None,
        until: Annotated[
            float | None,
            Query(allow_inf_nan=False, description="Only up to this scenario time (inclusive)."),
        ] = None,
        after: Annotated[
            int | None, Query(ge=0, description="Only entries whose seq is greater.")
        ] = None,
        limit: Annotated[
            int | None, Query(ge=0, description="At most this many (the oldest that match).")
        ] = None,
    ) -> Response:
        """The journal of OMS requests: the last ``--journal-size`` received (a ring buffer
        that counts what it dropped), filtered by project, scenario time and sequence.
        ``POST /_mock/reset`` empties it."""
        entries, counts = journal.entries(
            project_id=project, since=since, until=until, after=after, limit=limit
        )
        return json_response(
            RequestsOut(
                entries=[entry_out(e) for e in entries],
                total=counts.total,
                kept=counts.kept,
                dropped=counts.dropped,
                capacity=counts.capacity,
                untracked=counts.untracked,
            )
        )

    @app.get("/_mock/projects/{project_id}/polls", tags=[CONTROL_TAG], response_model=PollsOut)
    async def project_polls(project_id: str) -> Response:
        """How the project was polled: count, first and last poll, the minimum and median
        interval, the statuses shown in order, and whether the client kept polling after a
        settled status. Exact whatever the journal's ring buffer dropped; all zero for an ID
        never polled. Emptied by ``POST /_mock/reset`` and the project's own reset."""
        return json_response(polls_out(journal.polls(project_id)))
