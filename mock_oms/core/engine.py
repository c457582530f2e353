"""The scenario engine: what a project shows at a given scenario time. Pure.

A project's state is an immutable :class:`ProjectState`; :func:`observe`, :func:`poll` and
:func:`act` take a state and a clock reading and return the next state (and a
:class:`Snapshot`). Nothing here reads the system clock or touches the web.

How the script is played. The timeline is cut into *runs*: stretches of timed phases that
follow each other without anyone acting. A run starts at phase 0, after a phase that only
an action ends, at a phase counted in polls, and at every phase an action can jump to. Within
a run the phase at script time ``tau`` is found by bisection over precomputed start offsets,
and the checkpoint floor at a phase start comes from a precomputed prefix maximum, so
evaluating a poll costs O(log phases) whatever the clock did since the last one.

Script time ``tau`` is the time the project has spent following its script: it stops while
an operator action holds the project (stop, fail) and picks up where it stopped on resume.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import NamedTuple

from mock_oms.core import stepline
from mock_oms.core.clock import TOLERANCE, reached
from mock_oms.core.errors import IllegalAction, ParamError
from mock_oms.core.lifecycle import Action, Importance, Status, legal_actions, result_of
from mock_oms.core.scenario import Phase, Scenario, scripted_next
from mock_oms.core.stepline import Marks, Plan
from mock_oms.core.steps import step_problem

__all__ = [
    "MAX_EVENTS",
    "Compiled",
    "Cursor",
    "Event",
    "Figures",
    "Override",
    "ProjectState",
    "Snapshot",
    "Source",
    "act",
    "compile_scenario",
    "observe",
    "phase_fraction",
    "poll",
    "start",
]

MAX_EVENTS = 1000
_NEG = -math.inf


@dataclass(frozen=True, slots=True)
class Compiled:
    """A scenario with the tables the engine bisects."""

    scenario: Scenario
    offset: tuple[float, ...]  # phase start, seconds after its run's start
    run_of: tuple[int, ...]  # first phase of each phase's run
    run_end: tuple[int, ...]  # last phase of each phase's run
    reach_incr: tuple[float, ...]  # checkpoint floor at each phase start, relative to run start
    reach_reverse: tuple[float, ...]
    plan: Plan  # the V4 step list of each phase (stepline.py)
    # the scenario's, kept here too: read several times a poll, a field costs less than a
    # property
    timeline: tuple[Phase, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeline", self.scenario.timeline)


def compile_scenario(scenario: Scenario) -> Compiled:
    timeline = scenario.timeline
    starts = {0}
    for phase in timeline:
        if phase.polls is not None:
            starts.add(phase.index)
        if phase.seconds is None:  # counted in polls, or waiting for an action
            starts.add(phase.index + 1)
        for action in Action:
            target = scripted_next(phase, timeline, action)
            if target is not None:
                starts.add(target)
    offset: list[float] = []
    run_of: list[int] = []
    reach: dict[str, list[float]] = {"incr": [], "reverse": []}
    best = {"incr": _NEG, "reverse": _NEG}
    run = 0
    for phase in timeline:
        i = phase.index
        if i in starts:
            run = i
            offset.append(0.0)
            best = {"incr": _NEG, "reverse": _NEG}
        else:
            previous = timeline[i - 1]
            assert previous.seconds is not None
            end = offset[-1] + previous.seconds
            offset.append(end)
            for name in best:
                rule = getattr(previous, name)
                if rule.follows:
                    best[name] = max(best[name], end - rule.lag)
        run_of.append(run)
        for name in best:
            reach[name].append(best[name])
    run_end = [0] * len(timeline)
    last = len(timeline) - 1
    for i in range(last, -1, -1):
        run_end[i] = i if i == last or run_of[i + 1] != run_of[i] else run_end[i + 1]
    return Compiled(
        scenario,
        tuple(offset),
        tuple(run_of),
        tuple(run_end),
        tuple(reach["incr"]),
        tuple(reach["reverse"]),
        stepline.compile_plan(scenario),
    )


class Figures(NamedTuple):
    struct: int
    full: int
    incr: int
    reverse: int


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the script is: the run being played, when it started, and its floors."""

    run: int
    tau: float  # script time the run started
    incr: float  # checkpoint floors when the run started (Unix seconds)
    reverse: float
    polls: int = 0  # responses shown by the current phase, when it counts polls


