"""What the clients were shown, counted for the coverage report: the journal's third record.

Every OMS response the journal records is reduced to one :data:`Key`: the project it named,
the API it spoke, the status, alert level and step statuses its whole body showed, the status
change that status was for the project on that API (the status shown before it there), the
fault it carried and the error code its envelope said. A dict counts each key, with the
moment it was first seen: one lookup a response on the hot path, whatever the key holds.
The key holds the values of the enumerations, not their members: a str hashes in C and
keeps its hash, an enumeration member hashes in Python, each time.
``coverage/report.py`` splits the keys into the elements of the exposure space.

Marks cut the count into segments, so that a report can cover what was shown since one
(a test measured alone). Bounded: at most ``max_keys`` keys over all segments (past it, new
keys are counted without their project, and the responses so counted are said) and
``max_segments`` segments (past it, the two oldest are merged and the mark between them can
no longer be asked for). Pure: times are passed in. Not locked: the journal calls it under
its own lock, so that what it counts is in the order of the journal's sequence numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from mock_oms.core.errors import NotFound, ParamError
from mock_oms.core.kinds import Api
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.steps import StepStatus

__all__ = [
    "DEFAULT_MAX_KEYS",
    "DEFAULT_MAX_SEGMENTS",
    "Exposure",
    "Key",
    "Mark",
    "Snapshot",
    "Tallies",
    "Tally",
    "step_statuses",
]

DEFAULT_MAX_KEYS = 200_000
DEFAULT_MAX_SEGMENTS = 1_000

# project, API, status, alert level, status change (before, after), step statuses shown,
# fault label, error code (of an error envelope): the values of Api, Status, Importance and
# StepStatus
Key = tuple[
    str | None,
    str,
    str | None,
    str | None,
    tuple[str, str] | None,
    tuple[str, ...] | None,
    str | None,
    str | None,
]


class Tally(NamedTuple):
    """How often one key was seen, and first when (wall clock, scenario time)."""

    seen: int
    time: float
    scenario_time: float


class Mark(NamedTuple):
    number: int  # 1 for the first mark the server set; never restarts
    time: float  # wall clock, Unix seconds
    scenario_time: float


@dataclass(frozen=True, slots=True)
class Tallies:
    """What a report is made of: the keys seen in its scope, and the scope's figures."""

    keys: dict[Key, Tally]
    responses: int  # the responses counted in the scope
    folded: int  # of them, those counted without their project (beyond max_keys)
    mark: int  # the last mark set (0: none)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The counts of a report's scope, copied (key, count, first wall time, first scenario
    time; a key once a segment), to be added up into :class:`Tallies`."""

    counts: list[tuple[Key, float, float, float]]
    folded: int
    mark: int

    def tallies(self) -> Tallies:
        keys: dict[Key, Tally] = {}
        responses = 0
        for key, count, wall, now in self.counts:
            responses += int(count)
            seen = keys.get(key)
            if seen is None:
                keys[key] = Tally(int(count), wall, now)
            else:
                keys[key] = seen._replace(seen=seen.seen + int(count))
        return Tallies(keys, responses, self.folded, self.mark)


_STEP_ORDER = tuple(StepStatus)
_V3 = Api.V3  # a module global: an enumeration's class attribute is slow to read
_Hot = dict[str, tuple[Status | None, Importance | None, list[float]]]


def step_statuses(statuses: Iterable[StepStatus]) -> tuple[StepStatus, ...]:
    """The distinct step statuses of a step list, in the order of :class:`StepStatus`."""
    seen = set(statuses)
    return tuple(s for s in _STEP_ORDER if s in seen)


class _Segment:
    __slots__ = ("folded", "mark", "tallies")

    def __init__(self, mark: int) -> None:
        self.mark = mark  # the mark that opened it (0: the start, -1: the last clear)
        self.tallies: dict[Key, list[float]] = {}  # key -> [count, wall, scenario time]
        self.folded = 0


class Exposure:
    """The exposure counts of one server."""

    def __init__(
        self,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        max_segments: int = DEFAULT_MAX_SEGMENTS,
        max_tracked: int = 100_000,
    ) -> None:
        self.max_keys = max_keys
        self.max_segments = max(2, max_segments)
        self.max_tracked = max_tracked
        self._marks: list[Mark] = []
        self._made = 0  # marks made since the exposure was made
        self._segments = [_Segment(0)]
        self._current = self._segments[0].tallies
        self._keys = 0
        self._last: dict[str, dict[str, str]] = {api.value: {} for api in Api}
        # per API, project -> the status and level of its last plain poll and their tally:
        # the same poll again (the common case) is counted without making its key
        self._hot3: _Hot = {}
        self._hot4: _Hot = {}

    # -- the hot path ------------------------------------------------------------------------

    def add(
        self,
        wall: float,
        now: float,
        project_id: str | None,
        api: Api,
        status: Status | None,
        level: Importance | None,
        steps: tuple[StepStatus, ...] | None,
        fault: str | None,
        code: str | None,
    ) -> None:
        """Count one response (``code``: the error code of an error envelope, else None)."""
        hot = self._hot3 if api is _V3 else self._hot4
        plain = False
        if project_id is not None and status is not None:
            plain = steps is None and fault is None and code is None
            seen = hot.get(project_id) if plain else None
            if seen is not None and seen[0] is status and seen[1] is level:
                seen[2][0] += 1
                return
        api_value: str = api._value_
        shown: str | None = None if status is None else status._value_
        change = None
        if shown is not None and project_id is not None:
            last = self._last[api_value]
            before = last.get(project_id)
            if before is not shown:
                if before is not None:
                    change = (before, shown)
                    last[project_id] = shown
                    hot.pop(project_id, None)  # what it showed before is no longer hot
                elif len(last) < self.max_tracked:
                    last[project_id] = shown
        key: Key = (
            project_id,
            api_value,
            shown,
            None if level is None else level._value_,
            change,
            None if steps is None else tuple(s._value_ for s in steps),
            fault,
            code,
        )
        current = self._current
        tally = current.get(key)
        if tally is not None:
            tally[0] += 1
        elif self._keys >= self.max_keys and project_id is not None:
            self._segments[-1].folded += 1
            key = (None, *key[1:])
            tally = current.get(key)
            if tally is not None:
                tally[0] += 1
            else:
                current[key] = [1, wall, now]
                self._keys += 1
            return  # counted without its project: never hot
        else:
            tally = current[key] = [1, wall, now]
            self._keys += 1
        tracked = project_id is not None and project_id in self._last[api_value]
        if plain and change is None and tracked:
            hot[project_id] = (status, level, tally)  # type: ignore[index]

    # -- marks and resets --------------------------------------------------------------------

    def mark(self, wall: float, now: float) -> Mark:
        """Start a new segment; what is shown from now on counts after this mark."""
        self._made += 1
        mark = Mark(self._made, wall, now)
        self._marks.append(mark)
        segment = _Segment(mark.number)
        self._segments.append(segment)
        self._current = segment.tallies
        self._cool()
        if len(self._segments) > self.max_segments:
            self._merge_oldest()
        return mark

    def _merge_oldest(self) -> None:
        first, second = self._segments[0], self._segments[1]
        into = first.tallies
        for key, (count, wall, now) in second.tallies.items():
            tally = into.get(key)
            if tally is None:
                into[key] = [count, wall, now]
            else:
                tally[0] += count
                self._keys -= 1
        first.folded += second.folded
        del self._segments[1]
        self._marks = [m for m in self._marks if m.number != second.mark]

    def marks(self) -> list[Mark]:
        """The marks that can still be asked for, oldest first."""
        return list(self._marks)

    def forget(self, project_id: str) -> None:
        """The project was reset: the next status it shows is no change from the last."""
        for last in self._last.values():
            last.pop(project_id, None)
        for hot in (self._hot3, self._hot4):
            hot.pop(project_id, None)

    def restart(self) -> None:
        """Every project was reset (the journal emptied): no status shown before counts."""
        for last in self._last.values():
            last.clear()
        self._cool()

    def _cool(self) -> None:
        """No poll is hot any more (a new segment counts afresh)."""
        self._hot3.clear()
        self._hot4.clear()

    def clear(self) -> None:
        """Forget every count and every mark (mark numbers go on from the last one)."""
        self._segments = [_Segment(-1)]  # no mark set before now opens it
        self._current = self._segments[0].tallies
        self._marks = []
        self._keys = 0
        self.restart()

    # -- reading -----------------------------------------------------------------------------

    def tallies(self, since: int | None = None, project_id: str | None = None) -> Tallies:
        """The keys seen since mark ``since`` (None or 0: since the start, or the last
        clear), of one project or all; :class:`NotFound` for a mark that cannot be asked
        for (set before a clear, merged away, or not set yet)."""
        return self.snapshot(since, project_id).tallies()

    def snapshot(self, since: int | None = None, project_id: str | None = None) -> Snapshot:
        """What :meth:`tallies` adds up, copied: the part to take under the journal's lock
        (a copy of each count), so that the adding up, the longer part, can be done
        outside it while the hot path goes on counting."""
        segments = self._segments
        if since is not None and since < 0:
            raise ParamError("a coverage mark is a number >= 0")
        if since:
            if since > self._made:
                raise NotFound(f"no coverage mark {since}: the last one set is {self._made}")
            found = [i for i, s in enumerate(segments) if s.mark == since]
            if not found:
                raise NotFound(
                    f"coverage mark {since} can no longer be asked for: it was set before the "
                    "coverage was cleared, or merged away beyond the last "
                    f"{self.max_segments} marks"
                )
            segments = segments[found[0] :]
        counts: list[tuple[Key, float, float, float]] = []
        folded = 0
        for segment in segments:
            folded += segment.folded
            if project_id is None:
                counts += [(k, v[0], v[1], v[2]) for k, v in segment.tallies.items()]
            else:
                counts += [
                    (k, v[0], v[1], v[2]) for k, v in segment.tallies.items() if k[0] == project_id
                ]
        return Snapshot(counts, 0 if project_id is not None else folded, self._made)
