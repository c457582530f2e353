"""What a scenario document says a project shows at a given scenario time.

An oracle written from the scenario format's documentation (``scenario.schema.json`` and
the README), independently of ``mock_oms.engine``: a plain walk over the phases where the
engine bisects precomputed tables. The kit loads generated scenarios into mock-oms and
compares what the server answers with what this module expects.

It covers timelines measured in seconds and played without operator actions; phases
counted in polls depend on who polls, and are refused. Fault rules change what some polls
return, never the story a scenario tells: the oracle predicts a scenario's story
(:func:`story`, the document without its faults) and refuses the faults themselves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

DEFAULT_RELEASE_SECONDS = 5.0
OFF = ("off", 0.0)
# What the oracle knows of the format; anything else (a later addition such as faults) may
# change what the server shows, so the oracle declines such documents.
KNOWN_FIELDS = frozenset(
    {"name", "description", "kind", "flags", "importance", "projects", "release", "timeline"}
)
KNOWN_PHASE_FIELDS = frozenset(
    {"id", "status", "step", "seconds", "polls", "importance", "progress", "checkpoint"}
    | {"resume", "note"}
)


FAULTS = "faults"  # a scenario's fault rules, and a phase's own


def has_faults(document: Mapping[str, Any]) -> bool:
    """Whether the document declares fault rules (in the scenario or in a phase)."""
    return FAULTS in document or any(FAULTS in p for p in document.get("timeline", ()))


def story(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document without its fault rules: what its projects go through, which is what
    the oracle predicts (a fault changes what one poll returns, not the project)."""
    out = {k: v for k, v in document.items() if k != FAULTS}
    if "timeline" in document:
        out["timeline"] = [
            {k: v for k, v in phase.items() if k != FAULTS} for phase in document["timeline"]
        ]
    return out


def unsupported(document: Mapping[str, Any]) -> str | None:
    """Why the oracle cannot predict ``document`` (None when it can)."""
    if has_faults(document):
        return "it has faults, which change what polls return: predict its story() instead"
    extra = set(document) - KNOWN_FIELDS
    if extra:
        return f"fields the oracle does not know: {', '.join(sorted(extra))}"
    for i, phase in enumerate(document["timeline"]):
        if "polls" in phase:
            return f"phase {i} is counted in polls, which depends on who polls"
        extra = set(phase) - KNOWN_PHASE_FIELDS
        if extra:
            return f"phase {i} has fields the oracle does not know: {', '.join(sorted(extra))}"
    return None


@dataclass(frozen=True, slots=True)
class PlannedPhase:
    """One phase with everything it inherits resolved."""

    index: int
    start: float  # scenario seconds after the project started
    seconds: float | None  # None: lasts until an action (forever, here)
    status: str
    step: str
    importance: str
    struct: tuple[int, int]
    full: tuple[int, int]
    incr: tuple[str, float]  # (mode, lag) in effect: off, follow or freeze
    reverse: tuple[str, float]


def _rule(spec: Any) -> tuple[str, float]:
    if isinstance(spec, str):
        return spec, 0.0
    return str(spec["mode"]), float(spec.get("lag", 0))


def _span(spec: Any, carried: int) -> tuple[int, int]:
    if spec is None:
        return carried, carried
    if isinstance(spec, int):
        return spec, spec
    return int(spec[0]), int(spec[1])


