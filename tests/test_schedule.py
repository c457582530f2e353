"""A project's phases on its own time axis (core/schedule.py): played spans from what the
engine recorded, due spans as far as the script can tell."""

from __future__ import annotations

import itertools

import pytest

from mock_oms.core import engine
from mock_oms.core.engine import ProjectState
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Action, Importance, Status
from mock_oms.core.scenario import Phase, Scenario
from mock_oms.core.schedule import Span, spans

T0 = 100.0  # the clock time the project starts: spans are in project seconds


def _phase(index: int, status: Status, **kw: object) -> Phase:
    return Phase(index, status, "PRE_CHECK", Importance.LOW, **kw)  # type: ignore[arg-type]


def _scenario(*phases: Phase) -> Scenario:
    return Scenario("s", Kind.MIGRATION, Flags(struct=True, full=True), tuple(phases))


TIMED = _scenario(
    _phase(0, Status.INIT, seconds=10.0),
    _phase(1, Status.RUNNING, seconds=20.0),
    _phase(2, Status.RUNNING, seconds=30.0),
    _phase(3, Status.FINISHED),
)


def _at(scenario: Scenario, seconds: float, *, hold: bool = False) -> ProjectState:
    state = engine.start(engine.compile_scenario(scenario), "p", T0, 0.0, hold=hold)
    return engine.observe(state, T0 + seconds)[0]


def test_a_timed_story_shows_what_was_played_and_when_the_rest_is_due() -> None:
    state = _at(TIMED, 15.0)
    assert spans(state, T0 + 15.0) == (
        Span(0, 0.0, 10.0),
        Span(1, 10.0, 30.0),  # playing: due to end at 30
        Span(2, 30.0, 60.0, planned=True),
        Span(3, 60.0, None, planned=True),  # the last phase lasts
    )


def test_once_the_last_phase_plays_nothing_is_due() -> None:
    state = _at(TIMED, 500.0)
    assert spans(state, T0 + 500.0) == (
        Span(0, 0.0, 10.0),
        Span(1, 10.0, 30.0),
        Span(2, 30.0, 60.0),
        Span(3, 60.0, None),
    )


def test_a_stop_holds_the_phase_and_a_resume_pushes_the_rest_back() -> None:
    state = _at(TIMED, 15.0)
    state = engine.act(state, Action.STOP, T0 + 15.0)
    held = spans(state, T0 + 40.0)
    assert held == (Span(0, 0.0, 10.0), Span(1, 10.0, None))  # off script: nothing is due
    state = engine.act(state, Action.RESUME, T0 + 45.0)  # held 30 s
    state = engine.observe(state, T0 + 50.0)[0]
    assert spans(state, T0 + 50.0) == (
        Span(0, 0.0, 10.0),
        Span(1, 10.0, 60.0),  # 20 s of script and 30 s held
        Span(2, 60.0, 90.0, planned=True),
        Span(3, 90.0, None, planned=True),
    )


def test_nothing_is_due_past_a_phase_that_waits_or_counts_polls() -> None:
    waits = _scenario(
        _phase(0, Status.RUNNING, seconds=10.0),
        _phase(1, Status.RUNNING, polls=3),
        _phase(2, Status.FINISHED),
    )
    state = _at(waits, 5.0)
    assert spans(state, T0 + 5.0) == (
        Span(0, 0.0, 10.0),
        Span(1, 10.0, None, planned=True),  # ends after three polls: nobody knows when
    )


def test_a_scripted_action_starts_the_phase_it_jumps_to_at_the_action() -> None:
    waits = _scenario(
        _phase(0, Status.RUNNING, seconds=10.0),
        _phase(1, Status.SUSPEND),  # waits for resume
        _phase(2, Status.RUNNING, seconds=5.0),
        _phase(3, Status.FINISHED),
    )
    state = _at(waits, 30.0)
    assert spans(state, T0 + 30.0) == (Span(0, 0.0, 10.0), Span(1, 10.0, None))
    state = engine.act(state, Action.RESUME, T0 + 42.0)
    assert spans(state, T0 + 42.0) == (
        Span(0, 0.0, 10.0),
        Span(1, 10.0, 42.0),
        Span(2, 42.0, 47.0),
        Span(3, 47.0, None, planned=True),
    )


def test_a_project_waiting_for_its_start_has_played_nothing() -> None:
    state = _at(TIMED, 5.0, hold=True)
    assert spans(state, T0 + 5.0) == ()
    state = engine.act(state, Action.START, T0 + 8.0)
    found = spans(state, T0 + 8.0)
    assert found[0].start == 8.0 and not found[0].planned


@pytest.mark.parametrize("seconds", [0.0, 9.999, 10.0, 29.0, 61.0])
def test_played_spans_follow_each_other_and_planned_ones_follow_them(seconds: float) -> None:
    found = spans(_at(TIMED, seconds), T0 + seconds)
    for before, after in itertools.pairwise(found):
        assert before.end == after.start
        assert before.planned <= after.planned
    assert [s.phase for s in found] == [0, 1, 2, 3]


def test_the_spans_kept_are_bounded() -> None:
    loop = _scenario(
        _phase(0, Status.RUNNING, seconds=1.0),
        _phase(1, Status.SUSPEND, resume=0),  # resume goes back to phase 0
        _phase(2, Status.FINISHED),
    )
    state = _at(loop, 0.0)
    t = T0
    for _ in range(engine.MAX_EVENTS // 2 + 10):
        t += 2.0
        state = engine.observe(state, t)[0]
        state = engine.act(state, Action.RESUME, t)
    assert len(state.entered) == engine.MAX_EVENTS
