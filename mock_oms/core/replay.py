"""Replay scenarios: a recorded sequence of responses served again. Pure.

A replay scenario (``kind: replay``) holds the entries a recording met, each at its time
offset: a JSON body, a text that was not JSON, or a fault (a timeout recorded as a hang,
a reset as a reset, ...). It is served under one endpoint (``endpoint: migration|sync``)
either on scenario time (``mode: time``: the entry whose ``at`` was reached last) or one
entry per poll (``mode: poll``); after the last entry the last one is served again.

To the rest of mock-oms a replay is an ordinary :class:`~mock_oms.core.scenario.Scenario`
whose ``replay`` field holds the recording and whose timeline is a single placeholder
phase that waits forever: the engine and the store give it project IDs, instances,
scenario time, poll counts, reset and delete unchanged, and never see the recording.
The web layer serves :func:`entry_at` instead of the engine's snapshot; the control API
shows :func:`snapshot`, read from the recorded body.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mock_oms.core.clock import TOLERANCE
from mock_oms.core.engine import Snapshot
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.faults.model import Fault

__all__ = ["Mode", "Recorded", "Replay", "entry_at", "snapshot"]


class Mode(StrEnum):
    TIME = "time"
    POLL = "poll"


@dataclass(frozen=True, slots=True)
class Recorded:
    at: float
    status: int = 200
    document: Any = None  # the JSON body, as recorded
    text: str | None = None  # a body that was not JSON
    content_type: str | None = None
    retry_after: str | None = None
    fault: Fault | None = None
    delay: float = 0.0
    base: int | None = None  # the entry whose body this one's fault acts on (itself if it has one)
    note: str = ""
    keys: frozenset[str] = field(default=frozenset(), repr=False)  # the fields it was given

    @property
    def has_body(self) -> bool:
        return "body" in self.keys or "text" in self.keys


@dataclass(frozen=True, slots=True)
class Replay:
    endpoint: Kind
    mode: Mode
    entries: tuple[Recorded, ...]
    offsets: tuple[float, ...]
    recorded: Mapping[str, Any] = field(default_factory=dict)

    def statuses(self) -> list[Status]:
        """The recorded statuses, in the order first seen."""
        seen: list[Status] = []
        for i in range(len(self.entries)):
            data = _data(self, i)
            status = _enum(Status, data.get("status"), None) if data else None
            if status is not None and status not in seen:
                seen.append(status)
        return seen


def entry_at(replay: Replay, polls: int, elapsed: float) -> int:
    """The index of the entry served after ``polls`` polls, ``elapsed`` seconds in (an
    entry's ``at`` is reached within ``clock.TOLERANCE``)."""
    if replay.mode is Mode.POLL:
        return max(0, min(polls, len(replay.entries)) - 1)
    return max(0, bisect_right(replay.offsets, elapsed + TOLERANCE) - 1)


def _data(replay: Replay, index: int) -> dict[str, Any] | None:
    entry = replay.entries[index]
    base = replay.entries[entry.base] if entry.base is not None else entry
    document = base.document
    data = document.get("data") if isinstance(document, dict) else None
    return data if isinstance(data, dict) else None


def _enum(enum: Any, value: Any, default: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return default


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def snapshot(replay: Replay, index: int, fallback: Snapshot) -> Snapshot:
    """What entry ``index`` shows (read leniently from its recorded body), for the control
    API; ``fallback`` supplies what the body does not say. An entry without a body (a
    fault, a gateway page) shows the status recorded last before it, or, before any, the
    first one recorded: never the placeholder phase's."""
    data = _data(replay, index)
    if data is None:
        earlier = (_data(replay, i) for i in range(index - 1, -1, -1))
        later = (_data(replay, i) for i in range(index + 1, len(replay.entries)))
        data = next((d for d in (*earlier, *later) if d is not None), None)
    if data is None:
        return fallback
    return fallback._replace(
        status=_enum(Status, data.get("status"), fallback.status),
        importance=_enum(Importance, data.get("importance"), fallback.importance),
        step=str(data.get("currentStep", fallback.step)),
        struct=_int(data.get("structMigrationProgress"), fallback.struct),
        full=_int(data.get("fullMigrationProgress"), fallback.full),
        incr=_int(data.get("incrSyncCheckpoint"), fallback.incr),
        reverse=_int(data.get("reverseIncrSyncCheckpoint"), fallback.reverse),
    )


# Statuses whose responses have no body (HTTP/1.1): one sent with a Content-Length would
# leave its bytes on a kept-alive connection, in front of the next response.