@dataclass(frozen=True, slots=True)
class Override:
    """An operator action has taken the project off its script."""

    status: Status
    step: str
    importance: Importance
    figures: Figures
    since: float  # clock time the override began
    back_to_script: bool  # resume continues the script (True) or stays off it (False)
    until: float | None = None  # RELEASING: clock time it becomes RELEASED


class Source(StrEnum):
    SCRIPT = "script"  # the scenario moved on by itself
    CONTROL = "control"  # an action sent through the control API
    AUTO = "auto"  # the service moved on by itself after an action (RELEASING -> RELEASED)


@dataclass(frozen=True, slots=True)
class Event:
    at: float  # seconds since the project started
    source: Source
    before: Status
    after: Status
    phase: int | None
    action: Action | None = None
    detail: str = ""


class Snapshot(NamedTuple):
    """What a project shows at one moment. A NamedTuple: immutable, and made several times
    faster than a frozen dataclass, which matters on the hot path."""

    status: Status
    importance: Importance
    step: str
    struct: int
    full: int
    incr: int
    reverse: int
    phase: int  # index in the timeline, or -1 when an action took the project off its script
    elapsed: float  # seconds since the project started


@dataclass(frozen=True, slots=True)
class ProjectState:
    project_id: str
    compiled: Compiled
    t0: float  # clock time the project started
    base: float  # Unix seconds when it started (checkpoints count from here)
    held: float  # clock seconds the script spent held by actions
    cursor: Cursor
    phase: int  # the phase the last evaluation found (for the events log)
    override: Override | None = None
    events: tuple[Event, ...] = ()
    dropped_events: int = 0
    marks: Marks = ()  # when each V4 step started, finished, failed (stepline.py)

    @property
    def scenario(self) -> Scenario:
        return self.compiled.scenario


def start(
    compiled: Compiled, project_id: str, t: float, epoch: float, *, hold: bool = False
) -> ProjectState:
    """A project that begins its story at clock time ``t``; ``epoch`` is Unix time at clock 0.

    ``hold``: the project waits in INIT for a start action, whatever its first phase says
    (a project created through the V4 API is started by its client); the start then plays
    the script from its first phase (or from the first RUNNING phase, as a scripted start).
    """
    base = epoch + t
    state = ProjectState(
        project_id,
        compiled,
        t0=t,
        base=base,
        held=0.0,
        cursor=Cursor(run=0, tau=0.0, incr=0.0, reverse=0.0),
        phase=0,
    )
    first = compiled.timeline[0]
    if hold and first.status in (Status.INIT, Status.RUNNING):
        zero = Figures(first.struct[0], first.full[0], 0, 0)
        waiting = Override(Status.INIT, first.step, first.importance, zero, t, True)
        return replace(state, override=waiting)
    return replace(state, marks=stepline.initial_marks(compiled.plan))


def _checkpoint(c: Compiled, cursor: Cursor, base: float, k: int, tau: float, name: str) -> float:
    """The incremental (``name`` "incr") or reverse checkpoint at script time ``tau``."""
    if name == "incr":
        floor, reach, rule = cursor.incr, c.reach_incr[k], c.timeline[k].incr
    else:
        floor, reach, rule = cursor.reverse, c.reach_reverse[k], c.timeline[k].reverse
    if reach != _NEG:
        floor = max(floor, base + cursor.tau + reach)
    if rule.follows:
        return max(floor, base + tau - rule.lag)
    return floor