def plan(document: Mapping[str, Any]) -> list[PlannedPhase]:
    """The phases of a valid scenario document, each with its start time."""
    release = float(document.get("release", {}).get("seconds", DEFAULT_RELEASE_SECONDS))
    step, importance = "PRE_CHECK", str(document.get("importance", "LOW"))
    figures = {"struct": 0, "full": 0}
    rules = {"incr": OFF, "reverse": OFF}
    phases: list[PlannedPhase] = []
    start = 0.0
    reason = unsupported(document)
    if reason is not None:
        raise ValueError(reason)
    raw_phases: Sequence[Mapping[str, Any]] = document["timeline"]
    for i, raw in enumerate(raw_phases):
        status = str(raw["status"])
        step = str(raw.get("step", step))
        importance = str(raw.get("importance", importance))
        spans = {}
        for name in ("struct", "full"):
            spans[name] = _span(raw.get("progress", {}).get(name), figures[name])
            figures[name] = spans[name][1]
        effective = {}
        for name in ("incr", "reverse"):
            spec = raw.get("checkpoint", {}).get(name)
            if spec is not None:
                rules[name] = _rule(spec)
            mode, lag = rules[name]
            # checkpoints move only while RUNNING; elsewhere they hold
            effective[name] = (
                ("freeze", lag) if mode == "follow" and status != "RUNNING" else (mode, lag)
            )
        seconds = raw.get("seconds")
        if status == "RELEASING" and seconds is None:
            seconds = release
        phases.append(
            PlannedPhase(
                i,
                start,
                None if seconds is None else float(seconds),
                status,
                step,
                importance,
                spans["struct"],
                spans["full"],
                effective["incr"],
                effective["reverse"],
            )
        )
        if seconds is None:
            break  # only an action ends it: nothing after it plays
        start += float(seconds)
    last = phases[-1]
    if last.status == "RELEASING" and last.index == len(raw_phases) - 1:
        phases.append(
            PlannedPhase(
                last.index + 1,
                start,
                None,
                "RELEASED",
                last.step,
                last.importance,
                (last.struct[1],) * 2,
                (last.full[1],) * 2,
                OFF,
                OFF,
            )
        )
    return phases


def phase_at(phases: Sequence[PlannedPhase], tau: float) -> PlannedPhase:
    current = phases[0]
    for phase in phases[1:]:
        if tau < phase.start:
            break
        current = phase
    return current


def _progress(span: tuple[int, int], phase: PlannedPhase, tau: float) -> int:
    if phase.seconds is None:
        return span[1]
    done = min(Fraction(1), max(Fraction(0), Fraction(tau - phase.start) / Fraction(phase.seconds)))
    return span[0] + math.floor((span[1] - span[0]) * done)


def _checkpoint(
    phases: Sequence[PlannedPhase], now: PlannedPhase, tau: float, base: float, name: str
) -> int:
    value = 0.0
    for phase in phases[: now.index + 1]:
        mode, lag = phase.incr if name == "incr" else phase.reverse
        if mode != "follow":
            continue
        end = tau if phase is now else phase.start + (phase.seconds or 0.0)
        value = max(value, base + end - lag)
    return math.floor(value)


def expected_data(
    document: Mapping[str, Any],
    tau: float,
    base: float,
    phases: Sequence[PlannedPhase] | None = None,
) -> dict[str, Any]:
    """The fields of ``data`` the scenario prescribes at ``tau`` seconds after the project
    started; ``base`` is the Unix time it started (checkpoints count from there)."""
    phases = phases if phases is not None else plan(document)
    now = phase_at(phases, tau)
    flags = {
        "struct": True,
        "full": True,
        "incr": False,
        "reverse": False,
        **document.get("flags", {}),
    }
    incr = _checkpoint(phases, now, tau, base, "incr")
    out: dict[str, Any] = {
        "status": now.status,
        "currentStep": now.step,
        "importance": now.importance,
        "structMigrationProgress": _progress(now.struct, now, tau),
        "fullMigrationProgress": _progress(now.full, now, tau),
        "enableIncrSync": flags["incr"],
    }
    if document["kind"] == "sync":
        out.update(enableStructSync=flags["struct"], enableFullSync=flags["full"])
        out["incrSyncCheckpoint"] = str(incr)
    else:
        out.update(
            enableStructMigration=flags["struct"],
            enableFullMigration=flags["full"],
            enableReverseIncrSync=flags["reverse"],
            incrSyncCheckpoint=incr,
            reverseIncrSyncCheckpoint=_checkpoint(phases, now, tau, base, "reverse"),
        )
    return out


def sample_times(phases: Sequence[PlannedPhase], linger: float = 1000.0) -> list[float]:
    """Times worth a poll: just after each phase starts, in its middle, and long after the
    last one started. All fall half a second off any boundary when durations are whole."""
    times: list[float] = []
    for phase in phases:
        times.append(phase.start + 0.5)
        if phase.seconds is not None and phase.seconds >= 2:
            times.append(phase.start + math.floor(phase.seconds / 2) + 0.5)
    times.append(phases[-1].start + linger + 0.5)
    return sorted(set(times))
