"""Scenario time.

A :class:`Clock` turns a time source (injected; the core never reads the system clock)
into scenario seconds. ``speed`` 1 is real time, N is N times faster, 0 is manual: time
moves only through :meth:`Clock.advance`. Speed can change at any moment without a jump.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from enum import StrEnum

__all__ = ["MAX_SPEED", "MAX_TIME", "TOLERANCE", "Clock", "ClockMode", "TimeSource", "reached"]

TimeSource = Callable[[], float]

# Scenario time stays where answers show it exactly: checkpoints (epoch + time, Unix
# seconds) within int64 and within the integers a double (a JSON number) holds exactly.
MAX_TIME = 1e12  # scenario seconds, about 31 700 years
MAX_SPEED = 1e6  # scenario seconds per real second: a year in 32 s

# A project's time is a difference of doubles (12.2 - 12 is 0.1999999999999993), so a moment
# is compared with a mark (a phase's end, a replay entry's `at`, a fault window's bounds, an
# injection's expiry) within TOLERANCE, never exactly: scenario times are compared to the
# millisecond. Half a millisecond is more than the rounding of any time below MAX_TIME (a
# double's step at 1e12 is 0.12 ms).
TOLERANCE = 0.0005


def reached(now: float, mark: float) -> bool:
    """Whether scenario time ``now`` has reached ``mark``, within :data:`TOLERANCE`."""
    return now + TOLERANCE >= mark


class ClockMode(StrEnum):
    REAL = "real"
    ACCELERATED = "accelerated"
    MANUAL = "manual"


class Clock:
    def __init__(self, source: TimeSource, *, speed: float = 1.0, start: float = 0.0) -> None:
        _check_speed(speed)
        self._source = source
        self._lock = threading.Lock()
        # (speed, source reading at the last rebase, scenario time then), swapped as one
        # tuple so that a reader on another thread never sees half of a change.
        self._state = (speed, source(), start)

    @property
    def speed(self) -> float:
        return self._state[0]

    @property
    def mode(self) -> ClockMode:
        speed = self._state[0]
        if speed == 0:
            return ClockMode.MANUAL
        return ClockMode.REAL if speed == 1 else ClockMode.ACCELERATED

    def now(self) -> float:
        """Scenario seconds since the clock started; never decreases."""
        speed, base_source, base_now = self._state
        if speed == 0:
            return base_now
        return base_now + (self._source() - base_source) * speed

    def advance(self, seconds: float) -> float:
        """Move scenario time forward by ``seconds`` (under any speed); return the new time."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError("seconds must be a finite number >= 0")
        with self._lock:
            speed, source_now, now = self._rebased()
            if now + seconds > MAX_TIME:
                raise ValueError(
                    f"scenario time may not go past {MAX_TIME:g} s (it is {now:.6g} s now)"
                )
            self._state = (speed, source_now, now + seconds)
            return now + seconds

    def set_speed(self, speed: float) -> None:
        _check_speed(speed)
        with self._lock:
            _, source_now, now = self._rebased()
            self._state = (speed, source_now, now)

    def _rebased(self) -> tuple[float, float, float]:
        speed, base_source, base_now = self._state
        source_now = self._source()
        return speed, source_now, base_now + (source_now - base_source) * speed


def _check_speed(speed: float) -> None:
    if not (math.isfinite(speed) and 0 <= speed <= MAX_SPEED):
        raise ValueError(f"speed must be a finite number from 0 to {MAX_SPEED:g}")
