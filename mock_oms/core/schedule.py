"""A project's phases on its own time axis: when each began, and when the rest are due.
Pure: what a timeline draws, from the state the engine keeps.

Times are project seconds (since the project started, as ``Event.at``). The phases played
come from :attr:`~mock_oms.core.engine.ProjectState.entered`; a phase played again (a
resume that goes back) is a span of its own. The phases still to come are *planned*: when
the script would reach them if nobody acts, as far as that is known. It is not known past a
phase that waits for an action or counts polls, nor while an action holds the project off
its script.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_oms.core.engine import ProjectState, phase_fraction

__all__ = ["Span", "spans"]


@dataclass(frozen=True, slots=True)
class Span:
    """One phase on the axis: played (``planned`` False) or due (True)."""

    phase: int  # index in the scenario's timeline
    start: float  # project seconds
    end: float | None  # when it ended or is due to end; None: nobody can tell yet
    planned: bool = False


def spans(state: ProjectState, t: float) -> tuple[Span, ...]:
    """The spans of ``state`` (as observed at clock time ``t``), oldest first."""
    entered = state.entered
    played = [
        Span(phase, start, entered[i + 1][1] if i + 1 < len(entered) else None)
        for i, (phase, start) in enumerate(entered)
    ]
    if not entered or state.override is not None:
        return tuple(played)
    timeline = state.scenario.timeline
    current = timeline[state.phase]
    last = len(timeline) - 1
    if current.seconds is None or state.phase == last:  # waits, counts polls, or lasts
        return tuple(played)
    elapsed = t - state.t0
    due = elapsed + (1.0 - phase_fraction(state, t)) * current.seconds
    played[-1] = Span(state.phase, played[-1].start, due)
    for phase in timeline[state.phase + 1 :]:
        end = None if phase.seconds is None or phase.index == last else due + phase.seconds
        played.append(Span(phase.index, due, end, planned=True))
        if end is None:
            break
        due = end
    return tuple(played)
