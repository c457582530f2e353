"""The contract rules over single responses, and what every rule reports.

A rule takes one :class:`Response` (here) or the responses of one project in the order
they were polled (:mod:`contract_tests.temporal`) and returns the :class:`Violation`
objects it finds, each naming its :class:`Rule`. Rules that judge differently at the two
levels take a :class:`~contract_tests.levels.Level` (default: compatible). The pytest
checks of the kit are thin wrappers over these functions; other test suites can call
them directly. :mod:`contract_tests.registry` says what each rule checks and why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from contract_tests import facts
from contract_tests import schema as level_schema
from contract_tests.levels import Level
from mock_oms import schemas
from mock_oms.core.kinds import Kind


class Rule(StrEnum):
    """The name of each rule, as failure messages and reports show it."""

    SCHEMA = "schema"
    HTTP_STATUS = "http-status"
    CONTENT_TYPE = "content-type"
    SUCCESS_IFF_DATA = "envelope-success-iff-data"
    CODE = "envelope-code"
    REQUEST_ID = "envelope-request-id"
    COST = "envelope-cost"
    TRANSPORT = "transport"
    NO_5XX = "error-no-5xx"
    UNKNOWN_PROJECT = "error-unknown-project"
    MALFORMED_ID = "error-malformed-id"
    OBSERVED = "observed-data"
    TRANSITIONS = "legal-transitions"
    TERMINAL = "terminal-stays-terminal"
    PROGRESS_RANGE = "progress-range"
    PROGRESS_MONOTONIC = "progress-monotonic"
    CHECKPOINT_MONOTONIC = "checkpoint-monotonic"
    CHECKPOINT_PLAUSIBLE = "checkpoint-plausible"
    FROZEN = "frozen-unless-running"
    DISABLED_PROGRESS = "disabled-progress-still"
    DISABLED_CHECKPOINT = "disabled-checkpoint-still"
    FINISHED_COMPLETE = "finished-complete"
    STEP_MATCHES_FLAGS = "step-matches-flags"
    FLAGS_CONSTANT = "flags-constant"
    LIFECYCLE_MODEL = "lifecycle-model"
    PLAYBACK = "scenario-playback"
    # the V4 API (POST /api/v2?Action=NAME)
    V4_TRANSPORT = "v4-transport"
    V4_HTTP_STATUS = "v4-http-status"
    V4_CONTENT_TYPE = "v4-content-type"
    V4_SCHEMA = "v4-schema"
    V4_ENVELOPE = "v4-envelope"
    V4_UNKNOWN_PROJECT = "v4-error-unknown-project"
    V4_MALFORMED_ID = "v4-error-malformed-id"
    V4_NO_5XX = "v4-error-no-5xx"
    V4_OBSERVED = "v4-observed-data"
    V4_TRANSITIONS = "v4-legal-transitions"
    V4_TERMINAL = "v4-terminal-stays-terminal"
    V4_PROGRESS_RANGE = "v4-progress-range"
    V4_PROGRESS_MONOTONIC = "v4-progress-monotonic"
    V4_CHECKPOINT_MONOTONIC = "v4-checkpoint-monotonic"
    V4_CHECKPOINT_PLAUSIBLE = "v4-checkpoint-plausible"
    V4_FROZEN = "v4-frozen-unless-running"
    V4_DISABLED_PROGRESS = "v4-disabled-progress-still"
    V4_DISABLED_CHECKPOINT = "v4-disabled-checkpoint-still"
    V4_FINISHED_COMPLETE = "v4-finished-complete"
    V4_FLAGS_CONSTANT = "v4-flags-constant"
    V4_STEP_CURRENT = "v4-step-current"
    V4_STEP_FINISHED = "v4-step-finished-at-100"
    V4_STEP_MONITORING = "v4-step-monitoring-incremental"
    V4_STEP_TIMES = "v4-step-start-before-finish"
    V4_STEP_DISABLED = "v4-step-disabled-absent"
    V4_STEP_FIGURES = "v4-step-figures-agree"
    V4_STEP_FAILED_REASON = "v4-step-failed-says-why"
    V4_STEP_FINISHED_PROJECT = "v4-step-finished-project"
    V4_STEP_STAYS_FINISHED = "v4-step-stays-finished"
    V4_LIFECYCLE = "v4-lifecycle"


# The V4 rule that judges a V4 answer where the V3 rule judges a V3 one: the rules over
# single answers and over time are the same functions, named by the API of what they judge.
V4_TWIN: Mapping[Rule, Rule] = MappingProxyType(
    {
        Rule.TRANSPORT: Rule.V4_TRANSPORT,
        Rule.HTTP_STATUS: Rule.V4_HTTP_STATUS,
        Rule.CONTENT_TYPE: Rule.V4_CONTENT_TYPE,
        Rule.SCHEMA: Rule.V4_SCHEMA,
        Rule.UNKNOWN_PROJECT: Rule.V4_UNKNOWN_PROJECT,
        Rule.MALFORMED_ID: Rule.V4_MALFORMED_ID,
        Rule.NO_5XX: Rule.V4_NO_5XX,
        Rule.OBSERVED: Rule.V4_OBSERVED,
        Rule.TRANSITIONS: Rule.V4_TRANSITIONS,
        Rule.TERMINAL: Rule.V4_TERMINAL,
        Rule.PROGRESS_RANGE: Rule.V4_PROGRESS_RANGE,
        Rule.PROGRESS_MONOTONIC: Rule.V4_PROGRESS_MONOTONIC,
        Rule.CHECKPOINT_MONOTONIC: Rule.V4_CHECKPOINT_MONOTONIC,
        Rule.CHECKPOINT_PLAUSIBLE: Rule.V4_CHECKPOINT_PLAUSIBLE,
        Rule.FROZEN: Rule.V4_FROZEN,
        Rule.DISABLED_PROGRESS: Rule.V4_DISABLED_PROGRESS,
        Rule.DISABLED_CHECKPOINT: Rule.V4_DISABLED_CHECKPOINT,
        Rule.FINISHED_COMPLETE: Rule.V4_FINISHED_COMPLETE,
        Rule.FLAGS_CONSTANT: Rule.V4_FLAGS_CONSTANT,
        Rule.STEP_MATCHES_FLAGS: Rule.V4_STEP_CURRENT,
    }
)


def named(rule: Rule, response: Response | None) -> Rule:
    """``rule``, or its V4 twin when ``response`` is an answer of the V4 API."""
    if response is not None and response.action is not None:
        return V4_TWIN.get(rule, rule)
    return rule


# kept for code written against earlier versions of the kit
UNKNOWN_PROJECT_CODE = facts.UNKNOWN_PROJECT_CODE
PARAM_ERROR_CODE = facts.PARAM_ERROR_CODE
SYNC_ONLY = frozenset({"enableStructSync", "enableFullSync"})
STRICT_COST = re.compile(r"[0-9]+(\.[0-9]+)? ?(ms|s)")
COMPATIBLE_COST = re.compile(level_schema.COMPATIBLE_COST)
PREFIX = re.compile(r"^\[([^\]]*)\]:")
JSON_TYPES = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")


def parse_json(content: bytes) -> Any:
    """The JSON document ``content`` holds, or None when it holds none. ``NaN`` and
    ``Infinity`` are not JSON (Python's parser takes them; a client's may not)."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(content, parse_constant=refuse)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


