"""The kit's V4 checks against V4 servers written apart from mock-oms
(tests/broken_v4_servers.py): it detects V4, passes the healthy one at both levels (its
lifecycle too, with --create-body), fails each broken one with the rule's name, passes
each that behaves as a real V4 service may at the compatible level (and fails it with
--strict where mock-oms's own schema says no), and stops at once, exit 4, when the API
asked for is not there.

Each case is a run of the installed ``mock-oms contract`` (a subprocess) against its own
server, started a few at a time when the first is asked for (as in
test_contract_servers.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import broken_v4_servers as servers
import pytest
from broken_servers import Oms
from broken_servers import serving as serving_v3
from broken_v4_servers import V4Oms, serving
from test_contract_kit import V4_CHECKS, contract, junit, skipped, start_cases

# Real time: 17 rounds of three calls, 5 examples per property test.
QUICK = ("--poll-interval", "0.05", "--poll-duration", "0.8", "--max-examples", "5")
STRICT = ("--strict",)
LIFECYCLE = ("--create-body", "create.json")  # written beside the report
AT_ONCE = 3
ERRORS = {"test_v4_unknown_project_ids", "test_v4_malformed_project_ids"}


@dataclass(frozen=True)
class Case:
    make: Callable[[], V4Oms]
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    output: str
    stdout: str
    returncode: int
    results: dict[str, str | None]
    skipped: set[str]

    @property
    def failing(self) -> set[str]:
        return {name for name, failure in self.results.items() if failure is not None}


CASES: dict[str, Case] = {
    "good": Case(V4Oms),
    "good-strict": Case(V4Oms, STRICT),
    "good-lifecycle": Case(V4Oms, LIFECYCLE),
    "good-lifecycle-strict": Case(V4Oms, (*LIFECYCLE, *STRICT)),
    # broken, one way each
    "precheck-finished-at-90": Case(servers.PrecheckFinishedAt90),
    "monitoring-full-transfer": Case(servers.MonitoringFullTransfer),
    "finish-before-start": Case(servers.FinishBeforeStart),
    "step-of-a-disabled-phase": Case(servers.StepOfDisabledPhase),
    "current-step-disagrees": Case(servers.CurrentStepDisagrees),
    "checkpoint-going-back": Case(servers.CheckpointGoingBack),
    "step-progress-behind": Case(servers.StepProgressBehind),
    "success-with-an-error-detail": Case(servers.SuccessWithErrorDetail),
    "moving-while-suspended": Case(servers.MovingWhileSuspended),
    "release-while-running": Case(servers.ReleaseWhileRunning, LIFECYCLE),
    "finished-with-unfinished-steps": Case(servers.FinishedWithUnfinishedSteps),
    "finished-while-monitoring": Case(servers.FinishedWhileMonitoring),
    "precheck-failed-silently": Case(servers.PrecheckFailedSilently),
    "step-goes-back": Case(servers.StepGoesBack),
    # what a real V4 service may do
    "errors-with-advice": Case(servers.ErrorsWithAdvice),
    "nulls-left-out": Case(servers.NullsLeftOut),
    "null-cost": Case(servers.NullCost),
    "unknown-step-name": Case(servers.UnknownStepName),
    "whole-floats": Case(servers.WholeFloats),
    "malformed-id-as-unknown": Case(servers.MalformedAsUnknown),
    "sampled-step-checkpoint": Case(servers.SampledStepCheckpoint),
    "current-step-v3-name": Case(servers.CurrentStepV3Name),
    "malformed-id-as-inner-error": Case(servers.MalformedAsInnerError),
}
TOLERATED = {
    "errors-with-advice": {"test_v4_responses_match_schema", *ERRORS},
    "nulls-left-out": {"test_v4_responses_match_schema"},
    "null-cost": {"test_v4_responses_match_schema"},
    "unknown-step-name": {"test_v4_responses_match_schema"},
    "whole-floats": {"test_v4_responses_match_schema"},
    "malformed-id-as-unknown": {"test_v4_malformed_id_error", "test_v4_malformed_project_ids"},
    "sampled-step-checkpoint": {"test_v4_step_figures_agree"},
    "current-step-v3-name": {"test_v4_step_current"},
    "malformed-id-as-inner-error": {"test_v4_malformed_id_error", "test_v4_malformed_project_ids"},
}
CASES |= {f"{name}-strict": Case(CASES[name].make, STRICT) for name in TOLERATED}


def run_case(case: Case, folder: Path) -> Run:
    report = folder / "kit.xml"
    (folder / "create.json").write_text(json.dumps({"name": "kit", "type": "MIGRATION"}))
    args = [a if a != "create.json" else str(folder / a) for a in case.args]
    with serving(case.make()) as url:
        done = contract(url, report, *QUICK, *args)
    return Run(
        done.stdout + done.stderr, done.stdout, done.returncode, junit(report), skipped(report)
    )


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Every case the session selected, started in a pool of AT_ONCE."""
    yield from start_cases(request, tmp_path_factory, CASES, run_case, AT_ONCE)


