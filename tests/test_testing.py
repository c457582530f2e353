from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import strategies as st
from pages import example, marked_page

from mock_oms import strategies, testing
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.scenarios.loader import load_paths
from mock_oms.serve.live import LiveServer
from mock_oms.testing import Case, ClientFailure, ClientTarget, check_client
from mock_oms.web.app import create_app

EXAMPLE_FILE = "robustness.py"
SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}


def careful(target: ClientTarget, get: Callable[[str], httpx.Response] | None = None) -> str | None:
    """Stops at a settled status, gives up after max_polls, survives errors, waits as long
    as Retry-After asks."""
    with target.client(timeout=5) as http:
        for _ in range(target.max_polls):
            try:
                response = (get or http.get)(target.path)
            except httpx.HTTPError:
                continue
            target.sleep(float(response.headers.get("Retry-After", 0)))
            try:
                body = response.json()
            except ValueError:
                continue
            if body.get("success"):
                if body["data"]["status"] in SETTLED:
                    return str(body["data"]["status"])
            elif body.get("code") == "GHANA-PROJECT000001":
                return None
    return None


def only(
    *documents: Mapping[str, Any],
    missing: bool = False,
    faults: tuple[strategies.FaultSpec | None, ...] = (),
) -> st.SearchStrategy[Case]:
    return st.sampled_from(
        [Case({"name": "harness-case", **d}, missing, faults) for d in documents]
    )


INIT_FOREVER = {"kind": "migration", "timeline": [{"status": "INIT"}]}
FAILS = {
    "kind": "migration",
    "timeline": [{"status": "RUNNING", "polls": 2}, {"status": "FAILED"}],
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def fragile(target: ClientTarget) -> str | None:
    """Careful, but any answer other than HTTP 200 is fatal to it."""
    with target.client(timeout=5) as http:
        for _ in range(target.max_polls):
            response = http.get(target.path)
            if response.status_code != 200:
                raise RuntimeError(f"OMS answered HTTP {response.status_code}")
            body = response.json()
            if body.get("success") and body["data"]["status"] in SETTLED:
                return str(body["data"]["status"])
            if body.get("code") == "GHANA-PROJECT000001":
                return None
    return None


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "live"])
def test_a_careful_client_passes_through_the_faults(live: bool) -> None:
    troubles: list[str] = []  # what went wrong on the polls it made

    def counting(target: ClientTarget) -> str | None:
        def get(path: str) -> httpx.Response:
            try:
                response = http.get(path)
            except httpx.HTTPError as exc:
                troubles.append(type(exc).__name__)
                raise
            if response.status_code != 200:
                troubles.append(str(response.status_code))
            return response

        with target.client(timeout=5) as http:
            return careful(target, get)

    check_client(counting, live=live, max_examples=15, seed=3)
    assert troubles  # it met faults, and got past them
    if live:  # over a socket, closed and reset connections too
        assert {"RemoteProtocolError", "ReadError"} & set(troubles)


def test_a_client_that_treats_any_non_200_as_fatal_is_caught_by_a_fault() -> None:
    with pytest.raises(ClientFailure, match="raised RuntimeError: OMS answered HTTP 500") as caught:
        check_client(fragile, max_examples=30, seed=2)
    case = caught.value.case
    assert case.faults == ({"status": 500},)  # the first classic case: a 500 on poll 1
    assert [p["status"] for p in case.scenario["timeline"]] == ["RUNNING", "FINISHED"]
    assert "faults:\n- fault:\n    status: 500\n  polls: 1\n" in str(caught.value)


def test_without_the_classics_a_generated_case_shrinks_to_a_plain_500() -> None:
    cases = testing.client_cases(classics=False)
    with pytest.raises(ClientFailure, match="raised RuntimeError: OMS answered HTTP 500") as caught:
        check_client(fragile, cases=cases, max_examples=30, seed=2)
    case = caught.value.case
    assert case.faults == ({"status": 500},)  # shrunk: one plain 500, on the first poll
    assert case.scenario["timeline"] == [{"status": "INIT"}]


def test_without_faults_the_same_client_passes() -> None:
    check_client(fragile, cases=testing.client_cases(max_faults=0), max_examples=10)


