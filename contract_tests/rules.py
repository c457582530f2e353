"""The contract rules as plain functions over what a server answered.

Each rule takes one :class:`Response` or the responses of one project in the order they
were polled (a *session*) and returns the :class:`Violation` objects it finds, each
naming its rule. The pytest checks of the kit are thin wrappers over these functions;
client authors and other test suites can call them directly.

Per response: :func:`schema_violations`, :func:`envelope_violations`,
:func:`error_violations`. Per session: the functions in :data:`SESSION_RULES`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator

from mock_oms import schemas
from mock_oms.lifecycle import REACHABLE, Status, reachable
from mock_oms.steps import Flags, Kind, step_problem


class Rule(StrEnum):
    """The name of each rule, as failure messages and reports show it."""

    SCHEMA = "schema"
    SUCCESS_IFF_DATA = "envelope-success-iff-data"
    REQUEST_ID = "envelope-request-id"
    COST = "envelope-cost"
    NO_5XX = "error-no-5xx"
    UNKNOWN_PROJECT = "error-unknown-project"
    MALFORMED_ID = "error-malformed-id"
    TRANSITIONS = "legal-transitions"
    PROGRESS_RANGE = "progress-range"
    PROGRESS_MONOTONIC = "progress-monotonic"
    CHECKPOINT_MONOTONIC = "checkpoint-monotonic"
    TERMINAL = "terminal-stays-terminal"
    FINISHED_COMPLETE = "finished-complete"
    STEP_MATCHES_FLAGS = "step-matches-flags"
    FLAGS_CONSTANT = "flags-constant"


UNKNOWN_PROJECT_CODE = "GHANA-PROJECT000001"
PARAM_ERROR_CODE = "PARAM_ERROR"
COST = re.compile(r"[0-9]+(\.[0-9]+)? ?(ms|s)")
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


@dataclass(frozen=True, slots=True)
class Response:
    """One answer of the server as the kit saw it.

    ``body`` is the parsed JSON (None when the body is not JSON; ``text`` keeps it raw).
    ``at`` is when it was polled, in seconds since the session began (scenario seconds
    against mock-oms, whose clock the kit moves). ``index`` counts the project's polls.
    """

    kind: Kind
    project_id: str
    status_code: int
    body: Any
    text: str = ""
    at: float = 0.0
    index: int = 0

    @classmethod
    def of(
        cls,
        body: Any,
        *,
        kind: Kind = Kind.MIGRATION,
        project_id: str = "p",
        status_code: int = 200,
        at: float = 0.0,
        index: int = 0,
    ) -> Response:
        """A response built from a document (for tests and strategies)."""
        return cls(kind, project_id, status_code, body, json.dumps(body), at, index)

    @property
    def data(self) -> dict[str, Any] | None:
        """``data`` of a success envelope, else None."""
        body = self.body
        if isinstance(body, dict) and body.get("success") is True:
            data = body.get("data")
            if isinstance(data, dict):
                return data
        return None

    def describe(self) -> str:
        where = f"{self.kind.value} project {self.project_id!r} poll #{self.index}"
        return f"{where} at {self.at:g} s (HTTP {self.status_code})"

    def shown(self, limit: int = 2000) -> str:
        if self.body is None:
            text = self.text if len(self.text) <= limit else self.text[:limit] + "..."
            return f"(not JSON) {text!r}"
        text = json.dumps(self.body, indent=2, ensure_ascii=False, sort_keys=False)
        return text if len(text) <= limit else text[:limit] + "\n..."


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule the server broke, with the response that shows it (and the one before)."""

    rule: Rule
    message: str
    response: Response | None = None
    previous: Response | None = None

    def __str__(self) -> str:
        lines = [f"[{self.rule.value}] {self.message}"]
        if self.previous is not None:
            lines.append(f"  previous response, {self.previous.describe()}:")
            lines.append(_indent(self.previous.shown()))
        if self.response is not None:
            lines.append(f"  offending response, {self.response.describe()}:")
            lines.append(_indent(self.response.shown()))
        return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def report(violations: Sequence[Violation], limit: int = 5) -> str:
    """A readable report of ``violations`` (the first ``limit`` in full)."""
    rules = sorted({v.rule.value for v in violations})
    head = (
        f"{len(violations)} violation(s) of the OMS progress contract, rule(s): {', '.join(rules)}"
    )
    shown = [str(v) for v in violations[:limit]]
    if len(violations) > limit:
        shown.append(f"... and {len(violations) - limit} more")
    return "\n\n".join([head, *shown])


