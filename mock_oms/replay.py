"""Replay scenarios: a recorded sequence of responses served again. Pure.

A replay scenario (``kind: replay``) holds the entries a recording met, each at its time
offset: a JSON body, a text that was not JSON, or a fault (a timeout recorded as a hang,
a reset as a reset, ...). It is served under one endpoint (``endpoint: migration|sync``)
either on scenario time (``mode: time``: the entry whose ``at`` was reached last) or one
entry per poll (``mode: poll``); after the last entry the last one is served again.

To the rest of mock-oms a replay is an ordinary :class:`~mock_oms.scenario.Scenario`
whose ``replay`` field holds the recording and whose timeline is a single placeholder
phase that waits forever: the engine and the store give it project IDs, instances,
scenario time, poll counts, reset and delete unchanged, and never see the recording.
The web layer serves :func:`entry_at` instead of the engine's snapshot; the control API
shows :func:`snapshot`, read from the recorded body.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from mock_oms.engine import Snapshot
from mock_oms.faults import (
    NO_BODY,
    BusinessError,
    Deviation,
    Fault,
    HttpStatus,
    Rule,
)
from mock_oms.faultspec import parse_fault, parse_rules
from mock_oms.lifecycle import Importance, Status
from mock_oms.scenario import (
    DEFAULT_RELEASE_SECONDS,
    Path_,
    Phase,
    Scenario,
    ScenarioProblems,
)
from mock_oms.steps import Flags, Kind


class Mode(StrEnum):
    TIME = "time"
    POLL = "poll"


@dataclass(frozen=True, slots=True)
class Entry:
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
    entries: tuple[Entry, ...]
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
    """The index of the entry served after ``polls`` polls, ``elapsed`` seconds in."""
    if replay.mode is Mode.POLL:
        return max(0, min(polls, len(replay.entries)) - 1)
    return max(0, bisect_right(replay.offsets, elapsed) - 1)


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
    API; ``fallback`` supplies what the body does not say."""
    data = _data(replay, index)
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
BODILESS = frozenset({204, 304})


def _shapes_a_body(fault: Fault | None) -> bool:
    """Whether ``fault`` acts on a body (truncate, deviation, latency, ...), rather than
    sending none (a hang, close, reset) or one of its own (a status, a business error)."""
    return fault is not None and not isinstance(fault, (*NO_BODY, HttpStatus, BusinessError))


def _entries(
    raw_entries: list[dict[str, Any]], kind: Kind, problems: list[tuple[Path_, str]]
) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    last_at = 0.0
    for i, raw in enumerate(raw_entries):
        at: Path_ = ("entries", i)
        if raw["at"] < last_at:
            problems.append(
                ((*at, "at"), f"at {raw['at']:g} is before the previous entry's {last_at:g}")
            )
        last_at = max(last_at, raw["at"])
        fault = (
            parse_fault(raw["fault"], (*at, "fault"), (kind,), problems) if "fault" in raw else None
        )
        if "body" in raw and "text" in raw:
            problems.append((at, "an entry has a JSON body or a text, not both"))
        has_body = "body" in raw or "text" in raw
        if fault is None and not has_body:
            problems.append((at, "an entry needs a body, a text or a fault"))
        if isinstance(fault, NO_BODY) and has_body:
            problems.append(((*at, "fault"), "this fault sends no body: drop body/text"))
        status = raw.get("status", 200)
        if status in BODILESS and ("body" in raw or raw.get("text") or _shapes_a_body(fault)):
            problems.append(
                (
                    (*at, "status"),
                    f"a {status} response has no body: drop body/text (and a fault that "
                    "shapes one)",
                )
            )
        entries.append(
            Entry(
                at=float(raw["at"]),
                status=raw.get("status", 200),
                document=raw.get("body"),
                text=raw.get("text"),
                content_type=raw.get("contentType"),
                retry_after=None if "retryAfter" not in raw else str(raw["retryAfter"]),
                fault=fault,
                delay=float(raw.get("delay", 0.0)),
                note=raw.get("note", ""),
                keys=frozenset(raw),
            )
        )
    # a fault that shapes a body (truncate, deviation, latency, ...) acts on the entry's own
    # body, or on the nearest recorded one before it (after it, when none comes before)
    bodies = [i for i, e in enumerate(entries) if e.has_body]
    for i, entry in enumerate(entries):
        if entry.has_body:
            entries[i] = replace(entry, base=i)
            continue
        if not _shapes_a_body(entry.fault):
            continue
        before = [j for j in bodies if j < i]
        base = before[-1] if before else (bodies[0] if bodies else None)
        if base is None:
            problems.append(
                (("entries", i, "fault"), "this fault acts on a body and no entry has one")
            )
        elif isinstance(entry.fault, Deviation) and not isinstance(entries[base].document, dict):
            problems.append(
                (("entries", i, "fault"), f"a deviation needs a JSON body; entry {base} has none")
            )
        entries[i] = replace(entry, base=base)
    return tuple(entries)


def _placeholder_flags(kind: Kind, entries: tuple[Entry, ...]) -> Flags:
    for entry in entries:
        document = entry.document
        if isinstance(document, dict) and isinstance(document.get("data"), dict):
            data = document["data"]
            names = (
                ("enableStructMigration", "enableFullMigration")
                if kind is Kind.MIGRATION
                else ("enableStructSync", "enableFullSync")
            )
            return Flags(
                struct=bool(data.get(names[0], True)),
                full=bool(data.get(names[1], True)),
                incr=bool(data.get("enableIncrSync", False)),
                reverse=bool(data.get("enableReverseIncrSync", False)) and kind is Kind.MIGRATION,
            )
    return Flags()


def build(doc: dict[str, Any], source: str = "<memory>") -> Scenario:
    """A replay :class:`Scenario` from a schema-valid document, or :class:`ScenarioProblems`."""
    problems: list[tuple[Path_, str]] = []
    kind = Kind(doc["endpoint"])
    entries = _entries(doc["entries"], kind, problems)
    rules: tuple[Rule, ...] = parse_rules(doc.get("faults", []), ("faults",), kind, problems)
    if problems:
        raise ScenarioProblems(problems)
    recording = Replay(
        endpoint=kind,
        mode=Mode(doc.get("mode", Mode.TIME.value)),
        entries=entries,
        offsets=tuple(e.at for e in entries),
        recorded=doc.get("recorded", {}),
    )
    first = snapshot(
        recording,
        0,
        Snapshot(Status.RUNNING, Importance.LOW, "PRE_CHECK", 0, 0, 0, 0, 0, 0.0),
    )
    placeholder = Phase(
        index=0,
        status=first.status,
        step=first.step,
        importance=first.importance,
        note="replay: the recording decides what is served",
    )
    return Scenario(
        name=doc["name"],
        kind=kind,
        flags=_placeholder_flags(kind, entries),
        timeline=(placeholder,),
        description=doc.get("description", ""),
        importance=first.importance,
        projects=tuple(doc.get("projects", ())),
        release_seconds=DEFAULT_RELEASE_SECONDS,
        source=source,
        document=doc,
        faults=rules,
        replay=recording,
    )
