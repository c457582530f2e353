"""Scenario documents that ``mock-oms validate`` accepts, and what a client following one
may truthfully conclude."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import SETTLED, Importance, Status
from mock_oms.strategies.common import KINDS, Document, allowed, successors

Timing = Literal["seconds", "polls", "mixed"]


def _span(draw: st.DrawFn, low: int, waits: bool, end: int | None) -> Any:
    """A progress spec starting at >= ``low`` (None: keep the carried value)."""
    if end is None and not draw(st.booleans()):
        return None
    start = draw(st.integers(low, 100 if end is None else end))
    stop = start if waits else (end if end is not None else draw(st.integers(start, 100)))
    return start if start == stop else [start, stop]


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

    # the statuses first: a walk along legal transitions, DELETED only at the end
    statuses = [draw(st.sampled_from([Status.INIT, Status.RUNNING]))]
    size = draw(st.integers(1, max_phases))
    while len(statuses) < size and statuses[-1] is not Status.DELETED:
        now = statuses[-1]
        options = [now, *successors(now)]
        if not resumable and now is Status.FAILED:
            options = [s for s in options if s is not Status.RUNNING]
        statuses.append(draw(st.sampled_from(options)))

    timeline: list[Document] = []
    carried = {"struct": 0, "full": 0}
    previous: Status | None = None
    for i, status in enumerate(statuses):
        last = i == len(statuses) - 1
        phase: Document = {"status": status.value}
        # RELEASING that waits lasts release.seconds: not a polls-only timeline
        waits = (
            last
            and not (timing == "polls" and status is Status.RELEASING)
            and not draw(st.booleans())
        )
        if not waits:
            polls = timing == "polls" or (timing == "mixed" and draw(st.booleans()))
            if polls:
                phase["polls"] = draw(st.integers(1, max_polls))
            else:
                phase["seconds"] = draw(st.integers(1, max_seconds))
        step = draw(st.one_of(st.none(), st.sampled_from(steps)))
        if step is not None:
            phase["step"] = step
        level = draw(st.one_of(st.none(), st.sampled_from(list(Importance))))
        if level is not None:
            phase["importance"] = level.value
        if status is Status.RUNNING:
            new_run = previous is not Status.RUNNING
            finishing = not last and statuses[i + 1] is Status.FINISHED
            progress = {}
            for figure in ("struct", "full"):
                if not flags[figure]:
                    continue
                low = 0 if new_run else carried[figure]
                spec = _span(draw, low, waits, 100 if finishing else None)
                if spec is not None:
                    progress[figure] = spec
                    carried[figure] = spec if isinstance(spec, int) else spec[1]
            if progress:
                phase["progress"] = progress
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
        if checkpoint:
            phase["checkpoint"] = checkpoint
        timeline.append(phase)
        previous = status

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