def _resolve(
    c: Compiled, cursor: Cursor, base: float, tau: float
) -> tuple[Cursor, int, list[Cursor] | None]:
    """The cursor moved to script time ``tau``, the phase playing then, and the cursors of
    the runs left behind on the way (None when it stayed in its run, as it nearly always
    does)."""
    timeline = c.timeline
    passed: list[Cursor] | None = None
    while True:
        run = cursor.run
        end = c.run_end[run]
        last = timeline[end]
        if last.seconds is not None and end + 1 < len(timeline):
            finish = cursor.tau + c.offset[end] + last.seconds
            if reached(tau, finish):  # the run is over; the next one starts where it ended
                passed = [*(passed or ()), cursor]
                cursor = Cursor(
                    end + 1,
                    finish,
                    _checkpoint(c, cursor, base, end, finish, "incr"),
                    _checkpoint(c, cursor, base, end, finish, "reverse"),
                )
                continue
        k = bisect_right(c.offset, tau - cursor.tau + TOLERANCE, run, end + 1) - 1
        return cursor, (k if k > run else run), passed


def _figures(c: Compiled, cursor: Cursor, base: float, k: int, tau: float) -> Figures:
    phase = c.timeline[k]
    if phase.polls is not None:
        frac = min(cursor.polls, phase.polls) / phase.polls
    elif phase.seconds is not None:
        frac = min(1.0, max(0.0, tau - cursor.tau - c.offset[k]) / phase.seconds)
    else:
        frac = 1.0
    (s0, s1), (f0, f1) = phase.struct, phase.full
    return Figures(
        s0 + math.floor((s1 - s0) * frac + 1e-9) if s1 != s0 else s0,
        f0 + math.floor((f1 - f0) * frac + 1e-9) if f1 != f0 else f0,
        math.floor(_checkpoint(c, cursor, base, k, tau, "incr")),
        math.floor(_checkpoint(c, cursor, base, k, tau, "reverse")),
    )


def _tau(state: ProjectState, t: float) -> float:
    return max(0.0, t - state.t0 - state.held)


def _log(state: ProjectState, *events: Event) -> ProjectState:
    kept = state.events + events
    dropped = max(0, len(kept) - MAX_EVENTS)
    return replace(state, events=kept[dropped:], dropped_events=state.dropped_events + dropped)


def _crossings(state: ProjectState, runs: list[Cursor], k: int) -> ProjectState:
    """``state`` with the status changes of the phases the script passed since the last
    evaluation logged, and the step marks they made.

    ``runs`` are the cursors of the runs played meanwhile, the current one last.
    """
    c, timeline = state.compiled, state.compiled.timeline
    plan = c.plan
    run_start = {cursor.run: cursor.tau for cursor in runs}
    events = []
    marks = state.marks
    for j in range(state.phase + 1, k + 1):
        before, after = timeline[j - 1].status, timeline[j].status
        moves = plan.moves[j]
        if before is not after or moves:
            at = run_start.get(c.run_of[j], runs[-1].tau) + c.offset[j] + state.held
            if before is not after:
                events.append(Event(at, Source.SCRIPT, before, after, j))
            if moves:
                marks = stepline.advance(marks, plan.tables[j - 1], plan.tables[j], at)
    if marks is not state.marks:
        state = replace(state, marks=marks)
    return _log(state, *events) if events else state


def _evaluate(state: ProjectState, t: float, count_poll: bool) -> tuple[ProjectState, Snapshot]:
    elapsed = t - state.t0
    ov = state.override
    if ov is not None:
        if ov.until is not None and reached(t, ov.until):
            state = _log(
                replace(state, override=replace(ov, status=Status.RELEASED, until=None)),
                Event(ov.until - state.t0, Source.AUTO, ov.status, Status.RELEASED, None),
            )
            ov = state.override
            assert ov is not None
        f = ov.figures
        return state, Snapshot(
            ov.status, ov.importance, ov.step, f.struct, f.full, f.incr, f.reverse, -1, elapsed
        )

    c = state.compiled
    tau = elapsed - state.held
    if tau < 0:
        tau = 0.0
    cursor, k, passed = _resolve(c, state.cursor, state.base, tau)
    if k != state.phase:
        if k > state.phase:
            state = _crossings(state, [*(passed or ()), cursor], k)
        state = replace(state, phase=k)
    phase = c.timeline[k]
    if count_poll and phase.polls is not None and cursor.polls < phase.polls:
        cursor = replace(cursor, polls=cursor.polls + 1)
    f = _figures(c, cursor, state.base, k, tau)
    snap = Snapshot(
        phase.status, phase.importance, phase.step, f.struct, f.full, f.incr, f.reverse, k, elapsed
    )
    if phase.polls is not None and cursor.polls >= phase.polls and k + 1 < len(c.timeline):
        # the last poll of the phase was just shown: the next run starts now
        cursor = Cursor(k + 1, tau, float(f.incr), float(f.reverse))
    if cursor is not state.cursor:
        state = replace(state, cursor=cursor)
    return state, snap


