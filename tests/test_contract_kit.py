"""The kit as users run it: against mock-oms (in process and over HTTP) it passes and
writes JUnit XML; against servers that break the contract the named check fails.

Each run is a subprocess: a pytest run inside this one would share its modules, its
hypothesis state and its plugins.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests.machine import LifecycleMachine
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.serve.live import LiveServer
from mock_oms.web.app import create_app

RUN_TIMEOUT = 110  # seconds; a guard against a hang, not a timing assertion
BIN = Path(sys.executable).parent


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MOCK_OMS_"))}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


def contract(url: str, report: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The installed `mock-oms contract` against ``url``, its JUnit report to ``report``
    (which folder also serves as the working directory)."""
    command = [str(BIN / "mock-oms"), "contract", "--base-url", url, "--junit-xml", str(report)]
    return run([*command, *extra], report.parent)


def junit(path: Path) -> dict[str, str | None]:
    """test name -> None when it passed, else the failure message and text."""
    suite = ET.parse(path).getroot()
    out: dict[str, str | None] = {}
    for case in suite.iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        out[case.attrib["name"]] = (
            None
            if failure is None
            else f"{failure.attrib.get('message', '')}\n{failure.text or ''}"
        )
    return out


CHECKS = {
    "test_transport",
    "test_http_status",
    "test_content_type",
    "test_responses_match_schema",
    "test_envelope_success_iff_data",
    "test_envelope_code",
    "test_envelope_request_id",
    "test_envelope_cost",
    "test_unknown_project_error",
    "test_malformed_id_error",
    "test_unknown_project_ids",
    "test_malformed_project_ids",
    "test_observed_projects_answer",
    "test_legal_transitions",
    "test_terminal_stays_terminal",
    "test_progress_range",
    "test_progress_monotonic",
    "test_checkpoint_monotonic",
    "test_checkpoint_plausible",
    "test_frozen_unless_running",
    "test_disabled_progress_still",
    "test_disabled_checkpoint_still",
    "test_finished_complete",
    "test_step_matches_flags",
    "test_flags_constant",
    "test_lifecycle_state_machine",
    "test_generated_scenarios_play_exactly",
    "test_loaded_scenarios_play_exactly",
}


V4_CHECKS = {
    "test_v4_transport",
    "test_v4_http_status",
    "test_v4_content_type",
    "test_v4_responses_match_schema",
    "test_v4_envelope",
    "test_v4_unknown_project_error",
    "test_v4_malformed_id_error",
    "test_v4_unknown_project_ids",
    "test_v4_malformed_project_ids",
    "test_v4_observed_projects_answer",
    "test_v4_legal_transitions",
    "test_v4_terminal_stays_terminal",
    "test_v4_progress_range",
    "test_v4_progress_monotonic",
    "test_v4_checkpoint_monotonic",
    "test_v4_checkpoint_plausible",
    "test_v4_frozen_unless_running",
    "test_v4_disabled_progress_still",
    "test_v4_disabled_checkpoint_still",
    "test_v4_finished_complete",
    "test_v4_flags_constant",
    "test_v4_step_current",
    "test_v4_step_finished_at_100",
    "test_v4_step_monitoring_incremental",
    "test_v4_step_start_before_finish",
    "test_v4_step_disabled_absent",
    "test_v4_step_figures_agree",
    "test_v4_step_failed_says_why",
    "test_v4_step_finished_project",
    "test_v4_step_stays_finished",
    "test_v4_lifecycle",
}


C = TypeVar("C")
R = TypeVar("R")


def start_cases(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    cases: Mapping[str, C],
    run_case: Callable[[C, Path], R],
    at_once: int,
) -> Iterator[dict[str, Future[R]]]:
    """For a module fixture: every case of ``cases`` that the session selected (a test of
    the module parametrized with ``case``), started in a pool of ``at_once``, each in a
    folder of its own."""
    wanted = {
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.module is request.module
        if hasattr(item, "callspec") and "case" in item.callspec.params
    }
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        futures = {
            name: pool.submit(run_case, case, tmp_path_factory.mktemp(name))
            for name, case in cases.items()
            if name in wanted
        }
        yield futures
        for future in futures.values():
            future.cancel()


def test_the_kit_passes_against_an_in_process_mock_oms(tmp_path: Path) -> None:
    """`pytest --pyargs contract_tests` from any directory, default settings."""
    report = tmp_path / "kit.xml"
    done = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "contract_tests",
            "-p",
            "no:cacheprovider",
            f"--junit-xml={report}",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert junit(report) == dict.fromkeys(CHECKS)


