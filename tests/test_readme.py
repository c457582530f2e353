"""The README's examples are run as they stand, so they cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis
import pytest

import mock_oms.harness
import mock_oms.live

README = Path(__file__).resolve().parent.parent / "README.md"
PRELOADED = (hypothesis, mock_oms.harness, mock_oms.live)  # see test_pytest_plugin.py


def example(marker: str) -> str:
    """The ```python block that follows ``<!-- test: MARKER -->`` in the README."""
    found = re.search(
        rf"<!-- test: {re.escape(marker)} -->\s*```python\n(.*?)```", README.read_text(), re.S
    )
    assert found is not None, f"no python block after <!-- test: {marker} --> in the README"
    return found.group(1)


def test_the_polling_client_example_passes(pytester: pytest.Pytester) -> None:
    code = example("readme-polling-client")
    pytester.makepyfile(test_readme_example=code)
    result = pytester.runpytest("-p", "no:randomly", "--strict-markers")
    tests = len(re.findall(r"^def test_", code, re.M))
    assert tests >= 3
    result.assert_outcomes(passed=tests)


MUTANTS = {
    # polls once more after FINISHED
    "keptPolling": (
        "                return reported\n",
        '                http.get(f"/api/omsp/v2/migrations/{project_id}/progress")\n'
        "                return reported\n",
    ),
    # polls twice a second while the project is still in INIT
    "min": ("sleep(interval)", "sleep(interval if len(reported) > 1 else 0.5)"),
}


@pytest.mark.parametrize("mutant", list(MUTANTS))  # named after the assertion they break
def test_the_example_catches_a_bad_client(pytester: pytest.Pytester, mutant: str) -> None:
    before, after = MUTANTS[mutant]
    code = example("readme-polling-client")
    assert before in code
    pytester.makepyfile(test_readme_example=code.replace(before, after))
    result = pytester.runpytest("-p", "no:randomly", "-k", "polls_politely")
    result.assert_outcomes(failed=1)
    # and it is the assertion meant for it that catches it
    result.stdout.fnmatch_lines([f">*assert*{mutant}*"])
