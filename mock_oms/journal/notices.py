"""What is worth a line in the default log: a project showing a new status, a fault served.

The journal notes each as it records the request (a comparison it makes anyway, on the hot
path); the log's thread reads them in batches. Bounded: past ``size`` unread notices the
oldest are dropped, and counted. Pure: times are passed in.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

from mock_oms.core.lifecycle import Status

__all__ = ["DEFAULT_NOTICES", "Notice", "Notices"]

DEFAULT_NOTICES = 1_000


class Notice(NamedTuple):
    number: int  # 1 for the first notice the server made; never restarts
    time: float  # wall clock, Unix seconds
    scenario_time: float
    project_id: str | None
    before: Status | None  # the status shown before (None: the first shown)
    after: Status | None  # the status shown now (None: no new status)
    fault: str | None  # the fault served, if any
    http_status: int | None


class Notices:
    """A bounded feed of notices. Not locked: the journal calls it under its own lock."""

    def __init__(self, size: int = DEFAULT_NOTICES) -> None:
        self._kept: deque[Notice] = deque(maxlen=size)
        self.made = 0

    def add(
        self,
        time: float,
        scenario_time: float,
        project_id: str | None,
        before: Status | None,
        after: Status | None,
        fault: str | None,
        http_status: int | None,
    ) -> None:
        self.made += 1
        self._kept.append(
            Notice(self.made, time, scenario_time, project_id, before, after, fault, http_status)
        )

    def since(self, number: int) -> tuple[list[Notice], int]:
        """The notices made after ``number`` that are still kept, and how many made after it
        were dropped unread."""
        fresh = [n for n in self._kept if n.number > number]
        first = fresh[0].number if fresh else self.made + 1
        return fresh, max(0, first - number - 1)
