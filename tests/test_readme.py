"""The README's examples, run: a snippet that rots fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import hypothesis
import pytest

import mock_oms.harness
import mock_oms.serve.live
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.scenarios.loader import load_text
from mock_oms.serve.live import LiveServer

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)
PRELOADED = (hypothesis, mock_oms.harness, mock_oms.serve.live)  # see test_pytest_plugin.py


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCKS if lang == language]


def is_recipe(block: str) -> bool:
    """A CI or compose recipe, whose first line names its file; test_docker.py checks those."""
    first = block.partition("\n")[0]
    return first.startswith(("# compose.yaml", "# .github/workflows/", "# .gitlab-ci.yml"))


@pytest.mark.parametrize("text", [b for b in blocks("yaml") if not is_recipe(b)])
def test_every_yaml_example_is_a_valid_scenario(text: str) -> None:
    scenario = load_text(text, "README.md")
    assert scenario.timeline


def test_the_control_client_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    (example,) = [
        b for b in blocks("python") if 'with ControlClient("http://127.0.0.1:8089") as oms:' in b
    ]
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
        exec(example.replace("http://127.0.0.1:8089", server.base_url), {})
    # full-migration at 60 s: halfway through its 60-second structure migration
    assert capsys.readouterr().out.split() == ["50", "SUSPEND"]


def test_the_quick_start_commands_are_what_ci_runs() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    serve, test = blocks("sh")[:2]
    serve_cmd = serve.strip().splitlines()[-1]
    test_cmd = test.strip().splitlines()[-1]
    assert (
        serve_cmd == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mock-oms serve"
    )
    assert test_cmd in ci


def test_the_json_example_is_what_the_server_answers(client: ControlClient) -> None:
    (sample,) = [b for b in blocks("json") if '"currentStep"' in b]
    shown = json.loads(sample)
    real = client.progress("full-migration")
    assert list(shown) == list(real)
    assert shown["data"] == real["data"]
    assert {k: v for k, v in shown.items() if k not in ("requestId", "data")} == {
        k: v for k, v in real.items() if k not in ("requestId", "data")
    }


def example(marker: str) -> str:
    """The ```python block that follows ``<!-- test: MARKER -->`` in the README."""
    found = re.search(rf"<!-- test: {re.escape(marker)} -->\s*```python\n(.*?)```", README, re.S)
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


def test_the_state_machine_subclass_example_runs() -> None:
    (example,) = [b for b in blocks("python") if "class MyMachine(LifecycleMachine)" in b]
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
        exec(example.replace("http://127.0.0.1:8089", server.base_url), {})


def test_the_contract_rules_example_runs(client: ControlClient) -> None:
    (snippet,) = [b for b in blocks("python") if "session_violations(" in b]
    bodies = []
    for _ in range(40):  # a sync project from INIT to incremental sync
        bodies.append(client.progress("sync-project", "sync"))
        client.advance(15)
    assert {b["data"]["status"] for b in bodies} >= {"INIT", "RUNNING"}
    exec(snippet, {"bodies": bodies})

    bodies[-1]["data"]["status"] = "INIT"  # back to INIT from RUNNING
    with pytest.raises(
        AssertionError,
        match=r"(?s)\[legal-transitions\].*offending response, sync project .p. poll #39",
    ):
        exec(snippet, {"bodies": bodies})