# -- one response ----------------------------------------------------------------------


@cache
def _form_validator(kind: Kind, form: str) -> Draft202012Validator:
    """A validator of one form (``SuccessEnvelope`` or ``ErrorEnvelope``) of the schema."""
    schema = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    return Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": f"#/$defs/{form}"},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def schema_violations(response: Response) -> list[Violation]:
    """The body is JSON and validates against the progress schema of its kind."""
    if response.body is None:
        return [Violation(Rule.SCHEMA, "the body is not JSON", response)]
    name = schemas.PROGRESS_SCHEMAS[response.kind]
    problems = schemas.errors(name, response.body)
    if not problems:
        return []
    body = response.body
    if isinstance(body, dict) and isinstance(body.get("success"), bool):
        # say what is wrong with the form the body claims, not "valid under none of them"
        form = "SuccessEnvelope" if body["success"] else "ErrorEnvelope"
        found = sorted(_form_validator(response.kind, form).iter_errors(body), key=str)
        problems = [f"{e.json_path}: {e.message}" for e in found] or problems
    listed = "; ".join(problems[:8]) + ("; ..." if len(problems) > 8 else "")
    return [
        Violation(Rule.SCHEMA, f"the body does not validate against {name}: {listed}", response)
    ]


def envelope_violations(response: Response) -> list[Violation]:
    """``success`` is true exactly when ``data`` is present, ``requestId`` is non-empty
    text and ``cost`` reads like ``"13 ms"``."""
    body = response.body
    if not isinstance(body, dict):
        return []  # the schema rule reports it
    found = []
    success, data = body.get("success"), body.get("data")
    if (success is True) != (data is not None):
        found.append(
            Violation(
                Rule.SUCCESS_IFF_DATA,
                f"success is {json.dumps(success)} but data is "
                f"{'absent or null' if data is None else 'present'}",
                response,
            )
        )
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id.strip():
        found.append(Violation(Rule.REQUEST_ID, f"requestId is {json.dumps(request_id)}", response))
    cost = body.get("cost")
    if not isinstance(cost, str) or COST.fullmatch(cost) is None:
        found.append(
            Violation(Rule.COST, f'cost is {json.dumps(cost)}, not text like "13 ms"', response)
        )
    return found


def error_violations(response: Response, rule: Rule, code: str) -> list[Violation]:
    """An in-band error: HTTP 200, ``success`` false and ``code`` equal to ``code``.

    A 5xx is also reported under :attr:`Rule.NO_5XX`.
    """
    found = []
    if response.status_code >= 500:
        found.append(
            Violation(
                Rule.NO_5XX,
                f"HTTP {response.status_code}: a server error for a client mistake",
                response,
            )
        )
    body = response.body
    got = body.get("code") if isinstance(body, dict) else None
    if (
        response.status_code != 200
        or not isinstance(body, dict)
        or body.get("success") is not False
    ):
        found.append(
            Violation(
                rule,
                f"expected an in-band error (HTTP 200, success false, code {code}), got "
                f"HTTP {response.status_code} with success "
                f"{json.dumps(body.get('success')) if isinstance(body, dict) else 'missing'}",
                response,
            )
        )
    elif got != code:
        found.append(Violation(rule, f"expected code {code}, got {json.dumps(got)}", response))
    return found


def unknown_project_violations(response: Response) -> list[Violation]:
    return error_violations(response, Rule.UNKNOWN_PROJECT, UNKNOWN_PROJECT_CODE)


def malformed_id_violations(response: Response) -> list[Violation]:
    return error_violations(response, Rule.MALFORMED_ID, PARAM_ERROR_CODE)


# -- a session: the responses of one project, in order ----------------------------------


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


def response_violations(response: Response) -> list[Violation]:
    """Every per-response rule (schema and envelope)."""
    return [*schema_violations(response), *envelope_violations(response)]


def session_violations(session: Sequence[Response]) -> list[Violation]:
    """Every rule over one project's session, the per-response rules included."""
    found = [v for r in session for v in response_violations(r)]
    for rule in SESSION_RULES.values():
        found.extend(rule(session))
    return found
