"""The kit against servers written apart from mock-oms (tests/broken_servers.py): it fails
each broken one with the rule's name, passes each that behaves as a real OMS may at the
compatible level (and fails it with --strict where mock-oms's own schema says no), and
stops at once, exit 4, when there is no OMS to check.

Each case is a run of the installed ``mock-oms contract`` (a subprocess) against its own
server. The runs the session selected start together, a few at a time, when the first
of them is asked for: a run is mostly waiting for a Python process to start.
"""

from __future__ import annotations

import socket
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import broken_servers as servers
import pytest
from broken_servers import PROJECTS, Oms, serving
from test_contract_kit import contract, junit, start_cases

# Real time against these servers: 17 rounds of polls, 5 examples per property test.
QUICK = ("--poll-interval", "0.05", "--poll-duration", "0.8", "--max-examples", "5")
OBSERVE = tuple(arg for p in PROJECTS for arg in ("--project", p))
STRICT = ("--strict",)
AT_ONCE = 3
ERRORS = {"test_unknown_project_ids", "test_malformed_project_ids"}  # properties over errors


@dataclass(frozen=True)
class Case:
    make: Callable[[], Oms]
    args: tuple[str, ...] = ()
    observe: tuple[str, ...] = OBSERVE


@dataclass(frozen=True)
class Run:
    done: subprocess.CompletedProcess[str]
    results: dict[str, str | None]
    report: Path

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr

    @property
    def failing(self) -> set[str]:
        return {name for name, failure in self.results.items() if failure is not None}


CASES: dict[str, Case] = {
    "good": Case(Oms),
    "good-strict": Case(Oms, STRICT),
    # broken, one class each
    "floats-going-back": Case(servers.FloatsGoingBack),
    "millisecond-checkpoints": Case(servers.MillisecondCheckpoints),
    "500-with-a-success": Case(servers.SuccessWithStatus500),
    "503-with-an-oms-body": Case(servers.EnvelopeWith503),
    "text-plain": Case(servers.TextPlain),
    "failure-saying-success": Case(servers.FailureSayingSuccess),
    "success-with-an-error-code": Case(servers.SuccessWithErrorCode),
    "prefix-names-another-code": Case(servers.PrefixNamesAnotherCode),
    "errors-on-every-poll": Case(servers.ErrorOnEveryPoll),
    "typo-in-project": Case(Oms, observe=("--project", "np_migratng")),
    "moving-while-suspended": Case(servers.MovingWhileSuspended),
    "disabled-phase-progress": Case(servers.DisabledPhaseProgress),
    "checkpoint-with-incr-off": Case(servers.CheckpointWithIncrOff),
    "failures-that-persist": Case(servers.FailureBurst),
    # what a real OMS may do
    "malformed-id-as-unknown": Case(servers.MalformedAsUnknown),
    "nulls-on-success": Case(servers.NullsOnSuccess),
    "null-cost": Case(lambda: servers.CostSpelled(None)),
    "cost-without-a-space": Case(lambda: servers.CostSpelled("5ms")),
    "whole-floats": Case(servers.WholeFloats),
    "newer-error-bodies": Case(servers.NewerErrors),
    "transient-failures": Case(servers.TransientFailures),
}
CASES |= {
    f"{name}-strict": Case(case.make, STRICT)
    for name, case in CASES.items()
    if name
    in {"malformed-id-as-unknown", "nulls-on-success", "null-cost", "cost-without-a-space"}
    | {"whole-floats", "newer-error-bodies"}
}


