from __future__ import annotations

import math

import pytest

from mock_oms.core.clock import MAX_SPEED, MAX_TIME, Clock, ClockMode


class FakeSource:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_real_time_follows_the_source() -> None:
    source = FakeSource()
    clock = Clock(source)
    source.now += 2.5
    assert (clock.now(), clock.mode) == (2.5, ClockMode.REAL)


def test_accelerated_time_runs_n_times_faster() -> None:
    source = FakeSource()
    clock = Clock(source, speed=60)
    source.now += 30
    assert (clock.now(), clock.mode) == (1800, ClockMode.ACCELERATED)


def test_manual_time_moves_only_when_advanced() -> None:
    source = FakeSource()
    clock = Clock(source, speed=0)
    source.now += 100
    assert (clock.now(), clock.mode) == (0, ClockMode.MANUAL)
    assert clock.advance(42) == 42
    assert clock.now() == 42


def test_speed_changes_without_a_jump_and_advance_works_under_any_speed() -> None:
    source = FakeSource()
    clock = Clock(source)
    source.now += 10
    clock.set_speed(10)
    assert clock.now() == 10
    source.now += 1
    assert clock.now() == 20
    clock.advance(5)
    assert clock.now() == 25
    clock.set_speed(0)
    source.now += 100
    assert clock.now() == 25


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_time_never_goes_back_nor_to_infinity(bad: float) -> None:
    clock = Clock(FakeSource(), speed=0)
    with pytest.raises(ValueError, match="finite"):
        clock.advance(bad)
    with pytest.raises(ValueError, match="finite"):
        clock.set_speed(bad)
    assert clock.now() == 0


def test_time_stays_where_answers_can_show_it() -> None:
    # two advances of 1e308 made scenario time infinite: every clock, journal and project
    # answer showed null, and checkpoints left int64
    clock = Clock(FakeSource(), speed=0)
    clock.advance(MAX_TIME - 10)
    with pytest.raises(ValueError, match="past"):
        clock.advance(11)
    assert clock.advance(10) == MAX_TIME
    with pytest.raises(ValueError, match="past"):
        clock.advance(1e308)
    assert clock.now() == MAX_TIME


def test_speed_is_bounded_like_the_command_line_s() -> None:
    clock = Clock(FakeSource(), speed=0)
    clock.set_speed(MAX_SPEED)
    with pytest.raises(ValueError, match="speed"):
        clock.set_speed(MAX_SPEED * 2)
    with pytest.raises(ValueError, match="speed"):
        Clock(FakeSource(), speed=1e308)
    assert clock.speed == MAX_SPEED
