"""Exposure coverage over HTTP: ``GET /_mock/coverage`` (the report), ``/_mock/coverage/marks``
(set a mark, list them) and ``DELETE /_mock/coverage``.

A thin layer over :mod:`mock_oms.coverage`: the space of the library served now (made again
when it changes), the journal's counts in the asked scope, the report as a model. The report
is made in a thread (the work slot), the event loop free for polls meanwhile.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from mock_oms.coverage.hints import Hint
from mock_oms.coverage.report import Line, Report, Seen, build
from mock_oms.journal.exposure import Mark
from mock_oms.web.control.answers import BUSY, errors
from mock_oms.web.control.deps import RuntimeDep
from mock_oms.web.control.models import (
    ActionStep,
    CoverageElement,
    CoverageOut,
    CoverageTally,
    HintOut,
    MarkOut,
    SeenOut,
)
from mock_oms.web.delivery import STATUS_CODES
from mock_oms.web.runtime import Runtime
from mock_oms.web.work import off_loop

__all__ = [
    "clear_coverage",
    "coverage_out",
    "get_coverage",
    "list_marks",
    "mark_out",
    "report",
    "router",
    "set_mark",
]

router = APIRouter(tags=["mock-oms control API"])

_OFF = "The server was started with --no-coverage (CONFLICT)."


def _hint(h: Hint | None) -> HintOut | None:
    if h is None:
        return None
    return HintOut(
        text=h.text,
        scenario=h.scenario,
        actions=[ActionStep(action=a.value, when=s.value) for a, s in h.actions],
        scripted=h.scripted,
        fault=h.fault,
        trigger=h.trigger,
    )


def _seen(first: Seen | None) -> SeenOut | None:
    if first is None:
        return None
    return SeenOut(time=first.time, scenario_time=first.scenario_time, project_id=first.project_id)


def _element(line: Line) -> CoverageElement:
    e = line.element
    return CoverageElement(
        key=e.key,
        api=e.api.value,
        category=e.category.value,
        value=e.value,
        count=line.count,
        first=_seen(line.first),
        hint=_hint(line.hint),
    )


def coverage_out(r: Report) -> CoverageOut:
    return CoverageOut(
        project_id=r.project_id,
        since=r.since,
        mark=r.mark,
        responses=r.responses,
        folded=r.folded,
        total=r.total,
        shown=r.shown,
        percent=round(r.percent, 2),
        categories=[
            CoverageTally(api=t.api.value, category=t.category.value, shown=t.shown, total=t.total)
            for t in r.tallies()
        ],
        elements=[_element(line) for line in r.lines],
        never_shown=[line.element.key for line in r.lines if not line.count],
        extra=[_element(line) for line in r.extra],
    )


def report(runtime: Runtime, since: int | None = None, project_id: str | None = None) -> Report:
    """The coverage report of the server (since a mark, of one project)."""
    space = runtime.coverage.get(
        runtime.store.library, auth=runtime.settings.auth is not None, status_codes=STATUS_CODES
    )
    tallies = runtime.journal.tallies(since, project_id)
    return build(space, tallies, project_id=project_id, since=since or None)


def mark_out(m: Mark) -> MarkOut:
    return MarkOut(mark=m.number, time=m.time, scenario_time=m.scenario_time)


@router.get(
    "/_mock/coverage",
    responses=errors({404: "No such mark (NOT_FOUND).", 409: _OFF, 503: BUSY}),
)
async def get_coverage(
    runtime: RuntimeDep,
    project: Annotated[str | None, Query(description="Only what this project was shown.")] = None,
    since: Annotated[
        int | None, Query(ge=0, description="Only what was shown after this mark.")
    ] = None,
) -> CoverageOut:
    """Exposure coverage: every situation mock-oms can show a client (statuses, status
    changes, alert levels, V4 step statuses, fault kinds, error codes; V3 and V4), how often
    the clients were shown each and first when, and for each never shown what would show
    it. Kept through resets; ``DELETE /_mock/coverage`` empties it."""
    async with runtime.work.slot():
        made = await off_loop(report, runtime, since, project)
    return coverage_out(made)


@router.post("/_mock/coverage/marks", responses=errors({409: _OFF}))
async def set_mark(runtime: RuntimeDep) -> MarkOut:
    """Set a mark: ``GET /_mock/coverage?since=MARK`` then reports what was shown after it
    (one test measured alone)."""
    return mark_out(runtime.journal.mark(runtime.wall_clock(), runtime.clock.now()))


@router.get("/_mock/coverage/marks", responses=errors({409: _OFF}))
async def list_marks(runtime: RuntimeDep) -> list[MarkOut]:
    """The marks that can still be asked for, oldest first."""
    return [mark_out(m) for m in runtime.journal.marks()]


@router.delete(
    "/_mock/coverage", status_code=204, response_class=Response, responses=errors({409: _OFF})
)
async def clear_coverage(runtime: RuntimeDep) -> None:
    """Forget what the clients were shown, and every mark."""
    runtime.journal.clear_exposure()
