"""Every rule of the kit: the check that runs it, what it checks, at which level, and the
documented fact it rests on. docs/contract-kit.md shows :func:`markdown_table`, the
README :func:`brief_table`.

A rule belongs to an API: ``V3`` (``GET /api/omsp/v2/.../progress``) or ``V4`` (``POST
/api/v2?Action=NAME``), whose checks are their own (``test_v4_*``); a run checks one
API. The V4 rules over single answers and over time are the V3 ones, named for V4
(:data:`contract_tests.rules.V4_TWIN`); the step rules and the lifecycle walk are V4's
own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from contract_tests.options import RETRY_DELAYS
from contract_tests.rules import Rule

# Where the facts come from (the README's legend says the same):
# [V3] OMS V3.3.0 API documentation, "Obtain the status of a migration project" (and the
#      sync variant); [V4] the OMS V4 API documentation (DescribeProjectProgress and the
#      envelope of every action); [ODC] OceanBase Developer Center, a real OMS client;
# [lifecycle] the OMS console's project lifecycle (which action is legal in which status).


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """``level``: ``both`` (judged alike at the compatible and the strict level),
    ``compatible: ...; strict: ...`` (the strict level asks more), or ``mock-oms`` (a
    check of mock-oms itself, through its control API: skipped against another server)."""

    rule: Rule
    test: str
    checks: str
    level: str
    fact: str
    api: str = "V3"


V3_SPECS = (
    RuleSpec(
        Rule.TRANSPORT,
        "test_transport",
        "each poll gets an answer from OMS; a 408/429/502/503/504 without an OMS body, a "
        f"reset or timed-out connection is retried {len(RETRY_DELAYS)} times (after "
        f"{', '.join(f'{d:g}' for d in RETRY_DELAYS)} s) and noted in the output and JUnit XML",
        "both",
        "[ODC]: a 408 or 5xx is a transport failure, apart from OMS's in-band answers",
    ),
    RuleSpec(
        Rule.HTTP_STATUS,
        "test_http_status",
        "every answer on an OMS path is HTTP 200 (a 500 carrying a success is a violation)",
        "both",
        "[V3], [V4]: business errors come in band, with HTTP 200",
    ),
    RuleSpec(
        Rule.CONTENT_TYPE,
        "test_content_type",
        "a JSON body is sent as `application/json` (a charset may follow)",
        "both",
        "[V3], [V4]: a JSON API (requests and answers are JSON)",
    ),
    RuleSpec(
        Rule.SCHEMA,
        "test_responses_match_schema",
        "every body is JSON and validates against `schemas/` (success or error form)",
        "compatible: the derived schema (nulls, `5ms`, absent error fields, `60.0`); "
        "strict: `schemas/` as written, integers written as integers",
        "[V3]: field names and types; [V4]: null on success, error fields absent",
    ),
    RuleSpec(
        Rule.SUCCESS_IFF_DATA,
        "test_envelope_success_iff_data",
        "`success` is true exactly when `data` is present",
        "both",
        "[V3], [V4]: an error carries no `data`",
    ),
    RuleSpec(
        Rule.CODE,
        "test_envelope_code",
        "`success`, `code` and the `[CODE]: ` message prefix agree: no error code on a "
        "success, no success code on a failure, a prefix names the code",
        "both; strict also: a success says `success`, every error message has the prefix",
        "[V3] sample: `code` `success`; [V4], [ODC]: error codes, messages `[CODE]: ...`",
    ),
    RuleSpec(
        Rule.REQUEST_ID,
        "test_envelope_request_id",
        "`requestId` is non-blank text",
        "both",
        "[V3], [V4]: `requestId` is text",
    ),
    RuleSpec(
        Rule.COST,
        "test_envelope_cost",
        'cost is text like `"13 ms"`',
        'compatible: also `"13ms"`, `"13 MS"`, null, absent on errors; strict: `"13 ms"`, '
        '`"13ms"`, `"1.5 s"`',
        "[V3], [V4]: `cost` is text, every example in ms; [V4]: null allowed",
    ),
    RuleSpec(
        Rule.UNKNOWN_PROJECT,
        "test_unknown_project_error, test_unknown_project_ids",
        "a well-formed unknown ID gets HTTP 200, `success: false`, `GHANA-PROJECT000001`",
        "both",
        "[V4], [ODC]: `GHANA-PROJECT000001` means no such project (assumed for V3)",
    ),
    RuleSpec(
        Rule.MALFORMED_ID,
        "test_malformed_id_error, test_malformed_project_ids",
        "a malformed ID gets an in-band error",
        "compatible: any error code; strict: `PARAM_ERROR`",
        "[V3]: `PARAM_ERROR` is the bad-parameter code; which code a bad ID gets is not documented",
    ),
    RuleSpec(
        Rule.NO_5XX,
        "test_unknown_project_error, test_malformed_id_error",
        "a client mistake (unknown or malformed ID) never gets a 5xx",
        "both",
        "[ODC]: a 5xx is a service error, not a client mistake",
    ),
    RuleSpec(
        Rule.OBSERVED,
        "test_observed_projects_answer",
        "every observed project answers with data at least once (a typo in `--project` "
        "fails, it is not a pass with nothing checked)",
        "both",
        "a project named to the kit is one the server knows; none seen is nothing checked",
    ),
    RuleSpec(
        Rule.TRANSITIONS,
        "test_legal_transitions",
        "each status is reachable from the one polled before it (polls may miss statuses)",
        "both",
        "[lifecycle]: the legal actions, and what happens by itself (RUNNING to FINISHED "
        "or FAILED, RELEASING to RELEASED)",
    ),
    RuleSpec(
        Rule.TERMINAL,
        "test_terminal_stays_terminal",
        "FINISHED, RELEASING, RELEASED, DELETED only move on towards DELETED",
        "both",
        "[lifecycle]: no action runs a finished or released project again",
    ),
    RuleSpec(
        Rule.PROGRESS_RANGE,
        "test_progress_range",
        "progress is 0..100, by value",
        "both",
        "[V3]: progress in percent, 0 to 100",
    ),
    RuleSpec(
        Rule.PROGRESS_MONOTONIC,
        "test_progress_monotonic",
        "progress never decreases within a run, by value (`60` then `59.0` is a decrease)",
        "both",
        "[V3], [ODC]: a phase's progress grows to 100; a resumed run may start a phase over",
    ),
    RuleSpec(
        Rule.CHECKPOINT_MONOTONIC,
        "test_checkpoint_monotonic",
        "checkpoints never go back, by value",
        "both",
        "[V3], [V4]: the incremental checkpoint is the time synced up to",
    ),
    RuleSpec(
        Rule.CHECKPOINT_PLAUSIBLE,
        "test_checkpoint_plausible",
        "a checkpoint of an enabled sync is 0 or Unix seconds: not before 2015, not more "
        "than `--clock-skew` (600 s) ahead of the server's `Date` (13 digits fail)",
        "both",
        "[V3]: unit seconds; [V4]: Unix seconds",
    ),
    RuleSpec(
        Rule.FROZEN,
        "test_frozen_unless_running",
        "progress and checkpoints do not move between polls that show SUSPEND, FAILED or "
        "any status other than RUNNING, when no run can lie between them",
        "both",
        "[lifecycle]: stop pauses a project; only a RUNNING project migrates",
    ),
    RuleSpec(
        Rule.DISABLED_PROGRESS,
        "test_disabled_progress_still",
        "the progress of a phase the flags disable stays 0 (or 100) and never moves",
        "both",
        "[V3]: the enable flags are the project's phases; steps exist only for enabled phases",
    ),
    RuleSpec(
        Rule.DISABLED_CHECKPOINT,
        "test_disabled_checkpoint_still",
        "the checkpoint of an incremental (or reverse) sync the flags disable never moves",
        "both",
        "[V3]: the enable flags are the project's phases; steps exist only for enabled phases",
    ),
    RuleSpec(
        Rule.FINISHED_COMPLETE,
        "test_finished_complete",
        "FINISHED shows 100 for every enabled phase",
        "both",
        "[V3], [ODC]: a finished project finished its phases",
    ),
    RuleSpec(
        Rule.STEP_MATCHES_FLAGS,
        "test_step_matches_flags",
        "`currentStep` is a documented step of an enabled phase, never full verification",
        "compatible: V3 and V4 step names; strict: V3 names (sync-only ones on sync projects)",
        "[V3]: `currentStep` excludes full verification; [ODC]: the step names, V3 and V4",
    ),
    RuleSpec(
        Rule.FLAGS_CONSTANT,
        "test_flags_constant",
        "the enable flags never change",
        "both",
        "[V3]: the flags are the project's configuration",
    ),
    RuleSpec(
        Rule.LIFECYCLE_MODEL,
        "test_lifecycle_state_machine",
        "random actions and clock moves agree with the lifecycle table",
        "mock-oms",
        "[lifecycle]",
    ),
    RuleSpec(
        Rule.PLAYBACK,
        "test_generated_scenarios_play_exactly, test_loaded_scenarios_play_exactly",
        "scenarios play exactly as written (a scenario with faults: its story)",
        "mock-oms",
        "the scenario format (this README)",
    ),
)


def _v4(rule: Rule, test: str, checks: str, level: str, fact: str) -> RuleSpec:
    return RuleSpec(rule, test, checks, level, fact, api="V4")


def _as_v3(rule: str, what: str, fact: str, level: str = "both") -> tuple[str, str, str]:
    """A rule over time of the V3 checks, on DescribeProjectProgress in V4 names."""
    return f"as `{rule}`, in V4 names: {what}", level, fact


V4_SPECS = (
    _v4(
        Rule.V4_TRANSPORT,
        "test_v4_transport",
        "each call gets an answer from OMS; transient failures are retried and noted as for "
        "V3 (an action that changes a project is not retried: a retry could act twice)",
        "both",
        "[ODC]: a 408 or 5xx is a transport failure, apart from OMS's in-band answers",
    ),
    _v4(
        Rule.V4_HTTP_STATUS,
        "test_v4_http_status",
        "every answer of an action is HTTP 200",
        "both",
        "[V4]: errors come in band, with HTTP 200 (a real error, quoted by ODC's tests)",
    ),
    _v4(
        Rule.V4_CONTENT_TYPE,
        "test_v4_content_type",
        "a JSON body is sent as `application/json`",
        "both",
        "[V4]: a JSON API (`POST /api/v2?Action=NAME`, a JSON body)",
    ),
    _v4(
        Rule.V4_SCHEMA,
        "test_v4_responses_match_schema",
        "every body is JSON and validates against its action's schema "
        "(`schemas/v4-*.schema.json`, success or error form)",
        "compatible: the derived schema (a null key left out, `5ms`, an error's `advice`, "
        "paging or `data` null, unknown step names, `stepInfo` figures null, `60.0`); strict: "
        "the files as written (an error without `advice`, paging, `cost`, `data`), integers "
        "written as integers",
        "[V4]: the envelope and `data` of each action; a real error leaves `advice`, paging, "
        "`cost` and `data` out",
    ),
    _v4(
        Rule.V4_ENVELOPE,
        "test_v4_envelope",
        "`success`, `errorDetail`, `code`, the `[CODE]: ` prefix and `data` agree: a success "
        "has no `errorDetail` and no error code, a failure an `errorDetail` naming its "
        "`code`, no success code, no `data`; `requestId` is non-blank text",
        "both; strict also: every error message has the prefix, every `errorDetail` its code",
        "[V4], [ODC]: the real error body (`code`, `errorDetail`, message `[CODE]: ...`)",
    ),
    _v4(
        Rule.V4_UNKNOWN_PROJECT,
        "test_v4_unknown_project_error, test_v4_unknown_project_ids",
        "a well-formed unknown ID gets HTTP 200, `success: false`, `GHANA-PROJECT000001` as "
        "its code and in its message (DescribeProjectProgress, DescribeProjectSteps)",
        "both",
        "[V4], [ODC]: a message naming `GHANA-PROJECT000001` means no such project",
    ),
    _v4(
        Rule.V4_MALFORMED_ID,
        "test_v4_malformed_id_error, test_v4_malformed_project_ids",
        "a malformed ID gets an in-band error",
        "compatible: any error code (a real V4 answers `GHANA-OPERIE000000`); strict: "
        "`PARAM_ERROR`",
        "[V3]: `PARAM_ERROR` is the bad-parameter code; which code a bad ID gets is not documented",
    ),
    _v4(
        Rule.V4_NO_5XX,
        "test_v4_unknown_project_error, test_v4_malformed_id_error",
        "a client mistake (unknown or malformed ID) never gets a 5xx",
        "both",
        "[ODC]: a 5xx is a service error, not a client mistake",
    ),
    _v4(
        Rule.V4_OBSERVED,
        "test_v4_observed_projects_answer",
        "every observed project answers `DescribeProjectProgress` with data at least once "
        "(the projects: `--project`, else mock-oms's scenarios, else the first 5 of "
        "`ListProjects`)",
        "both",
        "a project named to the kit is one the server knows; none seen is nothing checked",
    ),
    _v4(
        Rule.V4_TRANSITIONS,
        "test_v4_legal_transitions",
        *_as_v3("legal-transitions", "each status reachable from the one before", "[lifecycle]"),
    ),
    _v4(
        Rule.V4_TERMINAL,
        "test_v4_terminal_stays_terminal",
        *_as_v3(
            "terminal-stays-terminal", "FINISHED and after only move towards DELETED", "[lifecycle]"
        ),
    ),
    _v4(
        Rule.V4_PROGRESS_RANGE,
        "test_v4_progress_range",
        *_as_v3(
            "progress-range",
            "`structTransferProgress`, `fullTransferProgress` are 0..100",
            "[V4]: progress in percent",
        ),
    ),
    _v4(
        Rule.V4_PROGRESS_MONOTONIC,
        "test_v4_progress_monotonic",
        *_as_v3("progress-monotonic", "progress never decreases within a run", "[V4], [ODC]"),
    ),
    _v4(
        Rule.V4_CHECKPOINT_MONOTONIC,
        "test_v4_checkpoint_monotonic",
        *_as_v3(
            "checkpoint-monotonic",
            "`incrSyncCheckpoint`, `reverseIncrTransferCheckpoint` never go back",
            "[V4]: the checkpoint is the time synced up to",
        ),
    ),
    _v4(
        Rule.V4_CHECKPOINT_PLAUSIBLE,
        "test_v4_checkpoint_plausible",
        *_as_v3(
            "checkpoint-plausible",
            "a checkpoint of an enabled sync is null, 0 or Unix seconds",
            "[V4]: nullable long, Unix seconds",
        ),
    ),
    _v4(
        Rule.V4_FROZEN,
        "test_v4_frozen_unless_running",
        *_as_v3("frozen-unless-running", "figures move only while RUNNING", "[lifecycle]"),
    ),
    _v4(
        Rule.V4_DISABLED_PROGRESS,
        "test_v4_disabled_progress_still",
        *_as_v3(
            "disabled-progress-still",
            "a disabled phase's progress stays 0 (or 100)",
            "[V4]: the `enable*` flags are the project's phases",
        ),
    ),
    _v4(
        Rule.V4_DISABLED_CHECKPOINT,
        "test_v4_disabled_checkpoint_still",
        *_as_v3(
            "disabled-checkpoint-still",
            "a disabled sync's checkpoint never moves",
            "[V4]: the `enable*` flags are the project's phases",
        ),
    ),
    _v4(
        Rule.V4_FINISHED_COMPLETE,
        "test_v4_finished_complete",
        *_as_v3("finished-complete", "FINISHED shows 100 for every enabled phase", "[V4], [ODC]"),
    ),
    _v4(
        Rule.V4_FLAGS_CONSTANT,
        "test_v4_flags_constant",
        *_as_v3("flags-constant", "the `enable*` flags never change", "[V4]: configuration"),
    ),
    _v4(
        Rule.V4_STEP_CURRENT,
        "test_v4_step_current",
        "`currentStep` is a step of an enabled phase; while RUNNING it is in the step list "
        "(compatible: under either name of a V3-era / V4 pair) and not INIT there (when the "
        "progress calls around the list agree)",
        "compatible: any documented step, and names no documentation gives; strict: V4 names, "
        "never full verification",
        "[V4]: steps of the enabled phases; [ODC]: the step names",
    ),
    _v4(
        Rule.V4_STEP_FINISHED,
        "test_v4_step_finished_at_100",
        "a FINISHED step is at progress 100",
        "both",
        "[V4]: a real project's steps; [ODC]: a step is done when FINISHED at 100",
    ),
    _v4(
        Rule.V4_STEP_MONITORING,
        "test_v4_step_monitoring_incremental",
        "only an incremental step shows MONITORING",
        "compatible: a step of an incremental phase (log pull, sync, verifier); strict: the "
        "incremental sync steps",
        "[V4], [ODC]: MONITORING is incremental sync caught up, which never finishes",
    ),
    _v4(
        Rule.V4_STEP_TIMES,
        "test_v4_step_start_before_finish",
        "a step starts before it finishes: a `finishTime` comes with a `startTime` no later",
        "both; strict also: a FINISHED step has a `finishTime`, a step that ran a `startTime`",
        "[V4]: `startTime`, `finishTime`, null until reached",
    ),
    _v4(
        Rule.V4_STEP_DISABLED,
        "test_v4_step_disabled_absent",
        "no step of a phase the progress call's `enable*` flags disable is listed",
        "both",
        "[V4]: steps exist only for enabled phases",
    ),
    _v4(
        Rule.V4_STEP_FIGURES,
        "test_v4_step_figures_agree",
        "the step list and the progress call agree: FULL_TRANSFER's progress is "
        "`fullTransferProgress`, an incremental step's `incrTimestampCheckpoint` the "
        "checkpoint (between the progress answers before and after the list)",
        "both; compatible: a checkpoint may also trail them by up to 60 s (a sample); strict "
        "also: STRUCT_TRANSFER's progress is `structTransferProgress`",
        "[ODC]: the checker reads the two calls together; [V4]: `checkpointSampleTimestamp`, "
        "the sample trails the checkpoint",
    ),
    _v4(
        Rule.V4_STEP_FAILED_REASON,
        "test_v4_step_failed_says_why",
        "a FAILED step says why: its `extraInfo` has an `errorMsg`, `errorCode` or `errorDetails`",
        "both",
        "[V4]: the error fields are null unless failed; [ODC]: a failed precheck fails the "
        "task with `extraInfo.errorMsg`",
    ),
    _v4(
        Rule.V4_STEP_FINISHED_PROJECT,
        "test_v4_step_finished_project",
        "a FINISHED project's steps are over: none RUNNING, FAILED, SUSPEND or MONITORING "
        "(when the progress calls around the list both say FINISHED)",
        "compatible: a step that never ran (INIT) may stay; strict: every step FINISHED",
        "[V4]: with incremental sync a project ends through stop and release, not FINISHED; "
        "[ODC]: the task is done when the project is FINISHED",
    ),
    _v4(
        Rule.V4_STEP_STAYS_FINISHED,
        "test_v4_step_stays_finished",
        "while the project stays RUNNING, a FINISHED step stays FINISHED (a suspend, failure "
        "or resume starts afresh)",
        "both",
        "[ODC]: a step is done when FINISHED at 100; only a failed step is allowed to recover",
    ),
    _v4(
        Rule.V4_LIFECYCLE,
        "test_v4_lifecycle",
        "on projects the kit creates (mock-oms, or `--create-body FILE`): CreateProject gives "
        "an ID in INIT; legal actions lead where the table says, illegal ones are refused in "
        "band and change nothing; a deleted project is DELETED or unknown",
        "compatible: any in-band refusal; strict: `GHANA-OPERAT000001`",
        "[lifecycle]; [ODC]: create, start, stop, release",
    ),
)
SPECS = (*V3_SPECS, *V4_SPECS)
REGISTRY: Mapping[Rule, RuleSpec] = MappingProxyType({spec.rule: spec for spec in SPECS})
APIS = ("V3", "V4")


def markdown_table(api: str = "V3") -> str:
    """The table of ``api``'s rules, in full (docs/contract-kit.md)."""
    lines = [
        "| rule | check | what it checks | level | documented fact |",
        "|---|---|---|---|---|",
    ]
    for spec in (s for s in SPECS if s.api == api):
        tests = ", ".join(f"`{t.strip()}`" for t in spec.test.split(","))
        lines.append(
            f"| `{spec.rule.value}` | {tests} | {spec.checks} | {spec.level} | {spec.fact} |"
        )
    return "\n".join(lines) + "\n"


