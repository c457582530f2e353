"""The request journal: the OMS requests a server received, and how each project was polled.

Pure: the web layer passes every time in. Two records are kept side by side:

- a ring buffer of the last ``size`` requests, which counts exactly how many older ones it
  dropped;
- per project, the poll statistics (count, first and last poll, intervals, the statuses
  shown), updated on every request, so they stay exact whatever the ring buffer dropped.
  Their memory is bounded per project: at most ``MAX_RUNS`` status runs (the oldest are
  dropped and counted) and ``INTERVAL_SAMPLE`` intervals for the median (beyond that, a
  systematic sample of every 2nd, 4th, ... interval, and the median says it is estimated).

Recording is on the hot path: one lock, a few comparisons and one append of a tuple.
"""

from __future__ import annotations

import json
import math
import threading
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import median

from mock_oms.lifecycle import SETTLED, Status

DEFAULT_SIZE = 10_000
MAX_RUNS = 1_000
INTERVAL_SAMPLE = 4_096
DEFAULT_MAX_TRACKED = 100_000

# The bodies mock-oms builds start this way (envelope.success / envelope.error); anything
# else (a fault, say) is parsed as JSON when it is small, and otherwise left unread.
_SUCCESS = b'{"success":true,'
_FAILURE = b'{"success":false,"code":"'
_SHOWN = b'"data":{"status":"'
_PARSE_AT_MOST = 64 * 1024
_STATUS = {s.value.encode(): s for s in Status}


def outcome(body: bytes) -> tuple[bool | None, str | None, Status | None]:
    """``success``, ``code`` and ``data.status`` of an OMS response body, None where the
    body does not say (not JSON, not an envelope)."""
    if body.startswith(_SUCCESS) and body.endswith(b"}}"):  # whole, not truncated
        at = body.find(_SHOWN, len(_SUCCESS))
        if at >= 0:
            start = at + len(_SHOWN)
            status = _STATUS.get(body[start : body.find(b'"', start)])
            if status is not None:
                return True, "success", status
    elif body.startswith(_FAILURE) and body.endswith(b"}"):
        end = body.find(b'"', len(_FAILURE))
        if end > 0:
            return False, body[len(_FAILURE) : end].decode("utf-8", "replace"), None
    return _parse(body)


