"""The V4 step list as a part of the story: what each step shows during each phase, and
when steps start, finish and fail. Pure.

By default the steps follow from what a phase already says (its status and its V3
``currentStep``), so every scenario plays on V4 unchanged:

- INIT: every step INIT; FINISHED: every step FINISHED at 100;
- otherwise the steps before the current one are FINISHED at 100, the current one RUNNING
  (its progress the struct or full figure for those steps, otherwise how far the phases of
  that step have played) and the later ones INIT. Incremental steps (INCR_TRANSFER,
  REVERSE_INCR_TRANSFER) are MONITORING at 100 while current, and INCR_TRANSFER stays so
  until the switchover; full verification runs beside incremental sync (RUNNING at 100,
  the steady state of a real project) and is FINISHED after the switchover;
- SUSPEND: what ran is SUSPEND; FAILED: the current step FAILED, what else ran SUSPEND;
- RELEASING, RELEASED, DELETED: what the phase before showed, nothing running.

A phase may script any step over that (``steps:`` in a scenario, :class:`StepSpec`), for
what only the step list shows: a step failing while the project stays RUNNING, an
incremental step catching up before MONITORING, verification running to 100.

The engine keeps :data:`Marks` (when each step started, finished and failed) as the
script crosses phases, at the cost of a few comparisons per crossing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Status
from mock_oms.core.scenario import Phase, Scenario, StepSpec
from mock_oms.core.steps import INCREMENTAL_ROLES, Role, Step, StepStatus, v4_steps

__all__ = [
    "FIXED_0",
    "FIXED_100",
    "NO_MARK",
    "Cell",
    "Mark",
    "Marks",
    "Plan",
    "Reading",
    "Table",
    "advance",
    "compile_plan",
    "derive",
    "initial_marks",
    "overlay",
    "plan_of",
]


class Reading(NamedTuple):
    """Where a step's progress comes from: ``figure`` "struct" or "full" (the project's own
    figure), else ``start`` moving linearly to ``end`` over the phase."""

    start: float
    end: float
    figure: str | None = None


FIXED_0 = Reading(0, 0)
FIXED_100 = Reading(100, 100)


class Cell(NamedTuple):
    """What one step shows during one phase."""

    status: StepStatus
    reading: Reading
    error: tuple[str, str] | None = None  # (errorCode, errorMsg) of a scripted failure


Table = tuple[Cell, ...]  # one cell per step of the project, in step order


class Mark(NamedTuple):
    """Seconds since the project started when the step started, finished and failed."""

    started: float | None = None
    finished: float | None = None
    failed: float | None = None


NO_MARK = Mark()
Marks = tuple[Mark, ...]  # one per step of the project, in step order


class Plan(NamedTuple):
    """The step list of a scenario: its steps, the table of each phase, and which phases
    change the table of the one before (so that crossing the others costs nothing)."""

    steps: tuple[Step, ...]
    tables: tuple[Table, ...]
    moves: tuple[bool, ...]


def _index(steps: Sequence[Step], v3_step: str) -> int:
    for i, step in enumerate(steps):
        if v3_step in step.v3:
            return i
    return -1


_RUNNING = (StepStatus.RUNNING, StepStatus.MONITORING)


def _quiet(cell: Cell) -> Cell:
    """A running step held (the project is suspended, failed or released)."""
    return cell._replace(status=StepStatus.SUSPEND) if cell.status in _RUNNING else cell


def derive(
    steps: Sequence[Step],
    status: Status,
    current: str,
    before: Table | None = None,
    running: Reading = FIXED_0,
) -> Table:
    """The default table of a phase in ``status`` whose V3 current step is ``current``;
    ``before``: the table of the phase before (RELEASING and after keep it); ``running``:
    the progress of a current step that has no figure of its own."""
    if status is Status.INIT:
        return tuple(Cell(StepStatus.INIT, FIXED_0) for _ in steps)
    if status is Status.FINISHED:
        return tuple(Cell(StepStatus.FINISHED, FIXED_100) for _ in steps)
    if status in (Status.RELEASING, Status.RELEASED, Status.DELETED):
        if before is None:
            return tuple(Cell(StepStatus.INIT, FIXED_0) for _ in steps)
        return tuple(_quiet(cell) for cell in before)
    at = _index(steps, current)
    role = steps[at].role if at >= 0 else None
    cells: list[Cell] = []
    for i, step in enumerate(steps):
        if at < 0:
            cell = Cell(StepStatus.INIT, FIXED_0)
        elif i < at:
            if step.role is Role.INCR and role in (Role.VERIFY, Role.SWITCH):
                cell = Cell(StepStatus.MONITORING, FIXED_100)
            elif step.role is Role.VERIFY and role is Role.SWITCH:
                cell = Cell(StepStatus.RUNNING, FIXED_100)
            else:
                cell = Cell(StepStatus.FINISHED, FIXED_100)
        elif i == at:
            if step.role in INCREMENTAL_ROLES:
                cell = Cell(StepStatus.MONITORING, FIXED_100)
            elif step.role is Role.STRUCT:
                cell = Cell(StepStatus.RUNNING, Reading(0, 0, "struct"))
            elif step.role is Role.FULL:
                cell = Cell(StepStatus.RUNNING, Reading(0, 0, "full"))
            else:
                cell = Cell(StepStatus.RUNNING, running)
        elif step.role is Role.VERIFY and role is Role.INCR:
            cell = Cell(StepStatus.RUNNING, FIXED_100)
        else:
            cell = Cell(StepStatus.INIT, FIXED_0)
        cells.append(cell)
    if status is Status.SUSPEND:
        return tuple(_quiet(cell) for cell in cells)
    if status is Status.FAILED:
        return tuple(
            cell._replace(status=StepStatus.FAILED) if i == at else _quiet(cell)
            for i, cell in enumerate(cells)
        )
    return tuple(cells)


def overlay(
    table: Table, steps: Sequence[Step], shown: Status, status: Status, current: str
) -> Table:
    """``table`` (of a phase whose status is ``shown``) under an operator action that took
    the project off its script into ``status`` (``current``: the step it stands in)."""
    if status is Status.INIT:
        return tuple(Cell(StepStatus.INIT, FIXED_0) for _ in steps)
    if status in (Status.RELEASING, Status.RELEASED, Status.DELETED):
        return tuple(_quiet(cell) for cell in table)
    if shown is not Status.RUNNING and shown is not status:  # what runs is not this table
        table = derive(steps, Status.RUNNING, current)
    if status is Status.RUNNING:
        return table
    if status is Status.FAILED:
        at = _index(steps, current)
        return tuple(
            cell._replace(status=StepStatus.FAILED) if i == at else _quiet(cell)
            for i, cell in enumerate(table)
        )
    return tuple(_quiet(cell) for cell in table)


def _scripted(table: Table, steps: Sequence[Step], specs: Sequence[StepSpec]) -> Table:
    if not specs:
        return table
    cells = list(table)
    for spec in specs:
        for i, step in enumerate(steps):
            if step.name != spec.name:
                continue
            cell = cells[i]
            status = spec.status or cell.status
            reading = cell.reading
            if spec.progress is not None:
                reading = Reading(*spec.progress)
            elif status is StepStatus.FINISHED or (
                status is StepStatus.MONITORING and spec.status is not None
            ):
                reading = FIXED_100
            elif status is StepStatus.INIT:
                reading = FIXED_0
            cells[i] = Cell(status, reading, spec.error or cell.error)
    return tuple(cells)


def _stretch(timeline: Sequence[Phase], k: int) -> Reading:
    """How far a step with no figure of its own has run at phase ``k``: over the RUNNING
    phases of the same step around ``k``, when all are timed; else over phase ``k``."""
    phase = timeline[k]
    if phase.waits:
        return FIXED_0

    def same(j: int) -> bool:
        return timeline[j].status is Status.RUNNING and timeline[j].step == phase.step

    first, last = k, k
    while first > 0 and same(first - 1):
        first -= 1
    while last + 1 < len(timeline) and same(last + 1):
        last += 1
    span = timeline[first : last + 1]
    if any(p.seconds is None for p in span):
        return Reading(0, 100)
    total = sum(p.seconds or 0.0 for p in span)
    before = sum(p.seconds or 0.0 for p in timeline[first:k])
    return Reading(100 * before / total, 100 * (before + (phase.seconds or 0.0)) / total)


def compile_plan(scenario: Scenario) -> Plan:
    return plan_of(scenario.kind, scenario.flags, scenario.timeline)


def plan_of(kind: Kind, flags: Flags, timeline: Sequence[Phase]) -> Plan:
    steps = v4_steps(kind, flags)
    tables: list[Table] = []
    for k, phase in enumerate(timeline):
        before = tables[-1] if tables else None
        running = _stretch(timeline, k) if phase.status is Status.RUNNING else FIXED_0
        table = derive(steps, phase.status, phase.step, before, running)
        tables.append(_scripted(table, steps, phase.steps))
    moves = tuple(
        k > 0 and [c.status for c in tables[k]] != [c.status for c in tables[k - 1]]
        for k in range(len(tables))
    )
    return Plan(steps, tuple(tables), moves)


def advance(marks: Marks, before: Table, after: Table, at: float) -> Marks:
    """``marks`` after the step list changed from ``before`` to ``after`` at ``at``."""
    out = list(marks) if marks else [NO_MARK] * len(after)
    for i, (old, new) in enumerate(zip(before, after, strict=True)):
        if old.status is new.status:
            continue
        mark = out[i]
        started, finished, failed = mark
        if new.status is not StepStatus.INIT and started is None:
            started = at
        if new.status is StepStatus.FINISHED:
            finished = finished if old.status is StepStatus.FINISHED else at
        elif new.status is not StepStatus.INIT:
            finished = None
        failed = at if new.status is StepStatus.FAILED else None
        out[i] = Mark(started, finished, failed)
    return tuple(out)


def initial_marks(plan: Plan) -> Marks:
    """The marks of a project at its start (its first phase may be RUNNING already)."""
    if not plan.tables:
        return ()
    idle = tuple(Cell(StepStatus.INIT, FIXED_0) for _ in plan.steps)
    return advance((), idle, plan.tables[0], 0.0)
