from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st

from mock_oms import testing
from mock_oms.app import create_app
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.live import LiveServer
from mock_oms.loader import load_paths
from mock_oms.testing import Case, ClientFailure, ClientTarget, check_client

README = Path(__file__).resolve().parent.parent / "README.md"
SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}


def careful(target: ClientTarget) -> str | None:
    """Stops at a settled status, gives up after max_polls, survives errors."""
    with target.client(timeout=5) as http:
        for _ in range(target.max_polls):
            try:
                response = http.get(target.path)
                body = response.json()
            except (httpx.HTTPError, ValueError):
                continue
            if body.get("success"):
                if body["data"]["status"] in SETTLED:
                    return str(body["data"]["status"])
            elif body.get("code") == "GHANA-PROJECT000001":
                return None
    return None


def only(*documents: Mapping[str, Any], missing: bool = False) -> st.SearchStrategy[Case]:
    return st.sampled_from([Case({"name": "harness-case", **d}, missing) for d in documents])


INIT_FOREVER = {"kind": "migration", "timeline": [{"status": "INIT"}]}
FAILS = {
    "kind": "migration",
    "timeline": [{"status": "RUNNING", "polls": 2}, {"status": "FAILED"}],
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "live"])
def test_a_careful_client_passes(live: bool) -> None:
    check_client(careful, live=live, max_examples=15)


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
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {marker} -->\s*```python\n(.*?)```", text, re.S)
    assert found, f"no example {marker!r} in the README"
    return found.group(1)


def test_the_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(readme_example("client-robustness"), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "the client failed:" in printed
    saved = list(Path("mock-oms-failures").glob("client-failure-*.yaml"))
    assert len(saved) == 1
    load_paths(saved)
