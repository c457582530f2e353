"""``mock-oms ctl``: each subcommand against a live server, its human output, its --json,
and the server's own errors with exit status 1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from mock_oms.cli import main
from mock_oms.cli.ctl_journal import follow
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.serve.live import LiveServer
from mock_oms.web.control.models import EntryOut


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL, control_token="s3cret")) as server:
        yield server


@pytest.fixture
def oms(live: LiveServer) -> Iterator[ControlClient]:
    with ControlClient(live.base_url, token="s3cret") as client:
        client.reset(fresh=True)
        yield client


def ctl(live: LiveServer, *args: str, token: str | None = "s3cret") -> Result:
    env = {"MOCK_OMS_URL": live.base_url, "MOCK_OMS_CONTROL_TOKEN": token or ""}
    return CliRunner().invoke(main, ["ctl", *args], env=env)


def test_the_clock(live: LiveServer, oms: ControlClient) -> None:
    before = oms.clock().now
    result = ctl(live, "advance", "60")
    assert result.exit_code == 0, result.output
    assert result.output == f"scenario time {before + 60:.1f} s (manual clock)\n"
    shown = json.loads(ctl(live, "--json", "clock").output)
    assert shown == oms.clock().to_json()
    assert ctl(live, "speed", "60").output.endswith("(accelerated clock, speed 60)\n")


def test_projects_and_actions(live: LiveServer, oms: ControlClient) -> None:
    assert ctl(live, "create", "full-migration", "p1").exit_code == 0
    ctl(live, "advance", "60")
    listed = ctl(live, "projects").output.splitlines()
    assert listed[0].split() == ["PROJECT", "SCENARIO", "STATUS", "STEP", "PROGRESS", "TIME"]
    assert listed[1].split()[:4] == ["p1", "full-migration", "RUNNING", "STRUCT_MIGRATION"]
    stopped = ctl(live, "act", "p1", "stop")
    assert stopped.exit_code == 0
    assert "SUSPEND" in stopped.output
    assert oms.project("p1").status == "SUSPEND"
    shown = ctl(live, "project", "p1").output
    assert "p1 (full-migration, migration): SUSPEND in STRUCT_MIGRATION" in shown
    assert "RUNNING -> SUSPEND  (stop)" in shown
    data = json.loads(ctl(live, "--json", "projects").output)
    assert [p["projectId"] for p in data] == ["p1"]


def test_the_servers_errors_with_exit_status_1(live: LiveServer, oms: ControlClient) -> None:
    oms.create("full-migration", "p1")
    refused = ctl(live, "act", "p1", "resume")  # INIT: the lifecycle refuses, in band
    assert refused.exit_code == 1
    assert "GHANA-OPERAT000001: cannot resume project 'p1' in status INIT" in refused.output
    unknown = ctl(live, "act", "typo", "stop")
    assert unknown.exit_code == 1
    assert "HTTP 404 GHANA-PROJECT000001: project 'typo' does not exist" in unknown.output
    wrong = ctl(live, "create", "ful-migration")
    assert "did you mean 'full-migration'" in wrong.output
    no_token = ctl(live, "clock", token=None)
    assert no_token.exit_code == 1
    assert "HTTP 401 UNAUTHORIZED" in no_token.output
    nobody = CliRunner().invoke(main, ["ctl", "--url", "http://127.0.0.1:9", "clock"])
    assert nobody.exit_code == 1
    assert "no mock-oms answers at http://127.0.0.1:9" in nobody.output
    assert "Traceback" not in nobody.output


def test_faults(live: LiveServer, oms: ControlClient) -> None:
    project = ["--project", "full-migration"]
    added = ctl(live, "fault", "add", "{status: 503}", *project, "--count", "2")
    assert added.output == "injected #1 status:503 into full-migration, for 2 polls\n"
    assert oms.poll("full-migration").status_code == 503
    listed = ctl(live, "fault", "list").output
    assert listed.startswith("#1 status:503 into full-migration, for 1 polls\n")
    assert ctl(live, "fault", "add", "reset").output.startswith("injected #2 reset into every")
    assert ctl(live, "fault", "clear").output == "cleared 2\n"
    bad = ctl(live, "fault", "add", "[1, 2]")
    assert bad.exit_code == 2
    assert "a fault is a name (reset) or a mapping" in bad.output
    invalid = ctl(live, "fault", "add", "{status: 999}")
    assert invalid.exit_code == 1
    assert "HTTP 400 PARAM_ERROR" in invalid.output


def test_requests_and_reset(live: LiveServer, oms: ControlClient) -> None:
    oms.progress("full-migration")
    lines = ctl(live, "requests").output.splitlines()
    assert len(lines) == 1
    assert "GET /api/omsp/v2/migrations/full-migration/progress  200 INIT" in lines[0]
    assert json.loads(ctl(live, "--json", "requests").output)["total"] == 1
    assert ctl(live, "polls", "full-migration").output.startswith("full-migration: 1 polls")
    assert ctl(live, "reset").output == "reset 1 project\n"
    assert ctl(live, "requests").output == ""


def test_following_the_journal(live: LiveServer, oms: ControlClient) -> None:
    seen: list[EntryOut] = []
    done = threading.Event()

    def run() -> None:
        with ControlClient(live.base_url, token="s3cret") as client:
            follow(client, seen.append, count=2, interval=0.05, stop=done)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        oms.progress("full-migration")
        oms.progress("release")
        thread.join(10)
    finally:
        done.set()
    assert [e.project_id for e in seen] == ["full-migration", "release"]
    # and through the command: the requests so far, then the next one
    oms.reset()
    oms.progress("deleted")
    results: list[Result] = []
    command = threading.Thread(
        target=lambda: results.append(ctl(live, "requests", "--follow", "--count", "1"))
    )
    command.start()
    deadline = time.monotonic() + 10
    while command.is_alive() and time.monotonic() < deadline:
        oms.progress("release")  # until the command has seen one more
        command.join(0.1)
    assert not command.is_alive()
    (result,) = results
    first, *then = result.output.splitlines()  # what was there, then until one more came
    assert "deleted/progress" in first
    assert then
    assert all("release/progress" in line for line in then)
