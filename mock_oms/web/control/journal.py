"""The journal over HTTP: ``GET /_mock/requests`` and ``GET /_mock/projects/{id}/polls``.

A thin layer over :mod:`mock_oms.journal`: parse the query, ask the journal, serialize.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from mock_oms.journal.polls import Intervals, Moment, Run, Timeline
from mock_oms.journal.requests import Entry
from mock_oms.web.control.deps import RuntimeDep
from mock_oms.web.control.models import (
    EntryOut,
    EvictionOut,
    IntervalsByClock,
    IntervalsOut,
    MomentOut,
    PollsOut,
    RequestsOut,
    RunOut,
    SightingOut,
)

__all__ = ["entry_out", "list_requests", "polls_out", "project_polls", "router"]

router = APIRouter(tags=["mock-oms control API"])


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
        alert_level=None if e.level is None else e.level.value,
        step_statuses=None if e.steps is None else [s.value for s in e.steps],
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


@router.get("/_mock/requests")
async def list_requests(
    runtime: RuntimeDep,
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
) -> RequestsOut:
    """The journal of OMS requests: the last ``--journal-size`` received (a ring buffer
    that counts what it dropped), filtered by project, scenario time and sequence.
    ``POST /_mock/reset`` empties it."""
    entries, counts = runtime.journal.entries(
        project_id=project, since=since, until=until, after=after, limit=limit
    )
    return RequestsOut(
        entries=[entry_out(e) for e in entries],
        total=counts.total,
        received=counts.received,
        kept=counts.kept,
        dropped=counts.dropped,
        capacity=counts.capacity,
        untracked=counts.untracked,
        evicted=counts.evicted,
        evictions=[
            EvictionOut(
                project_id=e.project_id, time=e.time, scenario_time=e.scenario_time, for_id=e.for_id
            )
            for e in runtime.journal.evictions()
        ],
    )


@router.get("/_mock/projects/{project_id}/polls")
async def project_polls(project_id: str, runtime: RuntimeDep) -> PollsOut:
    """How the project was polled: count, first and last poll, the minimum and median
    interval, the statuses shown in order, and whether the client kept polling after a
    settled status. Exact whatever the journal's ring buffer dropped; all zero for an ID
    never polled. Emptied by ``POST /_mock/reset`` and the project's own reset."""
    return polls_out(runtime.journal.polls(project_id))