LEGEND = ("V3", "V4", "ODC", "lifecycle")  # the sources the tables' legend names


def brief(text: str) -> str:
    """The first clause of ``text`` (up to its first ``;``), without its parentheses."""
    return re.sub(r"\s*\([^()]*\)", "", text.split("; ", 1)[0])


def sources(fact: str) -> str:
    """The documents a fact rests on, as the legend names them (``[V3], [ODC]``)."""
    tags = [tag for tag in LEGEND if f"[{tag}]" in fact]
    return ", ".join(f"[{tag}]" for tag in tags) or brief(fact)


def level_of(level: str) -> str:
    if level.startswith("compatible:"):
        return "compatible, stricter with `--strict`"
    if level.startswith("both;"):
        return "both, stricter with `--strict`"
    return level


def brief_table(api: str = "V3") -> str:
    """The README's table of ``api``'s rules: each rule, what it checks, its level and its
    sources, in a line each (the full tables are on the contract kit's page). The README
    shows V3's only: a line per rule of both would not fit its size, and V4's follow V3's
    names (``v4-`` and the V3 rule, or a step rule)."""
    lines = ["| rule | what it checks | level | rests on |", "|---|---|---|---|"]
    for spec in (s for s in SPECS if s.api == api):
        lines.append(
            f"| `{spec.rule.value}` | {brief(spec.checks)} | {level_of(spec.level)} "
            f"| {sources(spec.fact)} |"
        )
    return "\n".join(lines) + "\n"