def test_the_kit_passes_against_mock_oms_over_http(tmp_path: Path) -> None:
    """`mock-oms contract --base-url URL` against a live server; it prints its seed."""
    report = tmp_path / "kit.xml"
    with LiveServer(Settings(port=0)) as server:
        done = contract(server.base_url, report)
        with ControlClient(server.base_url) as control:
            loaded = {s["name"] for s in control.scenarios()}
    assert done.returncode == 0, done.stdout + done.stderr
    assert junit(report) == dict.fromkeys(CHECKS)
    assert "seed" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kit.xml"]  # nothing else left
    # the bundled scenarios with faults were played too, without their faults
    assert {"contract-story-flaky-network", "contract-story-outage-then-recovery"} <= loaded


@pytest.mark.parametrize("level", [(), ("--strict",)], ids=["compatible", "strict"])
def test_the_kit_passes_against_mock_oms_on_v4_over_http(
    tmp_path: Path, level: tuple[str, ...]
) -> None:
    """`mock-oms contract --api v4` against a live server, at either level: the V4 checks
    alone (the V3 ones deselected), the lifecycle walked on projects of the kit's own."""
    report = tmp_path / "kit.xml"
    with LiveServer(Settings(port=0)) as server:
        done = contract(server.base_url, report, "--api", "v4", *level)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "V4 API" in done.stdout
    assert junit(report) == dict.fromkeys(V4_CHECKS)
    assert skipped(report) == set()  # the lifecycle too, on projects of the kit's own


def skipped(report: Path) -> set[str]:
    suite = ET.parse(report).getroot()
    return {c.attrib["name"] for c in suite.iter("testcase") if c.find("skipped") is not None}


def test_without_a_server_to_check_the_kit_stops_with_the_reason(tmp_path: Path) -> None:
    """Not one traceback per check (the run used to take half a minute to say nothing
    clearer): one line saying why, the usage exit status, and the JUnit file all the same."""
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    report = tmp_path / "kit.xml"
    done = contract(url, report)
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert f"mock-oms contract: no server to check: cannot reach {url} (ConnectError" in output
    assert "Traceback" not in output
    assert "ERROR " not in output
    assert report.is_file()


# -- servers that break the contract ------------------------------------------------------

Edit = Callable[[str, int, Any], tuple[int, Any]]


class Tamper:
    """ASGI middleware: passes a mock-oms app's OMS answers through ``edit(project_id,
    status, body) -> (status, body)``."""

    def __init__(self, app: Any, edit: Edit, prefix: str = "/api/omsp/") -> None:
        self.app, self.edit, self.prefix = app, edit, prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        project = scope["path"].split("/")[-2]

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            if not b"".join(chunks):  # 204 and the like
                await send(start)
                await send(message)
                return
            status, body = self.edit(project, start["status"], json.loads(b"".join(chunks)))
            payload = json.dumps(body).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, capture)


def progress_of_150(project: str, status: int, body: Any) -> tuple[int, Any]:
    data = body.get("data")
    if data and data["status"] == "RUNNING" and data["fullMigrationProgress"] > 50:
        data["fullMigrationProgress"] = 150
    return status, body


def finished_then_running() -> Edit:
    seen: dict[str, int] = {}

    def edit(project: str, status: int, body: Any) -> tuple[int, Any]:
        data = body.get("data")
        if data and data["status"] == "FINISHED":
            seen[project] = seen.get(project, 0) + 1
            if seen[project] > 2:
                data["status"] = "RUNNING"
        return status, body

    return edit


def missing_current_step(project: str, status: int, body: Any) -> tuple[int, Any]:
    if body.get("data"):
        del body["data"]["currentStep"]
    return status, body


def error_500_for_unknown(project: str, status: int, body: Any) -> tuple[int, Any]:
    return (500 if body.get("code") == "GHANA-PROJECT000001" else status), body


def checkpoint_going_back() -> Edit:
    polls: dict[str, int] = {}

    def edit(project: str, status: int, body: Any) -> tuple[int, Any]:
        data = body.get("data")
        polls[project] = polls.get(project, 0) + 1
        if data and isinstance(data["incrSyncCheckpoint"], int) and polls[project] % 3 == 0:
            data["incrSyncCheckpoint"] = max(0, data["incrSyncCheckpoint"] - 100)
        return status, body

    return edit