@dataclass(frozen=True, slots=True)
class Response:
    """One answer of the server as the kit saw it.

    ``body`` is the parsed JSON (None when the body is not JSON; ``text`` keeps it raw).
    ``at`` is when it was polled, in seconds since the session began (scenario seconds
    against mock-oms, whose clock the kit moves). ``index`` counts the project's polls.
    ``content_type`` is the header as sent ("" when absent, None when not recorded).
    ``server_time`` is Unix time on the server's clock when it answered (its ``Date``
    header; mock-oms's scenario clock), None when not known. ``transport`` says why the
    poll got no answer from OMS after every retry (None: it got one); ``retries`` lists
    the failed attempts before the answer. ``action`` is the V4 action called (None: a
    poll of a V3 progress endpoint); a V4 answer's ``kind`` means nothing (MIGRATION).
    """

    kind: Kind
    project_id: str
    status_code: int
    body: Any
    text: str = ""
    at: float = 0.0
    index: int = 0
    content_type: str | None = None
    server_time: float | None = None
    transport: str | None = None
    retries: tuple[str, ...] = ()
    action: str | None = None

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
        content_type: str | None = "application/json",
        server_time: float | None = None,
        action: str | None = None,
    ) -> Response:
        """A response built from a document (for tests and strategies). ``kind`` None: a
        sync project's when its ``data`` has the sync flags, else a migration's.
        ``action``: the V4 action it answers (None: a V3 progress poll)."""
        if kind is None:
            kind = Kind.MIGRATION if action is not None else kind_of(body)
        return cls(
            kind,
            project_id,
            status_code,
            body,
            json.dumps(body),
            at,
            index,
            content_type=content_type,
            server_time=server_time,
            action=action,
        )

    @property
    def data(self) -> dict[str, Any] | None:
        """``data`` of a success envelope, else None."""
        body = self.body
        if isinstance(body, dict) and body.get("success") is True:
            data = body.get("data")
            if isinstance(data, dict):
                return data
        return None

    @property
    def result(self) -> Any:
        """``data`` of a success envelope, whatever it is (a V4 step list, an ID); None
        for anything else."""
        body = self.body
        if isinstance(body, dict) and body.get("success") is True:
            return body.get("data")
        return None

    @property
    def envelope(self) -> bool:
        """Whether the body is an OMS envelope (a JSON object with a boolean ``success``)."""
        return isinstance(self.body, dict) and isinstance(self.body.get("success"), bool)

    def describe(self) -> str:
        if self.action is not None:
            where = f"{self.action} of project {self.project_id!r} call #{self.index}"
            return f"{where} at {self.at:g} s (HTTP {self.status_code})"
        where = f"{self.kind.value} project {self.project_id!r} poll #{self.index}"
        return f"{where} at {self.at:g} s (HTTP {self.status_code})"

    def shown(self, limit: int = 2000) -> str:
        if self.transport is not None:
            return f"(no answer from OMS) {self.transport}"
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


