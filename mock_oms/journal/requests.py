"""The request journal: the OMS requests a server received, and how each project was polled.

Pure: the web layer passes every time in. Three records are kept side by side:

- a ring buffer of the last ``size`` requests, which counts exactly how many older ones it
  dropped;
- per project, the poll statistics of ``polls.py`` (count, first and last poll, intervals,
  the statuses shown), updated on every request, so they stay exact whatever the ring
  buffer dropped;
- what the clients were shown, for the coverage report (``exposure.py``): one count a
  response, kept through resets of the journal.

Recording is on the hot path: one lock, a few comparisons, one append of a tuple and one
dict lookup.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple, TypeVar

from mock_oms.core.errors import Conflict
from mock_oms.core.kinds import Api
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.journal.exposure import Exposure, Mark, Tallies, step_statuses
from mock_oms.journal.notices import Notice, Notices
from mock_oms.journal.polls import INTERVAL_SAMPLE, MAX_RUNS, Moment, Polls, Timeline, empty

__all__ = [
    "DEFAULT_MAX_TRACKED",
    "DEFAULT_SIZE",
    "KEPT_EVICTIONS",
    "Counts",
    "Entry",
    "Eviction",
    "Journal",
    "Outcome",
    "outcome",
]

DEFAULT_SIZE = 10_000
DEFAULT_MAX_TRACKED = 100_000
KEPT_EVICTIONS = 100  # the last evictions the journal shows (all are counted)

# The bodies mock-oms builds start this way (envelope.success / envelope.error); anything
# else (a fault, say) is parsed as JSON when it is small, and otherwise left unread.
_SUCCESS = b'{"success":true,'
_FAILURE = b'{"success":false,"code":"'
_SHOWN = b'"data":{"status":"'
_LEVEL = b'","importance":"'  # what follows the status in a V3 body
_PARSE_AT_MOST = 64 * 1024
_STATUS = {s.value.encode(): s for s in Status}
_LEVEL_OF = {i.value.encode(): i for i in Importance}
_STEP_STATUS = {s.value.encode(): s for s in StepStatus}
_E = TypeVar("_E")


Outcome = tuple[
    bool | None, str | None, Status | None, Importance | None, tuple[StepStatus, ...] | None
]
_NOTHING: Outcome = (None, None, None, None, None)


def outcome(body: bytes) -> Outcome:
    """``success``, ``code``, ``data.status``, the alert level and the step statuses an
    OMS response body shows, None where the body does not say (not JSON, not an envelope,
    not a success). The alert level is V3's ``importance`` or V4's ``alarmLevel``; the step
    statuses those of V4's step list (DescribeProjectSteps, or DescribeProject's
    ``steps``), distinct, in the order of :class:`StepStatus`."""
    if body.startswith(_SUCCESS) and body.endswith(b"}}"):  # whole, not truncated
        at = body.find(_SHOWN, len(_SUCCESS))
        if at >= 0:
            start = at + len(_SHOWN)
            end = body.find(b'"', start)
            status = _STATUS.get(body[start:end])
            if status is not None and body.startswith(_LEVEL, end):
                start = end + len(_LEVEL)
                level = _LEVEL_OF.get(body[start : body.find(b'"', start)])
                if level is not None:
                    return True, "success", status, level, None
    elif body.startswith(_FAILURE) and body.endswith(b"}"):
        end = body.find(b'"', len(_FAILURE))
        if end > 0:
            return False, body[len(_FAILURE) : end].decode("utf-8", "replace"), None, None, None
    return _parse(body)


def _parse(body: bytes) -> Outcome:
    if not body or len(body) > _PARSE_AT_MOST:
        return _NOTHING
    try:
        document = json.loads(body)
    except ValueError:
        return _NOTHING
    if not isinstance(document, dict):
        return _NOTHING
    success = document.get("success")
    code = document.get("code")
    data = document.get("data")
    status = level = steps = None
    if success is True:
        if isinstance(data, dict):
            status = _named(_STATUS, data.get("status"))
            level = _named(_LEVEL_OF, data.get("alarmLevel", data.get("importance")))
            steps = _steps(data.get("steps"))
        else:
            steps = _steps(data)
    return (
        success if isinstance(success, bool) else None,
        code if isinstance(code, str) else None,
        status,
        level,
        steps,
    )


def _named(table: dict[bytes, _E], raw: object) -> _E | None:
    return table.get(raw.encode()) if isinstance(raw, str) else None


def _steps(raw: object) -> tuple[StepStatus, ...] | None:
    """The step statuses of a V4 step list (each step has an ``order``), or None."""
    if not isinstance(raw, list) or not all(isinstance(s, dict) and "order" in s for s in raw):
        return None
    return step_statuses(
        found for s in raw if (found := _named(_STEP_STATUS, s.get("status"))) is not None
    )


class Entry(NamedTuple):
    """One OMS request as the server saw and answered it."""

    seq: int  # 1 for the first request since the journal was last emptied
    time: float  # wall clock, Unix seconds, when it arrived
    scenario_time: float  # the scenario clock then
    method: str
    path: str
    project_id: str | None  # None when the path named no well-formed project ID
    http_status: int | None  # None when no response was sent (a hang, a close, a reset)
    latency: float  # seconds from arrival until the response was ready
    fault: str | None  # the fault the response carried, if any
    success: bool | None  # the envelope's success and code (None if the body had none)
    code: str | None
    shown: Status | None  # the project status the body showed
    retry_after: str | None = None  # the Retry-After header the response carried
    level: Importance | None = None  # the alert level the body showed
    steps: tuple[StepStatus, ...] | None = None  # the step statuses a V4 step list showed


@dataclass(frozen=True, slots=True)
class Counts:
    total: int  # requests recorded since the journal was emptied
    kept: int
    dropped: int  # total - kept: the oldest entries the ring buffer let go
    capacity: int
    untracked: int  # requests of projects beyond the poll statistics' bound
    received: int = 0  # every request since the journal was made, through every clear()
    evicted: int = 0  # projects evicted at the store's cap since the journal was emptied


class Eviction(NamedTuple):
    """A project the store evicted at its cap to make room for another."""

    project_id: str
    time: float  # wall clock, Unix seconds
    scenario_time: float
    for_id: str  # the project that took its place


# seq, wall, scenario time, method, raw path, project, HTTP status, latency, fault,
# success, code, status shown, Retry-After, alert level, step statuses: a plain tuple is the
# cheapest thing to append.
_Raw = tuple[
    int,
    float,
    float,
    str,
    bytes,
    str | None,
    int | None,
    float,
    str | None,
    bool | None,
    str | None,
    Status | None,
    str | None,
    Importance | None,
    tuple[StepStatus, ...] | None,
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
        exposure: bool = True,
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
        self._cleared = 0  # requests counted before the last clear()
        self._polls: dict[str, Polls] = {}
        self._notices = Notices()
        self._evicted = 0
        self._evictions: deque[Eviction] = deque(maxlen=KEPT_EVICTIONS)
        # what the clients were shown, for the coverage report (None: not counted)
        self.exposure = Exposure(max_tracked=max_tracked) if exposure else None

    def record(
        self,
        wall: float,
        now: float,
        method: str,
        raw_path: bytes,
        http_status: int | None,
        body: bytes,
        project_id: str | None,
        fault: str | None,
        latency: float,
        shown: Status | None = None,
        retry_after: str | None = None,
        *,
        poll: bool = True,
        level: Importance | None = None,
        steps: tuple[StepStatus, ...] | None = None,
        api: Api = Api.V3,
    ) -> None:
        """Note one request: ``wall`` and ``now`` are the wall and scenario clocks when it
        arrived, ``raw_path`` its path without the query (a V4 call keeps its ``Action``).
        ``shown``: the status a success body showed, when the caller knows it (the body is
        not read then). ``retry_after``: the Retry-After header sent with the answer.
        ``poll``: whether it counts in the project's poll statistics (a V4 call other than
        DescribeProjectProgress is kept in the journal but does not). ``level`` and
        ``steps``: the alert level and step statuses a success body showed, given with
        ``shown`` (or ``steps`` alone) when the caller knows them. ``api``: which OMS API
        the request spoke (for the coverage report)."""
        success: bool | None
        code: str | None
        if shown is not None or steps is not None:
            success, code = True, "success"
        else:
            success, code, shown, level, steps = outcome(body)
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
                    retry_after,
                    level,
                    steps,
                )
            )
            exposure = self.exposure
            if exposure is not None and method == "HEAD":  # no body reaches the client
                exposure.add(wall, now, project_id, api, None, None, None, fault, None)
            elif exposure is not None:
                exposure.add(
                    wall,
                    now,
                    project_id,
                    api,
                    shown,
                    level,
                    steps,
                    fault,
                    code if success is False else None,
                )
            before = after = None
            if project_id is not None and poll:
                polls = self._polls.get(project_id)
                if polls is None and len(self._polls) >= self.max_tracked:
                    self._untracked += 1
                elif polls is None:
                    polls = self._polls[project_id] = Polls(self.interval_sample)
                if polls is not None and polls.add(wall, now, shown, self.max_runs):
                    runs = polls.runs
                    before, after = (runs[-2].status if len(runs) > 1 else None), shown
            if after is not None or fault is not None:
                self._notices.add(wall, now, project_id, before, after, fault, http_status)

    # -- reading ----------------------------------------------------------------------------

    def counts(self) -> Counts:
        with self._lock:
            return self._counts(len(self._entries))

    def _counts(self, kept: int) -> Counts:
        total = self._total
        return Counts(
            total,
            kept,
            total - kept,
            self.size,
            self._untracked,
            self._cleared + total,
            self._evicted,
        )

    def evictions(self) -> list[Eviction]:
        """The last :data:`KEPT_EVICTIONS` evictions, oldest first."""
        with self._lock:
            return list(self._evictions)

    def evicted(self, eviction: Eviction) -> None:
        """Note a project evicted at the store's cap; its poll statistics go with it (so
        that the projects polled now are the ones tracked)."""
        with self._lock:
            self._evicted += 1
            self._evictions.append(eviction)
            self._polls.pop(eviction.project_id, None)

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
            kept = self._entries
            skip = 0  # seqs follow each other: those up to ``after`` are not even copied
            if after is not None and kept:
                skip = min(len(kept), max(0, after - kept[0][0] + 1))
            raw = list(islice(kept, skip, None))
            counts = self._counts(len(kept))
        out: list[Entry] = []
        for item in _select(raw, project_id, since, until, after):
            if limit is not None and len(out) >= limit:
                break
            out.append(_entry(item))
        return out, counts

    def notices(self, after: int = 0) -> tuple[list[Notice], int]:
        """The status changes shown and the faults served since notice ``after``, and how
        many of those were dropped unread (the feed is bounded)."""
        with self._lock:
            return self._notices.since(after)

    def polls(self, project_id: str) -> Timeline:
        """How ``project_id`` was polled (all zero when it never was)."""
        with self._lock:
            polls = self._polls.get(project_id)
            return empty(project_id) if polls is None else polls.timeline(project_id)

    def poll_counts(self, project_ids: Iterable[str]) -> dict[str, tuple[int, Moment | None]]:
        """How many requests named each of ``project_ids`` and when the last came, for
        those ever polled: what a listing shows beside each project, under one lock."""
        with self._lock:
            found = {pid: self._polls.get(pid) for pid in project_ids}
            return {
                pid: (polls.count, None if polls.last is None else Moment(*polls.last))
                for pid, polls in found.items()
                if polls is not None
            }

    # -- resetting --------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every entry and every poll statistic; counting starts again at 1."""
        with self._lock:
            self._entries.clear()
            self._cleared += self._total
            self._total = 0
            self._untracked = 0
            self._polls = {}
            self._evicted = 0
            self._evictions.clear()
            if self.exposure is not None:  # its counts stay: a test's reset is no new server
                self.exposure.restart()

    def forget(self, project_id: str) -> None:
        """Start ``project_id``'s poll statistics afresh (its journal entries stay), and
        its exposure: the next status it shows is no change from the last one."""
        with self._lock:
            self._polls.pop(project_id, None)
            if self.exposure is not None:
                self.exposure.forget(project_id)

    # -- exposure ---------------------------------------------------------------------------

    def _exposure(self) -> Exposure:
        if self.exposure is None:
            raise Conflict(
                "this server does not count what its clients were shown (--no-coverage)",
                advice="Start mock-oms without --no-coverage.",
            )
        return self.exposure

    def mark(self, wall: float, now: float) -> Mark:
        """A coverage mark: what is shown from now on counts since it."""
        with self._lock:
            return self._exposure().mark(wall, now)

    def tallies(self, since: int | None = None, project_id: str | None = None) -> Tallies:
        """What the clients were shown (since a mark, of one project): the keys of
        :mod:`mock_oms.journal.exposure`, counted."""
        with self._lock:  # a copy under the lock; the adding up outside it
            snapshot = self._exposure().snapshot(since, project_id)
        return snapshot.tallies()

    def marks(self) -> list[Mark]:
        with self._lock:
            return self._exposure().marks()

    def clear_exposure(self) -> None:
        """Forget what the clients were shown, and every mark."""
        with self._lock:
            self._exposure().clear()


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
    seq, wall, now, method, raw_path = item[:5]
    return Entry(seq, wall, now, method, raw_path.decode("utf-8", "replace"), *item[5:])
