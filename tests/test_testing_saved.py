"""The harness's saved failures: every one is a scenario file that ``mock-oms validate``
accepts and ``mock-oms serve --scenarios FILE`` replays, whatever the client's error
message holds (several lines, as httpx's always has; control characters; other line
breaks)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_oms.cli import main
from mock_oms.scenarios.loader import load_text
from mock_oms.testing import SAVED_SCENARIO, Case, ClientFailure, ClientTarget, check_client
from mock_oms.testing.saved import comment, scenario_text

SETTLES = {
    "kind": "migration",
    "flags": {"struct": False, "full": False, "incr": False, "reverse": False},
    "timeline": [{"status": "RUNNING", "polls": 1}, {"status": "FINISHED"}],
}
CASE = Case({"name": "harness-case", **SETTLES}, faults=(None, {"status": 503}))


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def raises(error: BaseException) -> object:
    def drive(target: ClientTarget) -> str | None:
        with target.client() as http:
            http.get(target.path)
        raise error

    return drive


def raise_for_status(target: ClientTarget) -> str | None:
    """What most httpx clients do: raise_for_status(), whose message has two lines."""
    with target.client() as http:
        for _ in range(target.max_polls):
            response = http.get(target.path)
            response.raise_for_status()
            if response.json()["data"]["status"] == "FINISHED":
                return "FINISHED"
    return None


ERRORS = {
    "two lines": raises(RuntimeError("first line\nsecond line")),
    "httpx raise_for_status": raise_for_status,
    "windows line ends and a blank line": raises(ValueError("one\r\n\r\nthree: a: b")),
    "yaml lookalikes": raises(KeyError("name: evil\n- [list]\n---\n...")),
    "control characters": raises(RuntimeError("\x1b[31mred\x1b[0m \x00 \x07 bell")),
    "other line breaks": raises(RuntimeError("a\x85b\u2028c\u2029d\re")),
}


def failure(drive: object) -> ClientFailure:
    with pytest.raises(ClientFailure) as caught:
        check_client(drive, cases=st.just(CASE), max_examples=1)  # type: ignore[arg-type]
    return caught.value


def serve_and_poll(saved: Path, polls: int) -> list[object]:
    """``mock-oms serve --scenarios FILE``, and what ``polls`` polls of the saved
    project get."""
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
            for _ in range(polls):
                response = http.get(f"/api/omsp/v2/migrations/{SAVED_SCENARIO}/progress")
                ok = response.status_code == 200
                seen.append(response.json()["data"]["status"] if ok else response.status_code)
        return seen
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("error", list(ERRORS))
def test_a_saved_failure_validates_and_replays_whatever_the_message(error: str) -> None:
    """Before, only the message's first line became a comment: `validate` refused a
    two-line RuntimeError (not valid YAML) and `serve` httpx's message (unknown field
    'For more information check')."""
    caught = failure(ERRORS[error])
    saved = caught.scenario_file
    result = CliRunner().invoke(main, ["validate", str(saved)])
    assert result.exit_code == 0, result.output
    text = saved.read_text(encoding="utf-8")
    header, _, body = text.partition(f"name: {SAVED_SCENARIO}\n")
    assert all(line.startswith("#") for line in header.splitlines())
    assert yaml.safe_load(f"name: {SAVED_SCENARIO}\n{body}") == {
        **CASE.document(),
        "name": SAVED_SCENARIO,
    }
    # the poll counts restart with the server: RUNNING, the 503 on poll 2, then FINISHED
    assert serve_and_poll(saved, 3) == ["RUNNING", 503, "FINISHED"]


def test_the_saved_file_keeps_every_line_of_httpx_s_message() -> None:
    caught = failure(raise_for_status)
    assert "\n" in str(caught.error)
    text = caught.scenario_file.read_text(encoding="utf-8")
    assert "# The client failed: it raised HTTPStatusError: Server error '503" in text
    assert "#   For more information check: https://developer.mozilla.org" in text


@settings(max_examples=200, deadline=None)
@given(reason=st.text(), details=st.text())
def test_any_message_stays_a_comment(reason: str, details: str) -> None:
    text = scenario_text(CASE, reason, details)
    scenario = load_text(text, "client-failure.yaml")
    assert scenario.name == SAVED_SCENARIO
    json.dumps(text)  # and it can be written as UTF-8
    text.encode("utf-8")


def test_comment_escapes_what_yaml_refuses() -> None:
    assert comment("a\x1bb\x00c\ud800") == ["# a\\x1bb\\x00c\\ud800"]
    assert comment("one\ntwo\r\nthree", "said: ", "  ") == ["# said: one", "#   two", "#   three"]
