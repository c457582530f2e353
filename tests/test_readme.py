"""The README's examples, run: a snippet that rots fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mock_oms.clock import ClockMode
from mock_oms.config import Settings
from mock_oms.loader import load_text
from mock_oms.server import running

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


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
    (example,) = [b for b in blocks("python") if "ControlClient(" in b]
    with running(Settings(port=0, clock=ClockMode.MANUAL)) as (_, url):
        exec(example.replace("http://127.0.0.1:8089", url), {})
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


def test_the_json_example_is_what_the_server_answers() -> None:
    (sample,) = blocks("json")
    assert '"status":"INIT"' in sample and '"currentStep":"PRE_CHECK"' in sample
