"""The contract rules over a poll session: the responses of one project, in order.

The same rules judge V3 progress polls and V4 DescribeProjectProgress calls: each reads
the fields of the API it judges (:func:`flag_fields`, :func:`checkpoints`,
:func:`progress_phases`) and names its violations for that API
(:func:`~contract_tests.rules.named`).

Polls may miss statuses, so transitions are checked for reachability, not adjacency.
Numbers are compared by value, whatever their JSON spelling (``60`` and ``60.0`` are
the same progress). :func:`session_violations` runs every rule, those over single
responses included. The facts each rule rests on are in :mod:`contract_tests.facts`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Protocol

from contract_tests import facts
from contract_tests.levels import Level
from contract_tests.rules import (
    Response,
    Rule,
    Violation,
    any_response_violations,
    named,
    number,
)
from mock_oms.core.kinds import Flags, Kind

PROGRESS_FIELDS = facts.PROGRESS_FIELDS

# The enable flags of each kind of project: (flag of Flags, field in `data`).
FLAG_FIELDS: Mapping[Kind, tuple[tuple[str, str], ...]] = MappingProxyType(
    {Kind.MIGRATION: facts.MIGRATION_FLAGS, Kind.SYNC: facts.SYNC_FLAGS}
)
# The checkpoints of each kind: (field in `data`, the flag of its sync).
CHECKPOINTS: Mapping[Kind, tuple[tuple[str, str], ...]] = MappingProxyType(
    {Kind.MIGRATION: facts.MIGRATION_CHECKPOINTS, Kind.SYNC: facts.SYNC_CHECKPOINTS}
)
CHECKPOINT_FIELDS: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {kind: tuple(name for name, _ in fields) for kind, fields in CHECKPOINTS.items()}
)
TERMINAL = facts.TERMINAL

Observed = tuple[Response, dict[str, Any], str]


def flag_fields(response: Response) -> tuple[tuple[str, str], ...]:
    """The enable flags of what ``response`` answers: (flag of Flags, field in ``data``)."""
    return facts.V4_FLAGS if response.action is not None else FLAG_FIELDS[response.kind]


def checkpoints(response: Response) -> tuple[tuple[str, str], ...]:
    """The checkpoints of what ``response`` answers: (field in ``data``, flag of its sync)."""
    return facts.V4_CHECKPOINTS if response.action is not None else CHECKPOINTS[response.kind]


def progress_phases(response: Response) -> tuple[tuple[str, str], ...]:
    """The progress figures of what ``response`` answers: (field, flag of its phase)."""
    return facts.V4_PROGRESS_PHASES if response.action is not None else facts.PROGRESS_PHASES


def _observed(session: Sequence[Response]) -> Iterator[Observed]:
    """The success responses whose status is a known one (the schema rule covers others)."""
    for response in session:
        data = response.data
        if data is not None and data.get("status") in facts.STATUSES:
            yield response, data, str(data["status"])


def _pairs(session: Sequence[Response]) -> Iterator[tuple[Observed, Observed]]:
    before: Observed | None = None
    for now in _observed(session):
        if before is not None:
            yield before, now
        before = now


def _names(statuses: frozenset[str]) -> str:
    return ", ".join(s for s in facts.STATUSES if s in statuses)


def _shown(value: Any) -> str:
    return json.dumps(value)


def observed_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A project the kit observes answers with data at least once: otherwise every
    other rule over time has nothing to judge (a wrong ID, a server failing every poll)."""
    if not session or any(r.data is not None for r in session):
        return []
    last = session[-1]
    if last.action is not None:
        what = f"{last.action} calls of project {last.project_id!r}"
    else:
        what = f"polls of {last.kind.value} project {last.project_id!r}"
    return [
        Violation(
            named(Rule.OBSERVED, last),
            f"none of the {len(session)} {what} answered with data (a wrong project ID, or "
            "a server that fails every poll): nothing about it could be checked",
            last,
        )
    ]


def transition_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Each observed status is reachable from the one observed before it.

    Polls may miss statuses in between, so this asks for a path of legal edges, not one.
    """
    found = []
    for (prev, _, src), (resp, _, dst) in _pairs(session):
        if not facts.reachable(src, dst):
            found.append(
                Violation(
                    named(Rule.TRANSITIONS, resp),
                    f"status {src} -> {dst}: no sequence of legal transitions leads there "
                    f"(from {src}: {_names(facts.REACHABLE[src])})",
                    resp,
                    prev,
                )
            )
    return found


def terminal_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Once a project cannot run again (FINISHED, RELEASING, RELEASED, DELETED) it only
    moves on towards DELETED."""
    found = []
    terminal: tuple[Response, str] | None = None
    for resp, _, status in _observed(session):
        if terminal is not None:
            first, since = terminal
            if not facts.reachable(since, status):
                found.append(
                    Violation(
                        named(Rule.TERMINAL, resp),
                        f"{since} is terminal, yet the project later shows {status} (after "
                        f"{since} only {_names(facts.REACHABLE[since])} may follow)",
                        resp,
                        first,
                    )
                )
                continue
        if status in TERMINAL and (terminal is None or terminal[1] != status):
            terminal = (resp, status)
    return found


