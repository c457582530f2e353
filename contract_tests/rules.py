"""The contract rules over single responses, and what every rule reports.

A rule takes one :class:`Response` (here) or the responses of one project in the order
they were polled (:mod:`contract_tests.temporal`) and returns the :class:`Violation`
objects it finds, each naming its :class:`Rule`. The pytest checks of the kit are thin
wrappers over these functions; other test suites can call them directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from mock_oms import schemas
from mock_oms.core.kinds import Kind


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
SYNC_ONLY = frozenset({"enableStructSync", "enableFullSync"})


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
        kind: Kind | None = None,
        project_id: str = "p",
        status_code: int = 200,
        at: float = 0.0,
        index: int = 0,
    ) -> Response:
        """A response built from a document (for tests and strategies). ``kind`` None: a
        sync project's when its ``data`` has the sync flags, else a migration's."""
        if kind is None:
            kind = kind_of(body)
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


def kind_of(body: Any) -> Kind:
    """The kind of project a progress body is about, told by its ``data``: the sync
    endpoint names its flags ``enableStructSync`` and ``enableFullSync``."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict) and not SYNC_ONLY.isdisjoint(data):
        return Kind.SYNC
    return Kind.MIGRATION


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


def response_violations(response: Response) -> list[Violation]:
    """Every per-response rule (schema and envelope)."""
    return [*schema_violations(response), *envelope_violations(response)]
