"""How each project was polled: statistics updated on every request, in bounded memory.

Kept beside the journal's ring buffer (``journal.py``) so that they stay exact whatever it
drops. Per project at most ``MAX_RUNS`` status runs are kept (the oldest are dropped and
counted) and ``INTERVAL_SAMPLE`` intervals for the median (beyond that, a systematic sample
of every 2nd, 4th, ... interval, and the median says it is estimated). Pure: times are
passed in. ``_Polls.add`` is on the hot path: plain tuples, no frozen objects.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from dataclasses import dataclass
from statistics import median

from mock_oms.core.lifecycle import SETTLED, Status

__all__ = [
    "INTERVAL_SAMPLE",
    "MAX_RUNS",
    "Intervals",
    "Moment",
    "Polls",
    "Run",
    "Sample",
    "Sighting",
    "Timeline",
    "empty",
]

MAX_RUNS = 1_000
INTERVAL_SAMPLE = 4_096


@dataclass(frozen=True, slots=True)
class Moment:
    time: float  # wall clock, Unix seconds
    scenario_time: float


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive polls that showed the same status."""

    status: Status
    count: int
    first: Moment
    last: Moment


@dataclass(frozen=True, slots=True)
class Sighting:
    status: Status
    at: Moment


@dataclass(frozen=True, slots=True)
class Intervals:
    """Seconds between consecutive polls of one project, on one clock."""

    count: int
    min: float | None
    median: float | None
    median_exact: bool  # False once more than INTERVAL_SAMPLE intervals were seen


@dataclass(frozen=True, slots=True)
class Timeline:
    """How one project was polled."""

    project_id: str
    count: int  # every request naming the project, whatever it was answered
    shown: int  # the polls that showed a status (successful envelopes)
    errors: int  # the others (in-band errors, 401, faults)
    first: Moment | None
    last: Moment | None
    wall: Intervals
    scenario: Intervals
    statuses: tuple[Run, ...]  # the statuses shown, in order, repeats compressed
    dropped_runs: int  # older runs let go beyond MAX_RUNS
    polls_after_settled: int  # polls that came after the project was shown a settled status
    first_settled: Sighting | None  # the first settled status shown, and when

    @property
    def kept_polling_after_settled(self) -> bool:
        return self.polls_after_settled > 0


class Sample:
    """Intervals for a median in bounded memory: all of them up to ``cap``, then a
    systematic sample (every ``stride``-th), halved each time it fills up."""

    __slots__ = ("cap", "count", "min", "stride", "values")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.values = array("d")
        self.count = 0
        self.stride = 1
        self.min = math.inf

    def add(self, value: float) -> None:
        if value < self.min:  # noqa: PLR1730 (on the hot path, cheaper than min())
            self.min = value
        count = self.count
        self.count = count + 1
        if count % self.stride:
            return
        if len(self.values) >= self.cap:
            self.values = self.values[::2]
            self.stride *= 2
            if count % self.stride:
                return
        self.values.append(value)

    def summary(self) -> Intervals:
        values = self.values
        return Intervals(
            self.count,
            self.min if self.count else None,
            median(values) if values else None,
            median_exact=self.stride == 1,
        )


_At = tuple[float, float]  # wall clock, scenario time: a Moment, cheaper to make


def _moment(at: _At) -> Moment:
    return Moment(at[0], at[1])


class _Run:
    __slots__ = ("count", "first", "last", "status")

    def __init__(self, status: Status, at: _At) -> None:
        self.status = status
        self.count = 1
        self.first = at
        self.last = at

    def frozen(self) -> Run:
        return Run(self.status, self.count, _moment(self.first), _moment(self.last))


class Polls:
    """The running poll statistics of one project."""

    __slots__ = (
        "after_settled",
        "count",
        "dropped_runs",
        "first",
        "first_settled",
        "last",
        "runs",
        "scenario",
        "settled",
        "shown",
        "wall",
    )

    def __init__(self, sample: int) -> None:
        self.count = 0
        self.shown = 0
        self.first: _At | None = None
        self.last: _At | None = None
        self.wall = Sample(sample)
        self.scenario = Sample(sample)
        self.runs: deque[_Run] = deque()
        self.dropped_runs = 0
        self.settled = False  # the last status shown was a settled one
        self.after_settled = 0
        self.first_settled: tuple[Status, _At] | None = None

    def add(self, wall: float, now: float, shown: Status | None, max_runs: int) -> bool:
        """Count one request; whether it showed a status other than the last one shown."""
        at = (wall, now)
        last = self.last
        if last is None:
            self.first = at
        else:
            # the clocks never go back; a wall clock set back would give a negative gap
            gap = wall - last[0]
            self.wall.add(gap if gap > 0 else 0.0)
            self.scenario.add(now - last[1])
        self.last = at
        self.count += 1
        if self.settled:
            self.after_settled += 1
        if shown is None:
            return False
        self.shown += 1
        runs = self.runs
        if runs and runs[-1].status is shown:
            run = runs[-1]
            run.count += 1
            run.last = at
            return False  # same status: settled or not as before
        runs.append(_Run(shown, at))
        if len(runs) > max_runs:
            runs.popleft()
            self.dropped_runs += 1
        self.settled = shown in SETTLED
        if self.settled and self.first_settled is None:
            self.first_settled = (shown, at)
        return True

    def timeline(self, project_id: str) -> Timeline:
        settled = self.first_settled
        return Timeline(
            project_id,
            self.count,
            self.shown,
            self.count - self.shown,
            None if self.first is None else _moment(self.first),
            None if self.last is None else _moment(self.last),
            self.wall.summary(),
            self.scenario.summary(),
            tuple(r.frozen() for r in self.runs),
            self.dropped_runs,
            self.after_settled,
            None if settled is None else Sighting(settled[0], _moment(settled[1])),
        )


def empty(project_id: str) -> Timeline:
    return Polls(1).timeline(project_id)
