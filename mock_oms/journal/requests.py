"""The request journal: the OMS requests a server received, and how each project was polled.

Pure: the web layer passes every time in. Two records are kept side by side:

- a ring buffer of the last ``size`` requests, which counts exactly how many older ones it
  dropped;
- per project, the poll statistics of ``polls.py`` (count, first and last poll, intervals,
  the statuses shown), updated on every request, so they stay exact whatever the ring
  buffer dropped.

Recording is on the hot path: one lock, a few comparisons and one append of a tuple.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from mock_oms.core.lifecycle import Status
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
# success, code, status shown, Retry-After: a plain tuple is the cheapest thing to append.
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
        self._cleared = 0  # requests counted before the last clear()
        self._polls: dict[str, Polls] = {}
        self._notices = Notices()
        self._evicted = 0
        self._evictions: deque[Eviction] = deque(maxlen=KEPT_EVICTIONS)

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
    ) -> None:
        """Note one request: ``wall`` and ``now`` are the wall and scenario clocks when it
        arrived, ``raw_path`` its path without the query (a V4 call keeps its ``Action``).
        ``shown``: the status a success body showed, when the caller knows it (the body is
        not read then). ``retry_after``: the Retry-After header sent with the answer.
        ``poll``: whether it counts in the project's poll statistics (a V4 call other than
        DescribeProjectProgress is kept in the journal but does not)."""
        success, code, shown = (True, "success", shown) if shown else outcome(body)
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
                )
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
    seq, wall, now, method, raw_path = item[:5]
    return Entry(seq, wall, now, method, raw_path.decode("utf-8", "replace"), *item[5:])