def _parse(body: bytes) -> tuple[bool | None, str | None, Status | None]:
    if not body or len(body) > _PARSE_AT_MOST:
        return None, None, None
    try:
        document = json.loads(body)
    except ValueError:
        return None, None, None
    if not isinstance(document, dict):
        return None, None, None
    success = document.get("success")
    code = document.get("code")
    data = document.get("data")
    raw = data.get("status") if isinstance(data, dict) else None
    return (
        success if isinstance(success, bool) else None,
        code if isinstance(code, str) else None,
        _STATUS.get(raw.encode()) if isinstance(raw, str) and success is True else None,
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One OMS request as the server saw and answered it."""

    seq: int  # 1 for the first request since the journal was last emptied
    time: float  # wall clock, Unix seconds, when it arrived
    scenario_time: float  # the scenario clock then
    method: str
    path: str
    project_id: str | None  # None when the path named no well-formed project ID
    http_status: int
    latency: float  # seconds from arrival until the response was ready
    fault: str | None  # the fault the response carried, if any
    success: bool | None  # the envelope's success and code (None if the body had none)
    code: str | None
    shown: Status | None  # the project status the body showed


@dataclass(frozen=True, slots=True)
class Counts:
    total: int  # requests recorded since the journal was emptied
    kept: int
    dropped: int  # total - kept: the oldest entries the ring buffer let go
    capacity: int
    untracked: int  # requests of projects beyond the poll statistics' bound


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


class _Sample:
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


class _Polls:
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
        self.wall = _Sample(sample)
        self.scenario = _Sample(sample)
        self.runs: deque[_Run] = deque()
        self.dropped_runs = 0
        self.settled = False  # the last status shown was a settled one
        self.after_settled = 0
        self.first_settled: tuple[Status, _At] | None = None

    def add(self, wall: float, now: float, shown: Status | None, max_runs: int) -> None:
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
            return
        self.shown += 1
        runs = self.runs
        if runs and runs[-1].status is shown:
            run = runs[-1]
            run.count += 1
            run.last = at
            return  # same status: settled or not as before
        runs.append(_Run(shown, at))
        if len(runs) > max_runs:
            runs.popleft()
            self.dropped_runs += 1
        self.settled = shown in SETTLED
        if self.settled and self.first_settled is None:
            self.first_settled = (shown, at)

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


def _empty(project_id: str) -> Timeline:
    return _Polls(1).timeline(project_id)


# seq, wall, scenario time, method, raw path, project, HTTP status, latency, fault,
# success, code, status shown: a plain tuple is the cheapest thing to append.
_Raw = tuple[
    int,
    float,
    float,
    str,
    bytes,
    str | None,
    int,
    float,
    str | None,
    bool | None,
    str | None,
    Status | None,
]


class Journal:
    """The journal of one server. Safe to use from several threads."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        *,
        max_tracked: int = DEFAULT_MAX_TRACKED,
        interval_sample: int = INTERVAL_SAMPLE,
        max_runs: int = MAX_RUNS,
    ) -> None:
        if size < 0:
            raise ValueError("the journal size must be >= 0")
        self.size = size
        self.max_tracked = max_tracked
        self.interval_sample = interval_sample
        self.max_runs = max_runs
        self._lock = threading.Lock()
        self._entries: deque[_Raw] = deque(maxlen=size)
        self._total = 0
        self._untracked = 0
        self._polls: dict[str, _Polls] = {}

    def record(
        self,
        wall: float,
        now: float,
        method: str,
        raw_path: bytes,
        http_status: int,
        body: bytes,
        project_id: str | None,
        fault: str | None,
        latency: float,
    ) -> None:
        """Note one request: ``wall`` and ``now`` are the wall and scenario clocks when it
        arrived, ``raw_path`` its path without the query."""
        success, code, shown = outcome(body)
        with self._lock:
            self._total += 1
            self._entries.append(
                (
                    self._total,
                    wall,
                    now,
                    method,
                    raw_path,
                    project_id,
                    http_status,
                    latency,
                    fault,
                    success,
                    code,
                    shown,
                )
            )
            if project_id is not None:
                polls = self._polls.get(project_id)
                if polls is None:
                    if len(self._polls) >= self.max_tracked:
                        self._untracked += 1
                        return
                    polls = self._polls[project_id] = _Polls(self.interval_sample)
                polls.add(wall, now, shown, self.max_runs)

    # -- reading ----------------------------------------------------------------------------

    def counts(self) -> Counts:
        with self._lock:
            kept = len(self._entries)
            return Counts(self._total, kept, self._total - kept, self.size, self._untracked)

    def entries(
        self,
        *,
        project_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> tuple[list[Entry], Counts]:
        """The kept entries, oldest first, filtered: by project, by scenario time
        (``since <= scenario_time <= until``), by sequence number (``seq > after``); at most
        ``limit`` of them (the oldest that match). Also the counts, taken at the same moment."""
        with self._lock:
            raw = list(self._entries)
            kept = len(raw)
            counts = Counts(self._total, kept, self._total - kept, self.size, self._untracked)
        out: list[Entry] = []
        for item in _select(raw, project_id, since, until, after):
            if limit is not None and len(out) >= limit:
                break
            out.append(_entry(item))
        return out, counts

    def polls(self, project_id: str) -> Timeline:
        """How ``project_id`` was polled (all zero when it never was)."""
        with self._lock:
            polls = self._polls.get(project_id)
            return _empty(project_id) if polls is None else polls.timeline(project_id)

    # -- resetting --------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every entry and every poll statistic; counting starts again at 1."""
        with self._lock:
            self._entries.clear()
            self._total = 0
            self._untracked = 0
            self._polls = {}

    def forget(self, project_id: str) -> None:
        """Start ``project_id``'s poll statistics afresh (its journal entries stay)."""
        with self._lock:
            self._polls.pop(project_id, None)


def _select(
    raw: list[_Raw],
    project_id: str | None,
    since: float | None,
    until: float | None,
    after: int | None,
) -> Iterator[_Raw]:
    for item in raw:
        if after is not None and item[0] <= after:
            continue
        if project_id is not None and item[5] != project_id:
            continue
        if since is not None and item[2] < since:
            continue
        if until is not None and item[2] > until:
            continue
        yield item


def _entry(item: _Raw) -> Entry:
    seq, wall, now, method, raw_path, pid, status, latency, fault, success, code, shown = item
    return Entry(
        seq,
        wall,
        now,
        method,
        raw_path.decode("utf-8", "replace"),
        pid,
        status,
        latency,
        fault,
        success,
        code,
        shown,
    )
