"""docs/testing-your-client.md, run: every example on the page, against the robust client
it ends with and against the naive one it starts from, which must fail where the page
says it does."""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis
import pytest

import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app

PRELOADED = (hypothesis, mock_oms.web.control.app, mock_oms.harness, mock_oms.serve.live)  # see
# test_pytest_plugin.py: pytester restores sys.modules after each in-process run

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "testing-your-client.md").read_text(
    encoding="utf-8"
)
pytestmark = pytest.mark.timeout(300)

# The nightly example searches 300 cases; the suite runs it with 10, the rest as written.
NIGHTLY = ("max_examples=300", "max_examples=10")


def example(marker: str) -> str:
    found = re.search(rf"<!-- test: {re.escape(marker)} -->\s*```\w+\n(.*?)```", PAGE, re.S)
    assert found is not None, f"no code block after <!-- test: {marker} -->"
    return found.group(1)


def test_every_code_block_is_run() -> None:
    blocks = re.findall(r"(<!-- test: [\w-]+ -->\s*)?```(\w+)\n", PAGE)
    assert blocks
    assert all(marker for marker, _ in blocks), "a block without <!-- test: NAME --> is not run"


def write(pytester: pytest.Pytester, client: str) -> None:
    pytester.makepyfile(
        oms_client=example(client),
        test_oms_client=example("fixture-tests"),
        test_oms_client_robustness=example("check-client")
        + example("check-client-nightly").replace(*NIGHTLY),
        test_parse_progress=example("parser"),
        test_follow_offline=example("mock-transport"),
        test_every_story=example("given-fixture"),
    )


def test_the_robust_client_passes_every_example(pytester: pytest.Pytester) -> None:
    write(pytester, "robust-client")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=13)
    assert not pytester.path.joinpath("mock-oms-failures").exists()


def test_the_xdist_command_runs(pytester: pytest.Pytester) -> None:
    write(pytester, "robust-client")
    command = example("xdist").split()
    assert command[0] == "pytest"
    result = pytester.runpytest_subprocess(*command[1:])
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*mock-oms: seed 1234*", "*2 workers*"])


def test_the_naive_client_fails_where_the_page_says(pytester: pytest.Pytester) -> None:
    write(pytester, "naive-client")
    fixture = pytester.runpytest("test_oms_client.py", "-p", "no:randomly")
    fixture.assert_outcomes(passed=1, failed=5)
    robustness = pytester.runpytest("test_oms_client_robustness.py", "-k", "not nightly")
    robustness.assert_outcomes(failed=1)
    robustness.stdout.fnmatch_lines(["*ClientFailure: the client failed:*"])
    stories = pytester.runpytest("test_every_story.py")
    stories.assert_outcomes(failed=1)