def run_case(case: Case, folder: Path) -> Run:
    report = folder / "kit.xml"
    with serving(case.make()) as url:
        done = contract(url, report, *case.observe, *QUICK, *case.args)
    return Run(done, junit(report), report)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Every case the session selected, started in a pool of AT_ONCE."""
    yield from start_cases(request, tmp_path_factory, CASES, run_case, AT_ONCE)


def result(runs: dict[str, Future[Run]], case: str) -> Run:
    return runs[case].result()


@pytest.mark.parametrize("case", ["good", "good-strict"])
def test_the_kit_passes_a_server_that_keeps_the_contract(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = result(runs, case)
    assert run.done.returncode == 0, run.output
    assert run.failing == set()
    assert "transport notes" not in run.done.stdout


BROKEN = {
    "floats-going-back": {
        "test_progress_monotonic": "progress-monotonic",
        "test_checkpoint_monotonic": "checkpoint-monotonic",
    },
    "millisecond-checkpoints": {"test_checkpoint_plausible": "checkpoint-plausible"},
    "500-with-a-success": {"test_http_status": "http-status"},
    "503-with-an-oms-body": {"test_http_status": "http-status"},
    "text-plain": {"test_content_type": "content-type"} | dict.fromkeys(ERRORS, "content-type"),
    "failure-saying-success": {"test_envelope_code": "envelope-code"},
    "success-with-an-error-code": {"test_envelope_code": "envelope-code"},
    "prefix-names-another-code": {
        "test_envelope_code": "envelope-code",
        "test_unknown_project_ids": "envelope-code",
    },
    "errors-on-every-poll": {"test_observed_projects_answer": "observed-data"},
    "typo-in-project": {"test_observed_projects_answer": "observed-data"},
    "moving-while-suspended": {"test_frozen_unless_running": "frozen-unless-running"},
    "disabled-phase-progress": {"test_disabled_progress_still": "disabled-progress-still"},
    "checkpoint-with-incr-off": {"test_disabled_checkpoint_still": "disabled-checkpoint-still"},
    "failures-that-persist": {"test_transport": "transport"},
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_server_fails_with_the_rules_name(runs: dict[str, Future[Run]], case: str) -> None:
    run = result(runs, case)
    assert run.done.returncode == 1, run.output
    assert run.failing == set(BROKEN[case]), run.output
    for test, rule in BROKEN[case].items():
        assert f"[{rule}]" in (run.results[test] or "")
        assert f"[{rule}]" in run.done.stdout
    assert "replay with --seed" in run.done.stdout


@pytest.mark.parametrize("case", ["typo-in-project"])
def test_a_typo_in_project_says_what_was_not_seen(runs: dict[str, Future[Run]], case: str) -> None:
    run = result(runs, case)
    assert "none of the 17 polls of migration project 'np_migratng'" in (
        run.results["test_observed_projects_answer"] or ""
    )


# what mock-oms's own schema (the strict level) refuses in each
TOLERATED = {
    "malformed-id-as-unknown": {"test_malformed_id_error", "test_malformed_project_ids"},
    "nulls-on-success": {"test_responses_match_schema", "test_envelope_code"},
    "null-cost": {"test_responses_match_schema", "test_envelope_cost", *ERRORS},
    "cost-without-a-space": set(),  # "5ms": mock-oms's schema takes it too
    "whole-floats": {"test_responses_match_schema"},
    "newer-error-bodies": {"test_responses_match_schema", "test_envelope_cost", *ERRORS},
}


@pytest.mark.parametrize("case", list(TOLERATED))
def test_what_a_real_oms_may_send_passes_at_the_compatible_level(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = result(runs, case)
    assert run.done.returncode == 0, run.output
    assert run.failing == set()


@pytest.mark.parametrize("case", [f"{name}-strict" for name in TOLERATED])
def test_and_fails_with_strict_where_mock_oms_promises_more(
    runs: dict[str, Future[Run]], case: str
) -> None:
    run = result(runs, case)
    expected = TOLERATED[case.removesuffix("-strict")]
    assert run.done.returncode == (1 if expected else 0), run.output
    assert run.failing == expected, run.output


@pytest.mark.parametrize("case", ["transient-failures"])
def test_transient_failures_are_retried_and_noted(runs: dict[str, Future[Run]], case: str) -> None:
    run = result(runs, case)
    assert run.done.returncode == 0, run.output
    assert "transport notes (transient failures, retried)" in run.done.stdout
    notes = [line for line in run.done.stdout.splitlines() if "answered on attempt 2" in line]
    assert len(notes) == 4, run.done.stdout
    assert any("HTTP 502 with 37 characters of text/html" in n for n in notes)
    assert any("HTTP 503 with an empty body" in n for n in notes)
    assert any("HTTP 504" in n for n in notes)
    assert any("'np_suspended'" in n and "Error" in n for n in notes)  # the reset
    suite = ET.parse(run.report).getroot().find("testsuite")
    assert suite is not None
    written = [
        p.attrib["value"] for p in suite.iter("property") if p.attrib["name"] == "transport-note"
    ]
    assert sorted(written) == sorted(n.strip() for n in notes)


# -- no OMS to check ----------------------------------------------------------------------


def test_a_base_url_that_already_ends_in_the_api_path_is_one_message_and_exit_4(
    tmp_path: Path,
) -> None:
    report = tmp_path / "kit.xml"
    with serving(Oms()) as url:
        done = contract(f"{url}/api/omsp/v2", report, *OBSERVE)
    assert done.returncode == 4
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "answers HTTP 404 on every OMS path" in line
    assert "--base-url is the server's root, without /api/omsp/v2" in line
    assert "seed" not in line
    reason = line.split("no server to check: ")[1]
    assert junit(report) == {"server_to_check": f"{reason}\n{reason}"}


def test_nothing_listening_is_one_message_and_exit_4(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = contract(url, tmp_path / "kit.xml")
    assert done.returncode == 4
    assert f"cannot reach {url} (ConnectError" in done.stderr
    assert "is --base-url right?" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
