"""What the V4 step list shows of a project at a moment. Pure.

:func:`steps_at` reads a project's state and the snapshot the engine just made of it (the
same snapshot the progress call shows, so that the two always agree): each step's status
and progress, when it started, finished or failed (from the marks the engine kept), the
error of a failed step and the figures its ``stepInfo`` needs.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from mock_oms.core import engine, stepline
from mock_oms.core.engine import ProjectState, Snapshot
from mock_oms.core.lifecycle import Status
from mock_oms.core.stepline import NO_MARK, Cell, Reading, Table
from mock_oms.core.steps import Role, Step, StepStatus, v4_steps

__all__ = ["DEFAULT_ERROR_CODE", "StepView", "steps_at"]

DEFAULT_ERROR_CODE = "STEP_FAILED"


class StepView(NamedTuple):
    """One step as the V4 step list shows it. Times are Unix seconds (None: not reached)."""

    order: int
    step: Step
    status: StepStatus
    progress: int
    started: float | None
    finished: float | None
    failed: float | None
    error: tuple[str, str] | None  # (errorCode, errorMsg) when FAILED
    rows: int  # the estimated rows of a full transfer or verification (stepInfo.capacity)
    rate: int  # records per second while it runs (stepInfo.srcRps, dstRps)


def _table(state: ProjectState, snap: Snapshot) -> tuple[tuple[Step, ...], Table]:
    scenario = state.scenario
    plan = state.compiled.plan
    if scenario.replay is not None:  # a recording: only what its body says
        steps = v4_steps(scenario.kind, scenario.flags)
        return steps, stepline.derive(steps, snap.status, snap.step)
    ov = state.override
    table = plan.tables[state.phase]
    if ov is not None:
        shown = state.compiled.timeline[state.phase].status
        table = stepline.overlay(table, plan.steps, shown, ov.status, ov.step)
    return plan.steps, table


def _progress(cell: Cell, snap: Snapshot, fraction: float) -> int:
    reading: Reading = cell.reading
    if reading.figure == "struct":
        return snap.struct
    if reading.figure == "full":
        return snap.full
    value = reading.start + (reading.end - reading.start) * fraction
    return max(0, min(100, math.floor(value + 1e-9)))


def _rate(state: ProjectState, step: Step, cell: Cell) -> int:
    """Records per second of a running full transfer or verification (0 otherwise)."""
    if cell.status is not StepStatus.RUNNING or step.role not in (Role.FULL, Role.VERIFY):
        return 0
    phase = state.compiled.timeline[state.phase]
    if state.override is not None or not phase.seconds:
        return 0
    if cell.reading.figure == "full":
        moved = phase.full[1] - phase.full[0]
    else:
        moved = int(cell.reading.end - cell.reading.start)
    return max(0, round(state.scenario.rows * moved / 100 / phase.seconds))


def steps_at(state: ProjectState, snap: Snapshot) -> tuple[StepView, ...]:
    """The step list of the project whose ``snap`` the engine just made from ``state``."""
    steps, table = _table(state, snap)
    t = state.t0 + snap.elapsed
    fraction = engine.phase_fraction(state, t)
    marks = state.marks if state.scenario.replay is None else ()
    ov = state.override
    base = state.base
    out: list[StepView] = []
    for i, (step, cell) in enumerate(zip(steps, table, strict=True)):
        started, finished, failed = marks[i] if marks else NO_MARK
        if cell.status is StepStatus.FAILED and failed is None and ov is not None:
            failed = ov.since - state.t0  # failed by an action
        if cell.status is not StepStatus.FINISHED:
            finished = None
        if cell.status is not StepStatus.FAILED:
            failed = None
        error = None
        if cell.status is StepStatus.FAILED:
            error = cell.error or _default_error(state, step)
        status = cell.status
        progress = 100 if status is StepStatus.FINISHED else _progress(cell, snap, fraction)
        out.append(
            StepView(
                order=i + 1,
                step=step,
                status=status,
                progress=progress,
                started=None if started is None else base + started,
                finished=None if finished is None else base + finished,
                failed=None if failed is None else base + failed,
                error=error,
                rows=state.scenario.rows,
                rate=_rate(state, step, cell),
            )
        )
    return tuple(out)


def _default_error(state: ProjectState, step: Step) -> tuple[str, str]:
    note = ""
    if state.override is None and state.scenario.replay is None:
        note = state.compiled.timeline[state.phase].note
    elif state.override is not None and state.override.status is Status.FAILED:
        note = "failed by an action"
    text = f"{step.name} failed" + (f": {note}" if note else "")
    return DEFAULT_ERROR_CODE, text