def number(value: Any) -> int | float | None:
    """A JSON number's value whatever its spelling (``60`` and ``60.0`` alike), None for
    anything else (text, booleans, NaN and the infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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


def schema_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """The body is JSON and validates against the schema of what it answers (the progress
    schema of its kind, or a V4 action's), at ``level`` (see :mod:`contract_tests.schema`)."""
    if response.transport is not None:
        return []  # the transport rule reports it
    rule = named(Rule.SCHEMA, response)
    if response.body is None:
        return [Violation(rule, "the body is not JSON", response)]
    if response.action is not None:
        found = level_schema.v4_problems(response.action, level, response.body)
        name = schemas.V4_ACTIONS[response.action]
    else:
        found = level_schema.problems(response.kind, level, response.body)
        name = schemas.PROGRESS_SCHEMAS[response.kind]
    if not found:
        return []
    if level is Level.COMPATIBLE:
        name = f"{name} (compatible level)"
    listed = "; ".join(found[:8]) + ("; ..." if len(found) > 8 else "")
    return [Violation(rule, f"the body does not validate against {name}: {listed}", response)]


def http_status_violations(response: Response) -> list[Violation]:
    """An answer of OMS comes with HTTP 200: business errors are in band, and a status
    that says otherwise makes a client throw away a good body (or keep a bad one)."""
    if response.transport is not None or response.status_code == 200:
        return []
    what = "a success envelope" if response.data is not None else "an OMS answer"
    if not response.envelope:
        what = "a body that is no OMS envelope"
    return [
        Violation(
            named(Rule.HTTP_STATUS, response),
            f"HTTP {response.status_code} with {what}: OMS answers HTTP 200, errors in band",
            response,
        )
    ]


def content_type_violations(response: Response) -> list[Violation]:
    """A JSON answer says so: ``Content-Type: application/json`` (a charset may follow)."""
    given = response.content_type
    if given is None or response.transport is not None or response.body is None:
        return []
    media = given.split(";", 1)[0].strip().lower()
    if JSON_TYPES.fullmatch(media):
        return []
    said = f"Content-Type {given!r}" if given else "no Content-Type"
    rule = named(Rule.CONTENT_TYPE, response)
    return [Violation(rule, f"a JSON body sent with {said}", response)]


def _looks_like_error(code: str) -> bool:
    """An error code: a documented one, ``GHANA-...`` (but for a success), ``..._ERROR``."""
    upper = code.upper()
    if code in facts.ERROR_CODES or any(mark in upper for mark in facts.ERROR_CODE_MARKS):
        return True
    return upper.startswith(facts.OMS_CODE_PREFIX) and "SUCCESS" not in upper


def code_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """``success``, ``code`` and the ``[CODE]: `` prefix of ``message`` agree: a success
    carries no error code, a failure no success code, and a message that names a code
    names this one. At the strict level a success says ``"success"`` and every error
    message starts with ``[CODE]: ``."""
    body = response.body
    if not response.envelope or response.transport is not None:
        return []
    success, code, message = body["success"], body.get("code"), body.get("message")
    problems = []
    if success and isinstance(code, str) and _looks_like_error(code):
        problems.append(f"success is true but code is the error code {code!r}")
    elif success and level is Level.STRICT and code != facts.SUCCESS_CODE:
        problems.append(f'success is true but code is {json.dumps(code)}, not "success"')
    if not success and isinstance(code, str) and code.lower() in facts.SUCCESS_SPELLINGS:
        problems.append(f"success is false but code is {code!r}, which says success")
    prefix = PREFIX.match(message) if isinstance(message, str) else None
    if prefix is not None and prefix[1] != code:
        problems.append(f"message names the code [{prefix[1]}] but code is {json.dumps(code)}")
    if not success and level is Level.STRICT and prefix is None and isinstance(code, str):
        problems.append(f"the error message does not start with [{code}]: ")
    return [Violation(Rule.CODE, p, response) for p in problems]


def envelope_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """``success`` is true exactly when ``data`` is present; ``success``, ``code`` and the
    message agree; ``requestId`` is non-empty text; ``cost`` reads like ``"13 ms"``."""
    body = response.body
    if not isinstance(body, dict) or response.transport is not None:
        return []  # the schema (or transport) rule reports it
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
    found += code_violations(response, level)
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id.strip():
        found.append(Violation(Rule.REQUEST_ID, f"requestId is {json.dumps(request_id)}", response))
    found += cost_violations(response, level)
    return found


def cost_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """``cost`` is text like ``"13 ms"``; at the compatible level also ``"13ms"``, ``"13
    MS"`` or null, and absent from an error."""
    body = response.body
    if not isinstance(body, dict) or response.transport is not None:
        return []
    cost = body.get("cost")
    if level is Level.COMPATIBLE:
        if cost is None or (isinstance(cost, str) and COMPATIBLE_COST.fullmatch(cost)):
            return []
    elif isinstance(cost, str) and STRICT_COST.fullmatch(cost):
        return []
    shown = json.dumps(cost) if "cost" in body else "absent"
    return [Violation(Rule.COST, f'cost is {shown}, not text like "13 ms"', response)]


def transport_violations(response: Response) -> list[Violation]:
    """The poll got an answer from OMS, after retrying transient failures (a gateway's
    502, 503 or 504 without an OMS body, a reset connection, a timeout) a few times."""
    if response.transport is None:
        return []
    return [
        Violation(
            named(Rule.TRANSPORT, response),
            f"no answer from OMS after {len(response.retries)} attempts: "
            + "; ".join(response.retries),
            response,
        )
    ]


def error_violations(
    response: Response, rule: Rule, codes: Sequence[str] | None, what: str
) -> list[Violation]:
    """An in-band error: HTTP 200, ``success`` false and ``code`` one of ``codes`` (None:
    any error code, text other than a success spelling).

    A 5xx is also reported under :attr:`Rule.NO_5XX` (``rule`` and it are named for the
    API of ``response``: see :func:`named`).
    """
    rule = named(rule, response)
    if response.transport is not None:
        return []  # the transport rule reports it
    found = []
    if response.status_code >= 500:
        found.append(
            Violation(
                named(Rule.NO_5XX, response),
                f"HTTP {response.status_code}: a server error for a client mistake",
                response,
            )
        )
    body = response.body
    wanted = " or ".join(codes) if codes is not None else "an error code"
    if response.status_code != 200 or not response.envelope or body["success"] is not False:
        found.append(
            Violation(
                rule,
                f"{what}: expected an in-band error (HTTP 200, success false, code {wanted}), "
                f"got HTTP {response.status_code} with success "
                f"{json.dumps(body.get('success')) if isinstance(body, dict) else 'missing'}",
                response,
            )
        )
    elif not _error_code(body.get("code"), codes):
        found.append(
            Violation(
                rule,
                f"{what}: expected code {wanted}, got {json.dumps(body.get('code'))}",
                response,
            )
        )
    return found


def _error_code(code: Any, codes: Sequence[str] | None) -> bool:
    if codes is not None:
        return code in codes
    return isinstance(code, str) and bool(code.strip()) and code not in facts.SUCCESS_SPELLINGS


def unknown_project_violations(response: Response) -> list[Violation]:
    """A well-formed ID of no project: ``GHANA-PROJECT000001`` in band."""
    return error_violations(
        response, Rule.UNKNOWN_PROJECT, [facts.UNKNOWN_PROJECT_CODE], "an unknown project"
    )


def malformed_id_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """A malformed ID: an in-band error. Strict: ``PARAM_ERROR``; compatible: any error
    code (the documentation does not say which: a real V4 may answer with its catch-all
    ``GHANA-OPERIE000000``, or the unknown-project error)."""
    codes = [facts.PARAM_ERROR_CODE] if level is Level.STRICT else None
    return error_violations(response, Rule.MALFORMED_ID, codes, "a malformed project ID")


def response_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """Every per-response rule: transport, HTTP status, content type, schema, envelope."""
    return [
        *transport_violations(response),
        *http_status_violations(response),
        *content_type_violations(response),
        *schema_violations(response, level),
        *envelope_violations(response, level),
    ]


# -- the V4 API ----------------------------------------------------------------------------


def v4_envelope_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """A V4 envelope agrees with itself: a success carries no ``errorDetail`` and no error
    code; a failure carries an ``errorDetail`` whose code (when it gives one) is ``code``,
    a code that does not say success, and no ``data``; a ``[CODE]: `` prefix of the message
    names ``code``; ``requestId`` is non-blank text. At the strict level every error
    message starts with ``[CODE]: `` and every ``errorDetail`` names its code."""
    body = response.body
    if not response.envelope or response.transport is not None:
        return []  # the schema (or transport) rule reports it
    success, code, message = body["success"], body.get("code"), body.get("message")
    detail = body.get(facts.V4_MARK)
    problems = []
    if success:
        if detail is not None:
            problems.append(f"success is true but errorDetail is {_short(detail)}")
        if isinstance(code, str) and _looks_like_error(code):
            problems.append(f"success is true but code is the error code {code!r}")
    else:
        if not isinstance(code, str) or not code.strip():
            problems.append(f"success is false but code is {_short(code)}: no error code")
        elif code.lower() in facts.SUCCESS_SPELLINGS:
            problems.append(f"success is false but code is {code!r}, which says success")
        if not isinstance(detail, dict):
            problems.append(f"success is false but errorDetail is {_short(detail)}, not an object")
        elif "code" in detail and detail["code"] != code:
            problems.append(
                f"errorDetail.code is {_short(detail['code'])} but code is {_short(code)}"
            )
        elif "code" not in detail and level is Level.STRICT:
            problems.append("errorDetail does not name the error's code")
        if body.get("data") is not None:
            problems.append("success is false but data is present")
    prefix = PREFIX.match(message) if isinstance(message, str) else None
    if prefix is not None and prefix[1] != code:
        problems.append(f"message names the code [{prefix[1]}] but code is {_short(code)}")
    if not success and level is Level.STRICT and prefix is None and isinstance(code, str):
        problems.append(f"the error message does not start with [{code}]: ")
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id.strip():
        problems.append(f"requestId is {_short(request_id)}")
    return [Violation(Rule.V4_ENVELOPE, p, response) for p in problems]


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def v4_unknown_project_violations(response: Response) -> list[Violation]:
    """A well-formed ID of no project: ``GHANA-PROJECT000001`` in band, named in the
    message too (ODC reads the message to learn that a project is gone)."""
    found = error_violations(
        response, Rule.UNKNOWN_PROJECT, [facts.UNKNOWN_PROJECT_CODE], "an unknown project"
    )
    body = response.body
    if not found and facts.UNKNOWN_PROJECT_CODE not in str(body.get("message")):
        found.append(
            Violation(
                Rule.V4_UNKNOWN_PROJECT,
                f"an unknown project: the message {_short(body.get('message'))} does not name "
                f"{facts.UNKNOWN_PROJECT_CODE}, which is what a V4 client reads",
                response,
            )
        )
    return found


def v4_response_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """Every rule over one V4 answer: transport, HTTP status, content type, the action's
    schema, the envelope."""
    return [
        *transport_violations(response),
        *http_status_violations(response),
        *content_type_violations(response),
        *schema_violations(response, level),
        *v4_envelope_violations(response, level),
    ]


def any_response_violations(response: Response, level: Level = Level.COMPATIBLE) -> list[Violation]:
    """The per-response rules of the API ``response`` answers."""
    if response.action is not None:
        return v4_response_violations(response, level)
    return response_violations(response, level)
