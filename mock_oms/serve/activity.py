"""What the server logs about the requests it serves, at no cost to the hot path.

Every OMS request is already in the journal (a ring buffer); a background thread reads what
is new there and writes, in batches:

- by default, a line each time a project shows a new status, and each time a fault is
  served (the journal's notices), and a summary line every ``interval`` seconds in which
  requests arrived;
- with ``--log-requests``, also one line a request, written in batches.

uvicorn's own access log (``--access-log``) formats a record inside every request and
halves the throughput; this costs the hot path nothing beyond the journal it keeps anyway.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from functools import lru_cache

from mock_oms.journal.notices import Notice
from mock_oms.journal.requests import Entry, Journal

__all__ = [
    "ActivityLog",
    "log",
    "notice_line",
    "request_line",
    "stderr_sink",
    "summary_line",
]

log = logging.getLogger("mock_oms")


@lru_cache(maxsize=4)
def _clock_time(second: int) -> str:
    return time.strftime("%H:%M:%S", time.localtime(second))


def _stamp(time_: float) -> str:
    return f"{_clock_time(int(time_))}.{int(time_ * 1000) % 1000:03d}"


def notice_line(notice: Notice) -> str:
    """A status change shown, or a fault served, as a log line."""
    parts = []
    if notice.after is not None:
        if notice.before is None:
            parts.append(f"{notice.after.value} (the first status shown)")
        else:
            parts.append(f"{notice.before.value} -> {notice.after.value}")
        parts[-1] += f" at scenario time {notice.scenario_time:.1f} s"
    if notice.fault is not None:
        answered = f"HTTP {notice.http_status}" if notice.http_status else "no response"
        parts.append(f"fault {notice.fault} served ({answered})")
    who = notice.project_id if notice.project_id is not None else "(no project)"
    return f"{_stamp(notice.time)} {who}: {'; '.join(parts)}"


def stderr_sink(text: str) -> None:
    """Lines to standard error in uvicorn's log style, a batch in one write."""
    sys.stderr.write("".join(f"INFO:     mock-oms {line}\n" for line in text.splitlines()))
    sys.stderr.flush()


def request_line(entry: Entry) -> str:
    """One request as a log line: time, method, path, status, what it showed, latency."""
    what = entry.shown.value if entry.shown else (entry.code or "-")
    fault = f" fault={entry.fault}" if entry.fault else ""
    return (
        f"{_clock_time(int(entry.time))}.{int(entry.time * 1000) % 1000:03d} {entry.method} "
        f"{entry.path} {entry.http_status or '-'} {what} {entry.latency * 1000:.1f}ms{fault}"
    )


def summary_line(requests: int, seconds: float) -> str:
    return f"{requests} OMS requests in the last {seconds:.0f} s ({requests / seconds:.0f}/s)"


class ActivityLog:
    """Every ``interval`` seconds in which requests arrived, a summary line (from the
    journal's counts: nothing is read per request); with ``requests``, every ``flush``
    seconds the new journal entries, a line each."""

    def __init__(
        self,
        journal: Journal,
        *,
        interval: float = 10.0,
        requests: bool = False,
        notices: bool = True,
        sink: Callable[[str], None] | None = None,
        flush: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.journal = journal
        self.interval = interval
        self.requests = requests
        self.notices = notices
        self.sink = sink  # gets a batch of lines at a time; None: the "mock_oms" logger
        self.clock = clock
        self._flush = flush if requests or notices else interval
        self._noticed = 0  # the journal's last notice written
        self._received = 0  # the journal's count of requests ever received, when last read
        self._counted = 0  # requests since the last summary
        self._since = clock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mock-oms activity", daemon=True)

    def start(self) -> ActivityLog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.tick(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self._flush):
            self.tick()

    def tick(self, *, final: bool = False) -> None:
        """Read what is new in the journal; write what is due."""
        if self.notices:
            fresh, dropped = self.journal.notices(after=self._noticed)
            if fresh or dropped:
                lines = [notice_line(n) for n in fresh]
                if dropped:
                    lines.insert(0, f"({dropped} status changes and faults not logged: too many)")
                self._write("\n".join(lines))
                self._noticed = fresh[-1].number if fresh else self._noticed + dropped
        counts = self.journal.counts()
        if self.requests and counts.received > self._received:
            # a reset empties the journal and numbers from 1 again: what it let go uncounted
            cleared = counts.received - counts.total
            entries, counts = self.journal.entries(after=max(0, self._received - cleared))
            skipped = counts.received - self._received - len(entries)
            lines = [request_line(e) for e in entries]
            if skipped > 0:
                lines.insert(0, f"({skipped} requests left the journal before they were logged)")
            self._write("\n".join(lines))
        self._counted += counts.received - self._received
        self._received = counts.received
        now = self.clock()
        if final or now - self._since >= self.interval:
            if self._counted:
                self._write(summary_line(self._counted, max(now - self._since, 1e-9)))
            self._counted, self._since = 0, now

    def _write(self, text: str) -> None:
        if self.sink is None:
            for line in text.splitlines():
                log.info("%s", line)
        else:
            self.sink(text)