def observe(state: ProjectState, t: float) -> tuple[ProjectState, Snapshot]:
    """What the project shows at clock time ``t``, without counting a poll."""
    return _evaluate(state, t, count_poll=False)


def poll(state: ProjectState, t: float) -> tuple[ProjectState, Snapshot]:
    """What a poll at clock time ``t`` returns; counts towards phases measured in polls."""
    return _evaluate(state, t, count_poll=True)


def act(
    state: ProjectState,
    action: Action,
    t: float,
    *,
    step: str | None = None,
    importance: Importance | None = None,
    detail: str = "",
) -> ProjectState:
    """Apply an operator action at clock time ``t``; :class:`IllegalAction` when refused."""
    state, now = observe(state, t)
    target = result_of(now.status, action)
    if target is None:
        raise IllegalAction(state.project_id, action, now.status, legal_actions(now.status))
    scenario = state.scenario
    if step is not None and (reason := step_problem(scenario.kind, scenario.flags, step)):
        raise ParamError(reason)
    figures = Figures(now.struct, now.full, now.incr, now.reverse)
    ov = state.override
    event = Event(t - state.t0, Source.CONTROL, now.status, target, None, action, detail)

    if ov is not None and ov.status is Status.INIT and action is Action.START:
        # a project held for its start (created through the V4 API): the script begins
        state = replace(state, override=None, held=state.held + (t - ov.since))
        state = replace(state, marks=stepline.initial_marks(state.compiled.plan))
        ov = None
        if state.compiled.timeline[state.phase].status is not Status.INIT:
            return _log(state, replace(event, phase=state.phase))
    if ov is None:
        c = state.compiled
        phase = c.timeline[state.phase]
        jump = (
            scripted_next(phase, c.timeline, action)
            if step is None and importance is None
            else None
        )
        if jump is not None:  # the script foresaw this action: play on from there
            cursor = Cursor(jump, _tau(state, t), float(now.incr), float(now.reverse))
            marks = stepline.advance(
                state.marks, c.plan.tables[state.phase], c.plan.tables[jump], t - state.t0
            )
            state = replace(state, cursor=cursor, phase=jump, marks=marks)
            return _log(state, replace(event, phase=jump))
        back = action in (Action.STOP, Action.FAIL)
    else:
        if action is Action.RESUME and ov.back_to_script:
            state = replace(state, override=None, held=state.held + (t - ov.since))
            return _log(state, replace(event, phase=state.phase))
        back = ov.back_to_script and action in (Action.STOP, Action.FAIL)

    until = t + scenario.release_seconds if target is Status.RELEASING else None
    if importance is None:
        importance = Importance.HIGH if action is Action.FAIL else now.importance
    override = Override(target, step or now.step, importance, figures, t, back, until)
    return _log(replace(state, override=override), event)


def phase_fraction(state: ProjectState, t: float) -> float:
    """How much of its phase a project had played at clock time ``t`` (0 to 1): for the
    progress of steps with no figure of their own. Frozen while an action holds it; 1 for
    a phase that waits for an action, or once its last counted poll was shown."""
    ov = state.override
    if ov is not None:
        t = ov.since
    c = state.compiled
    k = state.phase
    phase = c.timeline[k]
    cursor = state.cursor
    if c.run_of[k] != cursor.run:  # the next run has begun: this phase is over
        return 1.0
    if phase.polls is not None:
        return min(cursor.polls, phase.polls) / phase.polls
    if phase.seconds is None:
        return 1.0
    played = _tau(state, t) - cursor.tau - c.offset[k]
    return min(1.0, max(0.0, played / phase.seconds))
