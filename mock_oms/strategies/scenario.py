"""Scenario documents that ``mock-oms validate`` accepts, and what a client following one
may truthfully conclude."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import SETTLED, Importance, Status
from mock_oms.strategies.common import KINDS, Document, allowed, successors

__all__ = ["Timing", "scenarios", "settled_outcomes"]

Timing = Literal["seconds", "polls", "mixed"]


@dataclass(frozen=True)
class _Shape:
    """What every phase of one generated scenario shares."""

    flags: Mapping[str, bool]
    steps: Sequence[str]
    timing: Timing
    max_seconds: int
    max_polls: int


def _checkpoints(draw: st.DrawFn, flags: Mapping[str, bool]) -> Document:
    checkpoint = {}
    for which in ("incr", "reverse"):
        if flags.get(which):
            spec = draw(
                st.one_of(
                    st.none(),
                    st.sampled_from(["follow", "freeze"]),
                    st.builds(
                        lambda mode, lag: {"mode": mode, "lag": lag},
                        st.sampled_from(["follow", "freeze"]),
                        st.integers(0, 60),
                    ),
                )
            )
            if spec is not None:
                checkpoint[which] = spec
    return checkpoint


@st.composite
def _phase(
    draw: st.DrawFn,
    shape: _Shape,
    options: Sequence[Status],
    previous: Status | None,
    carried: Mapping[str, int],
) -> tuple[Document, dict[str, int]] | None:
    """One phase after ``previous`` (None: the first), drawn whole with the choice to have
    it, so that the shrinker can drop it as a unit; and the progress carried out of it.
    None: the timeline ends before it."""
    if previous is not None and draw(st.integers(0, 3)) == 0:
        return None
    status = draw(st.sampled_from(list(options)))
    phase: Document = {"status": status.value}
    polls = shape.timing == "polls" or (shape.timing == "mixed" and draw(st.booleans()))
    if polls:
        phase["polls"] = draw(st.integers(1, shape.max_polls))
    else:
        phase["seconds"] = draw(st.integers(1, shape.max_seconds))
    step = draw(st.one_of(st.none(), st.sampled_from(list(shape.steps))))
    if step is not None:
        phase["step"] = step
    level = draw(st.one_of(st.none(), st.sampled_from(list(Importance))))
    if level is not None:
        phase["importance"] = level.value
    out = dict(carried)
    if status is Status.RUNNING:
        progress: Document = {}
        for figure in ("struct", "full"):
            if shape.flags[figure] and draw(st.booleans()):
                start = draw(st.integers(0 if previous is not status else carried[figure], 100))
                stop = draw(st.integers(start, 100))
                progress[figure] = start if start == stop else [start, stop]
                out[figure] = stop
        if progress:
            phase["progress"] = progress
    checkpoint = _checkpoints(draw, shape.flags)
    if checkpoint:
        phase["checkpoint"] = checkpoint
    return phase, out


def _finish(phase: Document, lows: Mapping[str, int], figures: Sequence[str]) -> None:
    """A RUNNING phase followed by FINISHED: its enabled figures end at 100 (from ``lows``,
    the values carried in, when the phase has none of its own)."""
    if not figures:
        return
    progress = phase.setdefault("progress", {})
    for figure in figures:
        spec = progress.get(figure, lows[figure])
        start = spec if isinstance(spec, int) else spec[0]
        progress[figure] = 100 if start == 100 else [start, 100]


def _wait(phase: Document) -> None:
    """The last phase waits for an action: no duration, and progress that stays put."""
    phase.pop("polls", None)
    phase.pop("seconds", None)
    for figure, spec in phase.get("progress", {}).items():
        if isinstance(spec, list):
            phase["progress"][figure] = spec[0]


@st.composite
def _scenario(
    draw: st.DrawFn,
    kinds: Sequence[Kind],
    max_phases: int,
    timing: Timing,
    max_seconds: int,
    max_polls: int,
    resumable: bool,
    name: str,
) -> Document:
    kind = draw(st.sampled_from(list(kinds)))
    flags = {name: draw(st.booleans()) for name in ("struct", "full", "incr", "reverse")}
    if kind is Kind.SYNC:  # drawn anyway, so that both kinds shrink alike
        del flags["reverse"]
    steps = allowed(kind, {"reverse": False, **flags})
    shape = _Shape(flags, steps, timing, max_seconds, max_polls)

    # A walk along legal transitions, DELETED only at the end. Each phase is drawn whole,
    # with the choice to go on, so that a redundant phase is one span the shrinker
    # deletes; what depends on the next phase is settled after the walk.
    timeline: list[Document] = []
    statuses: list[Status] = []
    carried = {"struct": 0, "full": 0}
    lows: list[dict[str, int]] = []  # the progress each phase starts from
    options = [Status.INIT, Status.RUNNING]
    while True:
        previous = statuses[-1] if statuses else None
        running_on = previous is Status.RUNNING
        low = carried if running_on else {"struct": 0, "full": 0}
        drawn = draw(_phase(shape, options, previous, carried))
        if drawn is None:
            break
        phase, carried = drawn
        lows.append(low)
        timeline.append(phase)
        statuses.append(Status(phase["status"]))
        now = statuses[-1]
        if now is Status.DELETED or len(timeline) >= max_phases:
            break
        options = [now, *successors(now)]
        if not resumable and now is Status.FAILED:
            options = [s for s in options if s is not Status.RUNNING]

    figures = [f for f in ("struct", "full") if flags[f]]
    for i, (phase, status) in enumerate(zip(timeline[:-1], statuses[:-1], strict=True)):
        if status is Status.RUNNING and statuses[i + 1] is Status.FINISHED:
            _finish(phase, lows[i], figures)
    # RELEASING that waits lasts release.seconds: not a polls-only timeline
    if not (timing == "polls" and statuses[-1] is Status.RELEASING) and not draw(st.booleans()):
        _wait(timeline[-1])

    document: Document = {"name": name, "kind": kind.value, "flags": flags, "timeline": timeline}
    if draw(st.booleans()):
        document["release"] = {"seconds": draw(st.integers(1, max_seconds))}
    return document


def scenarios(
    *,
    kinds: Sequence[Kind | str] = KINDS,
    max_phases: int = 8,
    timing: Timing = "mixed",
    max_seconds: int = 600,
    max_polls: int = 10,
    resumable: bool = True,
    name: str = "generated",
) -> SearchStrategy[Document]:
    """Scenario documents that ``mock-oms validate`` accepts (``scenario.schema.json`` and
    the rules after it), named ``name``.

    ``timing``: phases last whole ``seconds``, a number of ``polls`` (plays the same under
    any clock and polling speed), or either. Only the last phase may wait for an action.
    ``resumable=False`` keeps a FAILED project from running again, so that the first
    settled status a client sees stays true. Shrinks towards one INIT phase of a
    migration project with every flag false, waiting forever.
    """
    if max_phases < 1:
        raise ValueError("max_phases must be >= 1")
    if timing not in get_args(Timing):
        raise ValueError(f"timing must be one of {', '.join(get_args(Timing))}, not {timing!r}")
    if max_seconds < 1 or max_polls < 1:
        raise ValueError("max_seconds and max_polls must be >= 1")
    problems = list(
        schemas.definition_validator(schemas.SCENARIO, "ScenarioName").iter_errors(name)
    )
    if problems:
        raise ValueError(f"name {name!r} is not a scenario name: {problems[0].message}")
    return _scenario(
        [Kind(k) for k in kinds], max_phases, timing, max_seconds, max_polls, resumable, name
    )


def settled_outcomes(document: Mapping[str, Any]) -> frozenset[str | None]:
    """What a client following the scenario's project may truthfully conclude: every
    settled status from the first one the timeline reaches on (RELEASING leads to
    RELEASED), or ``{None}`` when it never settles."""
    statuses = [str(p["status"]) for p in document["timeline"]]
    if statuses and statuses[-1] == Status.RELEASING.value:
        statuses.append(Status.RELEASED.value)
    settled = {s.value for s in SETTLED}
    for i, status in enumerate(statuses):
        if status in settled:
            return frozenset(s for s in statuses[i:] if s in settled)
    return frozenset({None})