@pytest.mark.parametrize("case", ["good", "good-strict"])
def test_the_kit_detects_v4_and_passes_a_server_that_keeps_its_contract(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = runs[case].result()
    assert run.returncode == 0, run.output
    assert "V4 API" in run.stdout
    assert set(run.results) == V4_CHECKS  # the V3 checks were deselected, not skipped
    assert run.failing == set()
    assert run.skipped == {"test_v4_lifecycle"}  # it creates projects: only when asked
    assert "--create-body FILE" in run.stdout


@pytest.mark.parametrize("case", ["good-lifecycle", "good-lifecycle-strict"])
def test_with_a_create_body_the_kit_walks_the_lifecycle(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = runs[case].result()
    assert run.returncode == 0, run.output
    assert run.failing == set()
    assert run.skipped == set()


BROKEN = {
    "precheck-finished-at-90": {"test_v4_step_finished_at_100": "v4-step-finished-at-100"},
    "monitoring-full-transfer": {
        "test_v4_step_monitoring_incremental": "v4-step-monitoring-incremental"
    },
    "finish-before-start": {"test_v4_step_start_before_finish": "v4-step-start-before-finish"},
    "step-of-a-disabled-phase": {"test_v4_step_disabled_absent": "v4-step-disabled-absent"},
    "current-step-disagrees": {"test_v4_step_current": "v4-step-current"},
    "checkpoint-going-back": {"test_v4_checkpoint_monotonic": "v4-checkpoint-monotonic"},
    "step-progress-behind": {"test_v4_step_figures_agree": "v4-step-figures-agree"},
    "success-with-an-error-detail": {"test_v4_envelope": "v4-envelope"},
    "moving-while-suspended": {"test_v4_frozen_unless_running": "v4-frozen-unless-running"},
    "release-while-running": {"test_v4_lifecycle": "v4-lifecycle"},
    "finished-with-unfinished-steps": {"test_v4_step_finished_project": "v4-step-finished-project"},
    "finished-while-monitoring": {"test_v4_step_finished_project": "v4-step-finished-project"},
    "precheck-failed-silently": {"test_v4_step_failed_says_why": "v4-step-failed-says-why"},
    "step-goes-back": {"test_v4_step_stays_finished": "v4-step-stays-finished"},
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_v4_server_fails_with_the_rules_name(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = runs[case].result()
    assert run.returncode == 1, run.output
    assert run.failing == set(BROKEN[case]), run.output
    for test, rule in BROKEN[case].items():
        assert f"[{rule}]" in (run.results[test] or "")
        assert f"[{rule}]" in run.stdout
    assert "replay with --seed" in run.stdout


def test_the_failure_says_what_the_step_list_showed(runs: dict[str, Future[Run]]) -> None:
    run = runs["precheck-finished-at-90"].result()
    said = run.results["test_v4_step_finished_at_100"] or ""
    assert "step TRANSFER_PRECHECK is FINISHED at progress 90, not 100" in said
    assert "DescribeProjectSteps of project 'np_finished'" in said
    run = runs["release-while-running"].result()
    said = run.results["test_v4_lifecycle"] or ""
    assert "ReleaseProject in RUNNING (illegal: from RUNNING only StopProject)" in said


@pytest.mark.parametrize("case", list(TOLERATED))
def test_what_a_real_v4_service_may_send_passes_at_the_compatible_level(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = runs[case].result()
    assert run.returncode == 0, run.output
    assert run.failing == set()


@pytest.mark.parametrize("case", [f"{name}-strict" for name in TOLERATED])
def test_and_fails_with_strict_where_mock_oms_promises_more(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = runs[case].result()
    assert run.returncode == 1, run.output
    assert run.failing == TOLERATED[case.removesuffix("-strict")], run.output


# -- the API asked for is not there -----------------------------------------------------------


def test_asking_a_v4_server_for_v3_is_one_message_and_exit_4(tmp_path: Path) -> None:
    with serving(V4Oms()) as url:
        done = contract(url, tmp_path / "kit.xml", "--api", "v3")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "answers HTTP 404 on every OMS path" in done.stderr
    assert "Traceback" not in done.stderr


def test_asking_a_v3_server_for_v4_is_one_message_and_exit_4(tmp_path: Path) -> None:
    with serving_v3(Oms()) as url:
        done = contract(url, tmp_path / "kit.xml", "--api", "v4")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "does not speak the OMS V4 API (POST" in done.stderr
    # http.server answers a POST it has no handler for with 501
    assert "/api/v2?Action=ListProjects: HTTP 501, no V4 envelope" in done.stderr
    assert "--api v3 checks the V3 endpoints" in done.stderr


def test_a_v3_server_is_detected_as_v3(tmp_path: Path) -> None:
    with serving_v3(Oms()) as url:
        done = contract(url, tmp_path / "kit.xml", "--project", "np_finished", *QUICK)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "V3 API" in done.stdout
    assert "speaks V4 too" not in done.stdout
