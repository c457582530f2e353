"""Every rule of the kit: the check that runs it, what it checks, at which level, and the
documented fact it rests on. The README's rule table is :func:`markdown_table`.

A rule belongs to an API (``V3``: ``GET /api/omsp/v2/.../progress``); rules of another
API (the newer ``POST /api/v2?Action=...``) are added here with their own ``api``, and
checks of their own, without changing the V3 ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from contract_tests.options import RETRY_DELAYS
from contract_tests.rules import Rule

GUIDE = "oms-api.md"
SEED = "the V3.3.0 progress page"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """``level``: ``compatible`` (judged at both levels), ``compatible; strict: ...`` (the
    strict level asks more), or ``mock-oms`` (needs mock-oms's control API)."""

    rule: Rule
    test: str
    checks: str
    level: str
    fact: str
    api: str = "V3"


SPECS = (
    RuleSpec(
        Rule.TRANSPORT,
        "test_transport",
        "each poll gets an answer from OMS; a 408/429/502/503/504 without an OMS body, a "
        f"reset or timed-out connection is retried {len(RETRY_DELAYS)} times (after "
        f"{', '.join(f'{d:g}' for d in RETRY_DELAYS)} s) and noted in the output and JUnit XML",
        "compatible",
        f"{GUIDE} §1: clients map timeouts and 5xx to transport failures, and retry them",
    ),
    RuleSpec(
        Rule.HTTP_STATUS,
        "test_http_status",
        "every answer on an OMS path is HTTP 200 (a 500 carrying a success is a violation)",
        "compatible",
        f"{GUIDE} §1: business errors come in band, HTTP 200",
    ),
    RuleSpec(
        Rule.CONTENT_TYPE,
        "test_content_type",
        "a JSON body is sent as `application/json` (a charset may follow)",
        "compatible",
        f"{GUIDE} §1, §4: a JSON API; clients decode by media type",
    ),
    RuleSpec(
        Rule.SCHEMA,
        "test_responses_match_schema",
        "every body is JSON and validates against `schemas/` (success or error form)",
        "compatible: the derived schema (nulls, `5ms`, absent error fields, `60.0`); "
        "strict: `schemas/` as written, integers written as integers",
        f"{SEED} (field types); {GUIDE} §4 (null on success, error fields absent)",
    ),
    RuleSpec(
        Rule.SUCCESS_IFF_DATA,
        "test_envelope_success_iff_data",
        "`success` is true exactly when `data` is present",
        "compatible",
        f"{GUIDE} §1: errors carry `data: null`",
    ),
    RuleSpec(
        Rule.CODE,
        "test_envelope_code",
        "`success`, `code` and the `[CODE]: ` message prefix agree: no error code on a "
        "success, no success code on a failure, a prefix names the code",
        "compatible; strict: a success says `success`, every error message has the prefix",
        f"{GUIDE} §1: error codes, `[CODE]: ` prefix; {SEED}: `code` `success`",
    ),
    RuleSpec(
        Rule.REQUEST_ID,
        "test_envelope_request_id",
        "`requestId` is non-blank text",
        "compatible",
        f"{GUIDE} §1, §4: `requestId` string",
    ),
    RuleSpec(
        Rule.COST,
        "test_envelope_cost",
        'cost is text like `"13 ms"`',
        'compatible: also `"13ms"`, `"13 MS"`, null, absent on errors; strict: `"13 ms"`, '
        '`"13ms"`, `"1.5 s"`',
        f"{GUIDE} §1, §4: `cost` text in ms, null in the newer API",
    ),
    RuleSpec(
        Rule.UNKNOWN_PROJECT,
        "test_unknown_project_error",
        "a well-formed unknown ID gets HTTP 200, `success: false`, `GHANA-PROJECT000001`",
        "compatible",
        f"{GUIDE} §1 (assumed for V3), §4: the not-found code",
    ),
    RuleSpec(
        Rule.MALFORMED_ID,
        "test_malformed_id_error",
        "a malformed ID gets an in-band error",
        "compatible: `PARAM_ERROR` or `GHANA-PROJECT000001`; strict: `PARAM_ERROR`",
        f"{GUIDE} §1: `PARAM_ERROR` for a bad parameter (which one is not documented)",
    ),
    RuleSpec(
        Rule.NO_5XX,
        "test_unknown_project_error",
        "a client mistake (unknown or malformed ID) never gets a 5xx",
        "compatible",
        f"{GUIDE} §1: 5xx means a service error",
    ),
    RuleSpec(
        Rule.OBSERVED,
        "test_observed_projects_answer",
        "every observed project answers with data at least once (a typo in `--project` "
        "fails, it is not a pass with nothing checked)",
        "compatible",
        "what a named project is: one the server knows",
    ),
    RuleSpec(
        Rule.TRANSITIONS,
        "test_legal_transitions",
        "each status is reachable from the one polled before it (polls may miss statuses)",
        "compatible",
        f"{GUIDE} §2: the lifecycle table",
    ),
    RuleSpec(
        Rule.TERMINAL,
        "test_terminal_stays_terminal",
        "FINISHED, RELEASING, RELEASED, DELETED only move on towards DELETED",
        "compatible",
        f"{GUIDE} §2",
    ),
    RuleSpec(
        Rule.PROGRESS_RANGE,
        "test_progress_range",
        "progress is 0..100, by value",
        "compatible",
        f"{SEED}: progress in percent, 0 to 100",
    ),
    RuleSpec(
        Rule.PROGRESS_MONOTONIC,
        "test_progress_monotonic",
        "progress never decreases within a run, by value (`60` then `59.0` is a decrease)",
        "compatible",
        f"{GUIDE} §3, §4: progress of a phase grows to 100",
    ),
    RuleSpec(
        Rule.CHECKPOINT_MONOTONIC,
        "test_checkpoint_monotonic",
        "checkpoints never go back, by value",
        "compatible",
        f"{GUIDE} §3: the checkpoint follows the clock",
    ),
    RuleSpec(
        Rule.CHECKPOINT_PLAUSIBLE,
        "test_checkpoint_plausible",
        "a checkpoint of an enabled sync is 0 or Unix seconds: not before 2015, not more "
        "than `--clock-skew` (600 s) ahead of the server's `Date` (13 digits fail)",
        "compatible",
        f"{SEED}: unit seconds; {GUIDE} §1, §4: Unix seconds",
    ),
    RuleSpec(
        Rule.FROZEN,
        "test_frozen_unless_running",
        "progress and checkpoints do not move between polls that show SUSPEND, FAILED or "
        "any status other than RUNNING, when no run can lie between them",
        "compatible",
        f"{GUIDE} §2, §3: only a running project works; a stop pauses it",
    ),
    RuleSpec(
        Rule.DISABLED_PROGRESS,
        "test_disabled_progress_still",
        "the progress of a phase the flags disable stays 0 (or 100) and never moves",
        "compatible",
        f"{GUIDE} §3: steps exist only for enabled phases",
    ),
    RuleSpec(
        Rule.DISABLED_CHECKPOINT,
        "test_disabled_checkpoint_still",
        "the checkpoint of an incremental (or reverse) sync the flags disable never moves",
        "compatible",
        f"{GUIDE} §3: steps exist only for enabled phases",
    ),
    RuleSpec(
        Rule.FINISHED_COMPLETE,
        "test_finished_complete",
        "FINISHED shows 100 for every enabled phase",
        "compatible",
        f"{GUIDE} §3, §4: a finished project completed its phases",
    ),
    RuleSpec(
        Rule.STEP_MATCHES_FLAGS,
        "test_step_matches_flags",
        "`currentStep` is a documented step of an enabled phase, never full verification",
        "compatible: V3 and V4 step names; strict: V3 names (sync-only ones on sync projects)",
        f"{SEED}: excluding full verification; {GUIDE} §3, §4: step names",
    ),
    RuleSpec(
        Rule.FLAGS_CONSTANT,
        "test_flags_constant",
        "the enable flags never change",
        "compatible",
        f"{SEED}: the flags are the project's configuration",
    ),
    RuleSpec(
        Rule.LIFECYCLE_MODEL,
        "test_lifecycle_state_machine",
        "random actions and clock moves agree with the lifecycle table",
        "mock-oms",
        f"{GUIDE} §2",
    ),
    RuleSpec(
        Rule.PLAYBACK,
        "test_generated_scenarios_play_exactly, test_loaded_scenarios_play_exactly",
        "scenarios play exactly as written (a scenario with faults: its story)",
        "mock-oms",
        "the scenario format (README)",
    ),
)

REGISTRY: Mapping[Rule, RuleSpec] = MappingProxyType({spec.rule: spec for spec in SPECS})


def markdown_table() -> str:
    """The README's table of rules."""
    lines = [
        "| rule | check | what it checks | level | documented fact |",
        "|---|---|---|---|---|",
    ]
    for spec in SPECS:
        tests = ", ".join(f"`{t.strip()}`" for t in spec.test.split(","))
        lines.append(
            f"| `{spec.rule.value}` | {tests} | {spec.checks} | {spec.level} | {spec.fact} |"
        )
    return "\n".join(lines) + "\n"