def _progress_values(
    response: Response, data: Mapping[str, Any]
) -> Iterator[tuple[str, int | float]]:
    for name, _ in progress_phases(response):
        value = number(data.get(name))
        if value is not None:
            yield name, value


def progress_range_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Both progress figures are percentages, 0 to 100."""
    found = []
    for resp, data, _ in _observed(session):
        for name, value in _progress_values(resp, data):
            if not 0 <= value <= 100:
                rule = named(Rule.PROGRESS_RANGE, resp)
                found.append(Violation(rule, f"{name} is {value}, outside 0..100", resp))
    return found


def progress_monotonic_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Within a run, no progress figure ever decreases. A run begins when the project
    enters RUNNING from another status (a resumed project may start a phase over)."""
    found = []
    last: dict[str, tuple[int | float, Any, Response]] = {}
    previous_status: str | None = None
    for resp, data, status in _observed(session):
        if status == facts.RUNNING and previous_status not in (None, facts.RUNNING):
            last = {}  # a new run
        for name, value in _progress_values(resp, data):
            seen = last.get(name)
            if seen is not None and value < seen[0]:
                found.append(
                    Violation(
                        named(Rule.PROGRESS_MONOTONIC, resp),
                        f"{name} went down from {_shown(seen[1])} to {_shown(data[name])} "
                        "within a run",
                        resp,
                        seen[2],
                    )
                )
            last[name] = (value, data[name], resp)
        previous_status = status
    return found


CheckpointValue = tuple[int | float, ...]
_TEXT_CHECKPOINT = re.compile(r"-?[0-9]+(\.[0-9]+)?|-?[0-9]+(,-?[0-9]+)+")


def checkpoint_value(value: Any) -> CheckpointValue | None:
    """A checkpoint as something ordered: a number (migration projects), Unix seconds as
    text or ``"fileId,fileOffset"`` (sync projects); None for a form the kit cannot order."""
    figure = number(value)
    if figure is not None:
        return (figure,)
    if isinstance(value, str) and _TEXT_CHECKPOINT.fullmatch(value.strip()):
        parts = value.strip().split(",")
        if len(parts) == 1 and "." in parts[0]:
            return (float(parts[0]),)
        return tuple(int(part) for part in parts)
    return None


def checkpoint_monotonic_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """The incremental checkpoints never go back."""
    found = []
    last: dict[str, tuple[CheckpointValue, Any, Response]] = {}
    for resp, data, _ in _observed(session):
        for name, _ in checkpoints(resp):
            raw = data.get(name)
            value = checkpoint_value(raw)
            if value is None:
                continue
            seen = last.get(name)
            if seen is not None and len(seen[0]) == len(value) and value < seen[0]:
                found.append(
                    Violation(
                        named(Rule.CHECKPOINT_MONOTONIC, resp),
                        f"{name} went back from {_shown(seen[1])} to {_shown(raw)}",
                        resp,
                        seen[2],
                    )
                )
            last[name] = (value, raw, resp)
    return found


def checkpoint_plausible_violations(
    session: Sequence[Response],
    level: Level = Level.COMPATIBLE,
    *,
    skew: float = facts.DEFAULT_CLOCK_SKEW,
) -> list[Violation]:
    """A checkpoint of a sync that is on is Unix seconds: 0 (none yet), or a time after
    OMS existed and at most ``skew`` seconds ahead of the server's clock (its ``Date``
    header; without one, before 2100). 13 digits are milliseconds, not seconds."""
    found = []
    for resp, data, _ in _observed(session):
        flags = response_flags(resp, data)
        for name, flag in checkpoints(resp):
            if flags is not None and not getattr(flags, flag):
                continue  # disabled-checkpoint-still judges it
            value = checkpoint_value(data.get(name))
            if value is None or len(value) != 1 or value[0] == 0:
                continue
            seconds = value[0]
            if resp.server_time is not None:
                ceiling, clock = resp.server_time + skew, f"the server's clock plus {skew:g} s"
            else:
                ceiling, clock = facts.FAR_FUTURE, "the year 2100"
            why = None
            if seconds < facts.CHECKPOINT_FLOOR:
                why = f"before {facts.CHECKPOINT_FLOOR} (2015-01-01), before OMS existed"
            elif seconds > ceiling:
                why = f"after {clock} ({ceiling:.0f})"
                if seconds > facts.FAR_FUTURE * 100:
                    why += ": milliseconds or smaller units, not seconds"
            if why is not None:
                found.append(
                    Violation(
                        named(Rule.CHECKPOINT_PLAUSIBLE, resp),
                        f"{name} is {_shown(data.get(name))}: as Unix seconds that is {why}",
                        resp,
                    )
                )
    return found


