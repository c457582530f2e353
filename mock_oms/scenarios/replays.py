"""Reading replay scenarios (``kind: replay``): a recording's entries into a
:class:`~mock_oms.core.scenario.Scenario` whose ``replay`` field holds them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mock_oms.core.engine import Snapshot
from mock_oms.core.errors import DocPath, DocProblems, DocumentProblems
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.replay import Mode, Recorded, Replay, snapshot
from mock_oms.core.scenario import DEFAULT_RELEASE_SECONDS, Phase, Scenario
from mock_oms.faults.model import NO_BODY, BusinessError, Deviation, Fault, HttpStatus
from mock_oms.faults.rules import Rule
from mock_oms.faults.spec import parse_fault, parse_rules

__all__ = ["BODILESS", "build"]

BODILESS = frozenset({204, 304})


def _shapes_a_body(fault: Fault | None) -> bool:
    """Whether ``fault`` acts on a body (truncate, deviation, latency, ...), rather than
    sending none (a hang, close, reset) or one of its own (a status, a business error)."""
    return fault is not None and not isinstance(fault, (*NO_BODY, HttpStatus, BusinessError))


def _entries(
    raw_entries: list[dict[str, Any]], kind: Kind, problems: DocProblems
) -> tuple[Recorded, ...]:
    entries: list[Recorded] = []
    last_at = 0.0
    for i, raw in enumerate(raw_entries):
        at: DocPath = ("entries", i)
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
            Recorded(
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


def _placeholder_flags(kind: Kind, entries: tuple[Recorded, ...]) -> Flags:
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
    """A replay :class:`Scenario` from a schema-valid document, or :class:`DocumentProblems`."""
    problems: DocProblems = []
    kind = Kind(doc["endpoint"])
    entries = _entries(doc["entries"], kind, problems)
    rules: tuple[Rule, ...] = parse_rules(doc.get("faults", []), ("faults",), kind, problems)
    if problems:
        raise DocumentProblems(problems)
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