@pytest.mark.parametrize(
    ("make_edit", "checks"),
    [
        (lambda: progress_of_150, {"test_progress_range": "[progress-range]"}),
        (
            finished_then_running,
            {
                "test_terminal_stays_terminal": "[terminal-stays-terminal]",
                "test_legal_transitions": "[legal-transitions]",
            },
        ),
        (
            lambda: missing_current_step,
            {"test_responses_match_schema": "[schema] the body does not validate"},
        ),
        (lambda: error_500_for_unknown, {"test_unknown_project_error": "[error-no-5xx]"}),
        (checkpoint_going_back, {"test_checkpoint_monotonic": "[checkpoint-monotonic]"}),
    ],
    ids=["progress-150", "finished-then-running", "missing-field", "500-for-unknown", "checkpoint"],
)
def test_a_broken_server_fails_the_named_check(
    tmp_path: Path, make_edit: Callable[[], Edit], checks: dict[str, str]
) -> None:
    report = tmp_path / "kit.xml"
    with LiveServer(Settings(port=0), middleware=lambda app: Tamper(app, make_edit())) as server:
        done = contract(
            server.base_url,
            report,
            # long enough for the bundled scenarios to finish, release and fail
            "--poll-duration",
            "500",
            "--poll-interval",
            "10",
            "--",
            "-k",
            " or ".join(checks),
        )
    assert done.returncode == 1, done.stdout + done.stderr
    results = junit(report)
    assert {name for name, failure in results.items() if failure is not None} == set(checks)
    for check, rule in checks.items():
        assert rule in (results[check] or "")
        assert rule in done.stdout


class RealLooking:
    """A mock-oms that hides its control API and wants HTTP Basic credentials, as a real
    OMS would."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers", []))
        path = scope.get("path", "")
        # "alice:secret" in Basic form
        if path.startswith("/_mock") or headers.get(b"authorization") != b"Basic YWxpY2U6c2VjcmV0":
            status = 404 if path.startswith("/_mock") else 401
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def test_against_another_server_the_kit_polls_in_real_time(tmp_path: Path) -> None:
    """Without mock-oms's control API the mock-only checks are skipped; the named projects
    are polled for real seconds, with the credentials given."""
    report = tmp_path / "kit.xml"
    with LiveServer(Settings(port=0, speed=100), middleware=RealLooking) as server:
        done = contract(
            server.base_url,
            report,
            "--auth",
            "alice:secret",
            "--project",
            "full-migration",
            "--project",
            "sync-project",
            "--poll-interval",
            "0.5",
            "--poll-duration",
            "3",
            "--max-examples",
            "5",
            # scenario time runs 100 times faster than the clock of its Date header: its
            # checkpoints are hours ahead of it within seconds
            "--clock-skew",
            "1000000",
        )
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    skipped = {
        case.attrib["name"] for case in suite.iter("testcase") if case.find("skipped") is not None
    }
    assert skipped == {
        "test_lifecycle_state_machine",
        "test_generated_scenarios_play_exactly",
        "test_loaded_scenarios_play_exactly",
    }


# -- the state machine against a broken lifecycle -----------------------------------------


@pytest.fixture
def accepting_everything() -> Iterator[ControlClient]:
    """A mock-oms whose actions all claim success (and then do nothing)."""

    def edit(project: str, status: int, body: Any) -> tuple[int, Any]:
        if body.get("success") is False:
            body["success"] = True
        return status, body

    app = Tamper(create_app(Settings(clock=ClockMode.MANUAL)), edit, prefix="/_mock/projects/")
    with ControlClient.in_process(app) as client:
        yield client


def test_the_state_machine_catches_an_illegal_action_accepted(
    accepting_everything: ControlClient,
) -> None:
    machine = LifecycleMachine.bind(accepting_everything)
    with pytest.raises(AssertionError, match=r"\[lifecycle-model\] \w+ is illegal in"):
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=30,
                deadline=None,
                database=None,
                stateful_step_count=10,
                phases=[Phase.generate],  # caught is enough; shrinking would take a while
            ),
        )


def test_the_options_are_registered_but_idle(pytestconfig: pytest.Config) -> None:
    """The entry-point plugin adds the options to every run (this one too) and does nothing else."""
    assert pytestconfig.getoption("oms_base_url") is None
    assert pytestconfig.getoption("oms_project") == []
    assert pytestconfig.pluginmanager.has_plugin("contract_tests.plugin")
