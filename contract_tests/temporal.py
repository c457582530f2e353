"""The contract rules over a poll session: the responses of one project, in order.

Polls may miss statuses, so transitions are checked for reachability, not adjacency.
:func:`session_violations` runs every rule, those over single responses included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from contract_tests.rules import Response, Rule, Violation, response_violations
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import REACHABLE, Status, reachable
from mock_oms.core.steps import step_problem

PROGRESS_FIELDS = ("structMigrationProgress", "fullMigrationProgress")

# The enable flags of each kind of project: (flag of steps.Flags, field in `data`).
FLAG_FIELDS: Mapping[Kind, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        Kind.MIGRATION: (
            ("struct", "enableStructMigration"),
            ("full", "enableFullMigration"),
            ("incr", "enableIncrSync"),
            ("reverse", "enableReverseIncrSync"),
        ),
        Kind.SYNC: (
            ("struct", "enableStructSync"),
            ("full", "enableFullSync"),
            ("incr", "enableIncrSync"),
        ),
    }
)
CHECKPOINT_FIELDS: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {
        Kind.MIGRATION: ("incrSyncCheckpoint", "reverseIncrSyncCheckpoint"),
        Kind.SYNC: ("incrSyncCheckpoint",),
    }
)

# Statuses from which a project can never run again: what follows them must stay on the
# way to DELETED (FINISHED -> RELEASING -> RELEASED -> DELETED). FAILED is settled but
# not terminal: resume runs it again.
TERMINAL: frozenset[Status] = frozenset(s for s in Status if not reachable(s, Status.RUNNING))


def _observed(session: Sequence[Response]) -> Iterator[tuple[Response, dict[str, Any], Status]]:
    """The success responses whose status is a known one (the schema rule covers others)."""
    for response in session:
        data = response.data
        if data is None:
            continue
        try:
            status = Status(str(data.get("status")))
        except ValueError:
            continue
        yield response, data, status


def _pairs(
    session: Sequence[Response],
) -> Iterator[tuple[Response, dict[str, Any], Status, Response, dict[str, Any], Status]]:
    before: tuple[Response, dict[str, Any], Status] | None = None
    for now in _observed(session):
        if before is not None:
            yield (*before, *now)
        before = now


def _names(statuses: frozenset[Status]) -> str:
    return ", ".join(s.value for s in Status if s in statuses)


def transition_violations(session: Sequence[Response]) -> list[Violation]:
    """Each observed status is reachable from the one observed before it.

    Polls may miss statuses in between, so this asks for a path of legal edges, not one.
    """
    found = []
    for prev, _, src, resp, _, dst in _pairs(session):
        if not reachable(src, dst):
            found.append(
                Violation(
                    Rule.TRANSITIONS,
                    f"status {src.value} -> {dst.value}: no sequence of legal transitions "
                    f"leads there (from {src.value}: {_names(REACHABLE[src])})",
                    resp,
                    prev,
                )
            )
    return found


def terminal_violations(session: Sequence[Response]) -> list[Violation]:
    """Once a project cannot run again (FINISHED, RELEASING, RELEASED, DELETED) it only
    moves on towards DELETED: DELETED never changes, RELEASED may only become DELETED,
    FINISHED may only be released."""
    found = []
    terminal: tuple[Response, Status] | None = None
    for resp, _, status in _observed(session):
        if terminal is not None:
            first, since = terminal
            if not reachable(since, status):
                found.append(
                    Violation(
                        Rule.TERMINAL,
                        f"{since.value} is terminal, yet the project later shows "
                        f"{status.value} (after {since.value} only "
                        f"{_names(REACHABLE[since])} may follow)",
                        resp,
                        first,
                    )
                )
                continue
        if status in TERMINAL and (terminal is None or terminal[1] is not status):
            terminal = (resp, status)
    return found


def _progress_values(data: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    for name in PROGRESS_FIELDS:
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            yield name, value


def progress_range_violations(session: Sequence[Response]) -> list[Violation]:
    """Both progress figures are percentages, 0 to 100."""
    found = []
    for resp, data, _ in _observed(session):
        for name, value in _progress_values(data):
            if not 0 <= value <= 100:
                found.append(
                    Violation(Rule.PROGRESS_RANGE, f"{name} is {value}, outside 0..100", resp)
                )
    return found


def progress_monotonic_violations(session: Sequence[Response]) -> list[Violation]:
    """Within a run, no progress figure ever decreases. A run begins when the project
    enters RUNNING from another status (a resumed project may start a phase over)."""
    found = []
    last: dict[str, tuple[int, Response]] = {}
    previous_status: Status | None = None
    for resp, data, status in _observed(session):
        if status is Status.RUNNING and previous_status not in (None, Status.RUNNING):
            last = {}  # a new run
        for name, value in _progress_values(data):
            seen = last.get(name)
            if seen is not None and value < seen[0]:
                found.append(
                    Violation(
                        Rule.PROGRESS_MONOTONIC,
                        f"{name} went down from {seen[0]} to {value} within a run",
                        resp,
                        seen[1],
                    )
                )
            last[name] = (value, resp)
        previous_status = status
    return found


def checkpoint_value(value: Any) -> tuple[int, ...] | None:
    """A checkpoint as something ordered: an integer (migration projects), Unix seconds as
    text or ``"fileId,fileOffset"`` (sync projects); None for a form the kit cannot order."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+(,-?[0-9]+)*", value):
        return tuple(int(part) for part in value.split(","))
    return None