def _figures(response: Response, data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, _ in progress_phases(response):
        yield name, number(data.get(name))
    for name, _ in checkpoints(response):
        raw = data.get(name)
        yield name, checkpoint_value(raw) if checkpoint_value(raw) is not None else raw


def frozen_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Progress and checkpoints move only while the project is RUNNING: between two polls
    that show it SUSPEND, FAILED, FINISHED or any other status (and no run can lie between
    them), every figure stays where it was."""
    found = []
    for (prev, before, src), (resp, now, dst) in _pairs(session):
        if facts.may_run_between(src, dst):
            continue
        old = dict(_figures(prev, before))
        for name, value in _figures(resp, now):
            if value != old.get(name):
                while_ = f"while {src}" if src == dst else f"from {src} to {dst}"
                found.append(
                    Violation(
                        named(Rule.FROZEN, resp),
                        f"{name} moved from {_shown(before.get(name))} to "
                        f"{_shown(now.get(name))} {while_}: only a RUNNING project moves",
                        resp,
                        prev,
                    )
                )
    return found


def disabled_progress_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """The progress of a phase the flags disable never moves, and reads 0 (or 100: done
    by being skipped): the phase has no step to make progress in."""
    found = []
    first: dict[str, tuple[Any, Any, Response]] = {}
    for resp, data, _ in _observed(session):
        flags = response_flags(resp, data)
        if flags is None:
            continue
        for name, flag in progress_phases(resp):
            value = number(data.get(name))
            if getattr(flags, flag) or value is None:
                continue
            if value not in (0, 100):
                found.append(
                    Violation(
                        named(Rule.DISABLED_PROGRESS, resp),
                        f"{name} is {_shown(data.get(name))} but the {flag} phase is disabled",
                        resp,
                    )
                )
            seen = first.setdefault(name, (value, data[name], resp))
            if seen[0] != value:
                found.append(
                    Violation(
                        named(Rule.DISABLED_PROGRESS, resp),
                        f"{name} moved from {_shown(seen[1])} to {_shown(data[name])} "
                        f"but the {flag} phase is disabled",
                        resp,
                        seen[2],
                    )
                )
                first[name] = (value, data[name], resp)
    return found


def disabled_checkpoint_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """The checkpoint of a sync the flags disable (incremental, reverse incremental)
    never moves."""
    found = []
    first: dict[str, tuple[Any, Any, Response]] = {}
    for resp, data, _ in _observed(session):
        flags = response_flags(resp, data)
        if flags is None:
            continue
        for name, flag in checkpoints(resp):
            if getattr(flags, flag) or name not in data:
                continue
            raw = data[name]
            value = checkpoint_value(raw) if checkpoint_value(raw) is not None else raw
            seen = first.setdefault(name, (value, raw, resp))
            if seen[0] != value:
                found.append(
                    Violation(
                        named(Rule.DISABLED_CHECKPOINT, resp),
                        f"{name} moved from {_shown(seen[1])} to {_shown(raw)} "
                        f"but {flag} sync is disabled",
                        resp,
                        seen[2],
                    )
                )
                first[name] = (value, raw, resp)
    return found


def flags_of(kind: Kind, data: Mapping[str, Any]) -> Flags | None:
    """The enable flags ``data`` reports, or None when one is missing or not a boolean."""
    return _flags(FLAG_FIELDS[kind], data)


def response_flags(response: Response, data: Mapping[str, Any]) -> Flags | None:
    """The enable flags ``data`` of ``response`` reports (in V3 or V4 names)."""
    return _flags(flag_fields(response), data)


def _flags(fields: Sequence[tuple[str, str]], data: Mapping[str, Any]) -> Flags | None:
    values: dict[str, bool] = {}
    for flag, name in fields:
        value = data.get(name)
        if not isinstance(value, bool):
            return None
        values[flag] = value
    return Flags(**values)


def finished_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A FINISHED project shows 100 for every phase it enables (struct, full)."""
    found = []
    for resp, data, status in _observed(session):
        flags = response_flags(resp, data)
        if status != "FINISHED" or flags is None:
            continue
        for name, flag in progress_phases(resp):
            if getattr(flags, flag) and number(data.get(name)) != 100:
                found.append(
                    Violation(
                        named(Rule.FINISHED_COMPLETE, resp),
                        f"FINISHED with the {flag} phase enabled but {name} at "
                        f"{_shown(data.get(name))}",
                        resp,
                    )
                )
    return found


def step_problem(
    kind: Kind, flags: Flags, step: str, level: Level = Level.COMPATIBLE, *, v4: bool = False
) -> str | None:
    """Why ``step`` cannot be the current step of such a project (None when it can). The
    compatible level knows every documented step name (V3 and V4); the strict level the
    V3 names, and the sync-only ones on sync projects only (``v4``: of the V4 API, the V4
    names; there full verification is refused as current only at the strict level, since
    only the V3 documentation says it is never current, and a name no documentation gives
    passes at the compatible level)."""
    if v4:
        if level is Level.STRICT and step in facts.FULL_VERIFICATION_STEPS:
            return f"currentStep {step} is full verification, which mock-oms never reports"
        if level is Level.COMPATIBLE and step not in facts.ALL_STEPS:
            return None  # a step of a newer release (a client parses it as UNKNOWN)
        return _needs(facts.V4_STEPS if level is Level.STRICT else facts.ALL_STEPS, flags, step)
    if step in facts.FULL_VERIFICATION_STEPS:
        return f"currentStep {step} is full verification, which is never reported as current"
    table = dict(facts.V3_STEPS)
    if kind is Kind.SYNC or level is Level.COMPATIBLE:
        table.update(facts.SYNC_V3_STEPS)
    if level is Level.COMPATIBLE:
        table.update(facts.OTHER_STEPS)
    reason = _needs(table, flags, step)
    if reason is not None and step not in table:
        return f"currentStep {step!r} is no {kind.value} step the OMS documentation names"
    return reason


def _needs(table: Mapping[str, tuple[str, ...]], flags: Flags, step: str) -> str | None:
    needs = table.get(step)
    if needs is None:
        return f"currentStep {step!r} is no step the OMS documentation names"
    if needs and not any(getattr(flags, flag, False) for flag in needs):
        phases = " or ".join(needs)
        return f"currentStep {step} needs the {phases} phase, which the flags disable"
    return None


def step_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """``currentStep`` is a documented step whose phase is enabled, never full
    verification."""
    found = []
    for resp, data, _ in _observed(session):
        flags = response_flags(resp, data)
        step = data.get("currentStep")
        if flags is None or not isinstance(step, str):
            continue
        reason = step_problem(resp.kind, flags, step, level, v4=resp.action is not None)
        if reason is not None:
            found.append(Violation(named(Rule.STEP_MATCHES_FLAGS, resp), reason, resp))
    return found


def flags_constant_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """The enable flags are the project's configuration: they never change."""
    found = []
    for (prev, before, _), (resp, now, _) in _pairs(session):
        a, b = response_flags(prev, before), response_flags(resp, now)
        if a is not None and b is not None and a != b:
            rule = named(Rule.FLAGS_CONSTANT, resp)
            found.append(Violation(rule, f"enable flags changed from {a} to {b}", resp, prev))
    return found


class SessionRule(Protocol):
    def __call__(
        self, session: Sequence[Response], level: Level = Level.COMPATIBLE
    ) -> list[Violation]: ...


# The rules over what a project showed (observed_violations, over whether it showed
# anything, is the kit's own: a session of error answers is not wrong in itself).
SESSION_RULES: Mapping[Rule, SessionRule] = MappingProxyType(
    {
        Rule.TRANSITIONS: transition_violations,
        Rule.TERMINAL: terminal_violations,
        Rule.PROGRESS_RANGE: progress_range_violations,
        Rule.PROGRESS_MONOTONIC: progress_monotonic_violations,
        Rule.CHECKPOINT_MONOTONIC: checkpoint_monotonic_violations,
        Rule.CHECKPOINT_PLAUSIBLE: checkpoint_plausible_violations,
        Rule.FROZEN: frozen_violations,
        Rule.DISABLED_PROGRESS: disabled_progress_violations,
        Rule.DISABLED_CHECKPOINT: disabled_checkpoint_violations,
        Rule.FINISHED_COMPLETE: finished_violations,
        Rule.STEP_MATCHES_FLAGS: step_violations,
        Rule.FLAGS_CONSTANT: flags_constant_violations,
    }
)


def session_violations(
    session: Sequence[Response], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Every rule over one project's session, the per-response rules included."""
    found = [v for r in session for v in any_response_violations(r, level)]
    for rule in SESSION_RULES.values():
        found.extend(rule(session, level))
    return found
