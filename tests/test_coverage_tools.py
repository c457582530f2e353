"""Exposure coverage for people and CI: ``mock-oms coverage`` and ``--mock-oms-coverage``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import hypothesis
import pytest
from click.testing import CliRunner

import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app
from mock_oms.cli import main
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.serve.live import LiveServer

# imported here, not first inside a pytester run: see test_pytest_plugin.py
PRELOADED = (hypothesis, mock_oms.web.control.app, mock_oms.harness, mock_oms.serve.live)

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def live(bundled: Library) -> Iterator[LiveServer]:
    settings = Settings(port=0, clock=ClockMode.MANUAL, control_token=TOKEN)
    with LiveServer(settings, library=bundled) as server:
        with ControlClient(server.base_url, token=TOKEN) as oms:
            for _ in range(100):
                oms.progress("full-migration")
                oms.advance(5)
        yield server


def cli(live: LiveServer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["coverage", *args],
        env={"MOCK_OMS_URL": live.base_url, "MOCK_OMS_CONTROL_TOKEN": TOKEN},
    )
    return result.exit_code, result.stdout, result.stderr


def test_the_table_for_people(live: LiveServer) -> None:
    status, out, _ = cli(live)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == (
        "mock-oms exposure coverage: 6 of 95 situations shown (6.3 %), in 100 responses"
    )
    assert lines[2:5] == ["          v3    v4", "  status  3/8   0/8", "  change  2/12  0/12"]
    assert "  scenario suspend-resume" in lines
    assert "      status SUSPEND, change RUNNING->SUSPEND, change SUSPEND->RUNNING" in out
    assert "  inject: mock-oms ctl fault add '{hang: 5}' --project ID --count 1" in lines
    status, every, _ = cli(live, "--show-all")
    assert "  v3 status FINISHED" in every and every.startswith(out.rstrip("\n"))


def test_json_for_tools(live: LiveServer) -> None:
    status, out, _ = cli(live, "--json")
    assert status == 0
    with ControlClient(live.base_url, token=TOKEN) as oms:
        assert json.loads(out) == oms.coverage().to_json()


def test_fail_under_for_ci(live: LiveServer) -> None:
    status, _, err = cli(live, "--fail-under", "50")
    assert status == 2
    assert "FAIL: 6.3 % of the situations shown, under --fail-under 50" in err
    assert cli(live, "--fail-under", "6.3")[0] == 0


def test_a_mark_measures_what_came_after_it(live: LiveServer) -> None:
    status, out, _ = cli(live, "--mark")
    assert status == 0 and out.startswith("mark 1 (scenario time ")
    status, out, _ = cli(live, "--since", "1", "--json")
    assert status == 0 and json.loads(out)["responses"] == 0
    status, _, err = cli(live, "--since", "9")
    assert status == 1
    assert "HTTP 404 NOT_FOUND: no coverage mark 9: the last one set is 1" in err


def test_the_server_refuses_without_the_token(live: LiveServer) -> None:
    result = CliRunner().invoke(main, ["coverage", "--url", live.base_url])
    assert result.exit_code == 1
    assert "HTTP 401 UNAUTHORIZED" in result.output


def test_clear(bundled: Library) -> None:
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL), library=bundled) as server:
        with ControlClient(server.base_url) as oms:
            oms.progress("full-migration")
        result = CliRunner().invoke(main, ["coverage", "--clear", "--url", server.base_url])
        assert (result.exit_code, result.output) == (0, "coverage cleared\n")
        result = CliRunner().invoke(main, ["coverage", "--url", server.base_url, "--json"])
        assert json.loads(result.output)["responses"] == 0


# -- the pytest plugin -------------------------------------------------------------------------

SUITE = """
import httpx

def test_happy(mock_oms):
    project = mock_oms.create("full-migration")
    for _ in range(100):
        httpx.get(mock_oms.url(project))
        mock_oms.advance(5)

def test_in_process(mock_oms_inprocess):
    with mock_oms_inprocess.http_client() as http:
        http.get("/api/omsp/v2/migrations/suspend-resume/progress")
"""


def test_the_plugin_prints_the_session_s_coverage(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("-p", "no:randomly", "--mock-oms-coverage")
    result.assert_outcomes(passed=2)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*- mock-oms exposure coverage -*",
            "mock-oms exposure coverage: 6 of 95 situations shown (6.3 %), in 101 responses",
            "",
            "          v3    v4",
            "  status  3/8   0/8",
            "*never shown, by what would show them:",
        ]
    )


def test_the_plugin_fails_a_session_under_the_threshold(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("-p", "no:randomly", "--mock-oms-coverage-fail-under=50")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["FAIL Required mock-oms exposure coverage of 50 % not reached: 6.3 %"]
    )
    result = pytester.runpytest("-p", "no:randomly", "--mock-oms-coverage-fail-under=6")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["Required mock-oms exposure coverage of 6 % reached."])


def test_the_plugin_says_when_no_server_served(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly", "--mock-oms-coverage-fail-under=50")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["no mock-oms server served this session"])


def test_under_xdist_the_workers_reports_are_merged(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "xdist", "-p", "no:randomly", "--mock-oms-coverage"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["mock-oms exposure coverage: 6 of 95 situations shown (6.3 %), in 101 responses"]
    )