def test_the_saved_faults_replay_under_mock_oms_serve() -> None:
    with pytest.raises(ClientFailure) as caught:
        check_client(fragile, cases=only(FAILS, faults=(None, {"status": 503}, "reset")))
    saved = caught.value.scenario_file
    assert "POST /_mock/projects/client-failure/reset" in saved.read_text()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_oms", "serve", "--port", "0", "--scenarios", str(saved)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"listening on (http://\S+)", banner)
        assert found, banner + process.stdout.read()
        seen: list[object] = []
        with httpx.Client(base_url=found.group(1), timeout=10) as http:
            for _ in range(4):
                try:
                    response = http.get("/api/omsp/v2/migrations/client-failure/progress")
                except httpx.HTTPError as exc:
                    seen.append(type(exc).__name__)
                    continue
                body = response.json() if response.status_code == 200 else None
                seen.append(body["data"]["status"] if body else response.status_code)
    finally:
        process.terminate()
        process.wait(10)
    # FAILS runs for two polls, then fails; the second poll gets a 503, the third a reset
    assert seen == ["RUNNING", 503, "ReadError", "FAILED"]


def test_a_client_that_never_stops_is_caught(tmp_path: Path) -> None:
    def endless(target: ClientTarget) -> str | None:
        with target.client() as http:
            while True:
                body = http.get(target.path).json()
                if body["data"]["status"] == "FINISHED":
                    return "FINISHED"

    with pytest.raises(ClientFailure, match="kept polling: more than 50 polls") as caught:
        check_client(endless, cases=only(INIT_FOREVER), max_examples=3)
    assert caught.value.scenario_file.parent == Path("mock-oms-failures")


def test_a_client_that_hangs_is_caught() -> None:
    def sleeper(target: ClientTarget) -> str | None:
        while True:
            time.sleep(0.01)

    with pytest.raises(ClientFailure, match=r"did not return within 0\.3 s"):
        check_client(sleeper, cases=only(INIT_FOREVER), max_examples=1, time_limit=0.3)


def test_a_client_that_raises_is_caught() -> None:
    def fragile(target: ClientTarget) -> str | None:
        with target.client() as http:
            return str(http.get(target.path).json()["data"]["status"])

    with pytest.raises(ClientFailure, match="raised TypeError"):
        check_client(fragile, cases=only(INIT_FOREVER, missing=True), max_examples=1)


def test_a_client_that_reports_a_lie_is_caught() -> None:
    def optimist(target: ClientTarget) -> str | None:
        return "FINISHED"

    with pytest.raises(ClientFailure, match=r"concluded 'FINISHED'; the truth is one of 'FAILED'"):
        check_client(optimist, cases=only(FAILS), max_examples=1)


def test_the_saved_case_replays_under_mock_oms_serve() -> None:
    def impatient(target: ClientTarget) -> str | None:
        return None  # gives up at once

    with pytest.raises(ClientFailure) as caught:
        check_client(impatient, cases=only(FAILS), max_examples=1)
    saved = caught.value.scenario_file
    text = saved.read_text()
    assert text.startswith("# A minimal case found by mock-oms's client-robustness harness.")
    assert "concluded None" in text
    library = load_paths([saved])
    assert list(library.scenarios) == [testing.SAVED_SCENARIO]
    with ControlClient.in_process(create_app(Settings(scenarios=(saved,)))) as client:
        statuses = [client.progress(testing.SAVED_SCENARIO)["data"]["status"] for _ in range(3)]
    assert statuses == ["RUNNING", "RUNNING", "FAILED"]


def test_failures_shrink_to_a_minimal_case() -> None:
    def never_failed(target: ClientTarget) -> str | None:
        answer = careful(target)
        return None if answer == "FAILED" else answer

    with pytest.raises(ClientFailure) as caught:
        check_client(never_failed, max_examples=100, seed=1)
    timeline = caught.value.case.scenario["timeline"]
    assert [p["status"] for p in timeline][-1] == "FAILED"
    assert len(timeline) <= 2


def test_a_client_that_retries_forever_is_stopped_at_its_budget() -> None:
    def relentless(target: ClientTarget) -> str | None:
        with target.client() as http:
            while True:  # the harness's 503s beyond the budget look transient to it
                try:
                    body = http.get(target.path).json()
                except (httpx.HTTPError, ValueError):
                    continue
                if body.get("success") and body["data"]["status"] == "FINISHED":
                    return "FINISHED"

    began = time.monotonic()
    with pytest.raises(ClientFailure, match="kept polling"):
        check_client(relentless, cases=only(INIT_FOREVER), max_examples=2, time_limit=60)
    assert time.monotonic() - began < 30  # stopped at its budget, not at the time limit


def test_a_missing_project_has_no_faults() -> None:
    with pytest.raises(ValueError, match="a missing project has none"):
        check_client(careful, cases=only(INIT_FOREVER, missing=True, faults=("reset",)))


def test_cases_with_timed_phases_are_refused() -> None:
    timed = {
        "kind": "migration",
        "timeline": [{"status": "INIT", "seconds": 5}, {"status": "RUNNING"}],
    }
    with pytest.raises(ValueError, match="counted in polls"):
        check_client(careful, cases=only(timed), max_examples=1)


def test_live_server_serves_on_a_free_port() -> None:
    with LiveServer(Settings(port=0)) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        assert httpx.get(server.base_url + "/_mock/health").json()["status"] == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/_mock/health")


def readme_example(marker: str) -> str:
    return example(marker)


def run_readme_example() -> None:
    """The example, run from a file of its own in the working directory, so that a
    traceback shows its lines as it would a user's."""
    Path(EXAMPLE_FILE).write_text(readme_example("client-robustness"), encoding="utf-8")
    code = compile(Path(EXAMPLE_FILE).read_text(encoding="utf-8"), EXAMPLE_FILE, "exec")
    exec(code, {"__name__": "robustness"})


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """It catches both naive clients (the one that treats non-200 as fatal on a case with
    a fault) and passes the robust one (else it raises)."""
    run_readme_example()
    printed = capsys.readouterr().out
    assert "the client failed: it raised RuntimeError: OMS answered HTTP " in printed
    assert "the client failed: it kept polling" in printed
    saved = sorted(Path("mock-oms-failures").glob("client-failure-*.yaml"))
    assert len(saved) == 2
    (fragile_case,) = [p.read_text() for p in saved if "OMS answered HTTP" in p.read_text()]
    rules = yaml.safe_load(fragile_case)["faults"]
    assert any(isinstance(r["fault"], dict) and "status" in r["fault"] for r in rules)
    for path in saved:  # each replays (alone: both are named client-failure)
        load_paths([path])


def test_the_readme_shows_the_case_the_harness_saves() -> None:
    """The YAML block after the example is what the harness writes for that failure."""
    shown = re.search(r"```yaml\n(.*?)```", marked_page("client-robustness"), re.S)
    assert shown is not None
    run_readme_example()
    saved = [p.read_text() for p in Path("mock-oms-failures").glob("client-failure-*.yaml")]
    assert shown.group(1) in saved