def checkpoint_monotonic_violations(session: Sequence[Response]) -> list[Violation]:
    """The incremental checkpoints never go back."""
    found = []
    last: dict[str, tuple[tuple[int, ...], Any, Response]] = {}
    for resp, data, _ in _observed(session):
        for name in CHECKPOINT_FIELDS[resp.kind]:
            raw = data.get(name)
            value = checkpoint_value(raw)
            if value is None:
                continue
            seen = last.get(name)
            if seen is not None and len(seen[0]) == len(value) and value < seen[0]:
                found.append(
                    Violation(
                        Rule.CHECKPOINT_MONOTONIC,
                        f"{name} went back from {json.dumps(seen[1])} to {json.dumps(raw)}",
                        resp,
                        seen[2],
                    )
                )
            last[name] = (value, raw, resp)
    return found


def flags_of(kind: Kind, data: Mapping[str, Any]) -> Flags | None:
    """The enable flags ``data`` reports, or None when one is missing or not a boolean."""
    values: dict[str, bool] = {}
    for flag, name in FLAG_FIELDS[kind]:
        value = data.get(name)
        if not isinstance(value, bool):
            return None
        values[flag] = value
    return Flags(**values)


def finished_violations(session: Sequence[Response]) -> list[Violation]:
    """A FINISHED project shows 100 for every phase it enables (struct, full)."""
    found = []
    for resp, data, status in _observed(session):
        if status is not Status.FINISHED:
            continue
        flags = flags_of(resp.kind, data)
        if flags is None:
            continue
        for flag, name in (
            ("struct", "structMigrationProgress"),
            ("full", "fullMigrationProgress"),
        ):
            if getattr(flags, flag) and data.get(name) != 100:
                found.append(
                    Violation(
                        Rule.FINISHED_COMPLETE,
                        f"FINISHED with the {flag} phase enabled but {name} at "
                        f"{json.dumps(data.get(name))}",
                        resp,
                    )
                )
    return found


def step_violations(session: Sequence[Response]) -> list[Violation]:
    """``currentStep`` is a step of the project's kind whose phase is enabled, and never
    full verification."""
    found = []
    for resp, data, _ in _observed(session):
        flags = flags_of(resp.kind, data)
        step = data.get("currentStep")
        if flags is None or not isinstance(step, str):
            continue
        reason = step_problem(resp.kind, flags, step)
        if reason is not None:
            found.append(Violation(Rule.STEP_MATCHES_FLAGS, reason, resp))
    return found


def flags_constant_violations(session: Sequence[Response]) -> list[Violation]:
    """The enable flags are the project's configuration: they never change."""
    found = []
    for prev, before, _, resp, now, _ in _pairs(session):
        a, b = flags_of(prev.kind, before), flags_of(resp.kind, now)
        if a is not None and b is not None and a != b:
            found.append(
                Violation(Rule.FLAGS_CONSTANT, f"enable flags changed from {a} to {b}", resp, prev)
            )
    return found


SessionRule = Callable[[Sequence[Response]], list[Violation]]

SESSION_RULES: Mapping[Rule, SessionRule] = MappingProxyType(
    {
        Rule.TRANSITIONS: transition_violations,
        Rule.TERMINAL: terminal_violations,
        Rule.PROGRESS_RANGE: progress_range_violations,
        Rule.PROGRESS_MONOTONIC: progress_monotonic_violations,
        Rule.CHECKPOINT_MONOTONIC: checkpoint_monotonic_violations,
        Rule.FINISHED_COMPLETE: finished_violations,
        Rule.STEP_MATCHES_FLAGS: step_violations,
        Rule.FLAGS_CONSTANT: flags_constant_violations,
    }
)


def session_violations(session: Sequence[Response]) -> list[Violation]:
    """Every rule over one project's session, the per-response rules included."""
    found = [v for r in session for v in response_violations(r)]
    for rule in SESSION_RULES.values():
        found.extend(rule(session))
    return found
