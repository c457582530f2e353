"""The examples of the README and of the docs/ pages, run: a snippet that rots fails here."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import hypothesis
import pytest
from click.testing import CliRunner
from pages import PAGES, ROOT, blocks, example, page

import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app
from mock_oms.cli import main
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.scenarios.loader import load_text
from mock_oms.serve.live import LiveServer

# imported here, not first inside a pytester run: see test_pytest_plugin.py
PRELOADED = (hypothesis, mock_oms.web.control.app, mock_oms.harness, mock_oms.serve.live)


def is_recipe(block: str) -> bool:
    """A CI or compose recipe, whose first line names its file; test_docker.py checks those."""
    first = block.partition("\n")[0]
    return first.startswith(("# compose.yaml", "# .github/workflows/", "# .gitlab-ci.yml"))


# -- every page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [b for b in blocks("yaml") if not is_recipe(b)])
def test_every_yaml_example_is_a_valid_scenario(text: str) -> None:
    scenario = load_text(text, "example.yaml")
    assert scenario.timeline


@pytest.mark.parametrize("text", blocks("python"))
def test_every_python_example_compiles(text: str) -> None:
    compile(text, "example.py", "exec")


@pytest.mark.parametrize("text", blocks("json"))
def test_every_json_example_parses(text: str) -> None:
    json.loads(text)


def _commands() -> list[str]:
    """Every ``mock-oms ...`` command line of the sh and console blocks."""
    found = []
    for language in ("sh", "console"):
        for block in blocks(language):
            for raw in block.replace("\\\n", " ").splitlines():
                line = raw.removeprefix("$ ").split("  #")[0].strip()
                for piece in re.split(r"&&|;|\|", line):
                    part = piece.strip().removeprefix(".venv/bin/").removeprefix("docker run ")
                    if part.startswith("mock-oms "):
                        found.append(part)
    return found


@pytest.mark.parametrize("line", _commands())
def test_every_documented_command_and_option_exists(line: str) -> None:
    words = shlex.split(line)[1:]
    command: click.Command = main
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command = command.commands[words.pop(0)]
    options = {o for p in command.params for o in getattr(p, "opts", []) + p.secondary_opts}
    for word in words:
        if word.startswith("--"):
            assert word.split("=")[0] in options, f"{line}: no option {word}"


def test_the_readme_stays_short() -> None:
    """A newcomer reads it in ten minutes; the reference is in docs/."""
    assert len(page("README.md").encode()) < 15_000


def test_every_page_is_in_the_site() -> None:
    site = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for name in PAGES:
        if name.startswith("docs/"):
            assert f": {name.removeprefix('docs/')}\n" in site, f"{name} is not in the nav"


# -- the README ---------------------------------------------------------------------------------


def test_the_quick_start_commands_are_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    serve, test = blocks("sh", "README.md")[:2]
    serve_cmd = serve.strip().splitlines()[-1]
    test_cmd = test.strip().splitlines()[-1]
    assert (
        serve_cmd == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mock-oms serve"
    )
    assert test_cmd in ci


def test_the_json_example_is_what_the_server_answers(client: ControlClient) -> None:
    (sample,) = [b for b in blocks("json", "README.md") if '"currentStep"' in b]
    shown = json.loads(sample)
    real = client.progress("full-migration")
    assert list(shown) == list(real)
    assert shown["data"] == real["data"]
    varies = ("requestId", "data", "cost")  # cost: the time the answer took, "0 ms" or more
    assert {k: v for k, v in shown.items() if k not in varies} == {
        k: v for k, v in real.items() if k not in varies
    }
    assert re.fullmatch(r"\d+ ms", real["cost"]) and shown["cost"] == "0 ms"


def test_the_ctl_session_runs_as_shown() -> None:
    """The README's session, driven only by `mock-oms ctl`: each command's output is what
    the README shows (a line shown ending in `...` is a prefix of the line printed)."""
    session = example("ctl-session", "console")
    steps: list[tuple[str, list[str]]] = []
    for line in session.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    (serve, shown_by_serve), *calls = steps
    assert serve == "mock-oms serve --clock manual"
    assert not shown_by_serve
    assert all(command.startswith("mock-oms ctl ") for command, _ in calls)
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
        for command, shown in calls:
            result = CliRunner().invoke(
                main, shlex.split(command)[1:], env={"MOCK_OMS_URL": server.base_url}
            )
            printed = result.output.splitlines()
            assert len(printed) == len(shown), (command, result.output)
            for want, got in zip(shown, printed, strict=True):
                if want.endswith("..."):
                    assert got.startswith(want[:-3]), (command, got)
                else:
                    assert got == want, command
            assert result.exit_code == (1 if shown and shown[0].startswith("Error:") else 0)


README_MUTANTS = {
    # one poll too many: it asks again after it saw FINISHED
    "keptPolling": (
        "                return status\n",
        "                http.get(url)\n                return status\n",
    ),
    # once a second while INIT
    "min": ("            sleep(5)\n", "            sleep(5 if status != 'INIT' else 1)\n"),
}


def test_the_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_example=example("readme-pytest"))
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def shown_in_order(shown: list[str], printed: list[str]) -> None:
    """Each run of lines between two ``...`` lines is printed as it is shown, one after the
    other (a line ending in ``...`` is a prefix of the line printed), runs in order."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line == "...":
            runs.append([])
        else:
            runs[-1].append(line)
    at = 0
    for run in filter(None, runs):

        def fits(start: int, run: list[str] = run) -> bool:
            return all(
                start + i < len(printed)
                and (
                    printed[start + i].startswith(want[:-3])
                    if want.endswith("...")
                    else printed[start + i] == want
                )
                for i, want in enumerate(run)
            )

        found = next((i for i in range(at, len(printed)) if fits(i)), None)
        assert found is not None, (run, printed)
        at = found + len(run)


def test_the_readme_shows_the_coverage_of_its_own_example(pytester: pytest.Pytester) -> None:
    """The README's exposure coverage report is what `pytest --mock-oms-coverage` prints
    for the README's own pytest example."""
    command, *shown = example("readme-coverage", "console").splitlines()
    assert command == "$ pytest --mock-oms-coverage"
    pytester.makepyfile(test_readme_example=example("readme-pytest"))
    result = pytester.runpytest("-p", "no:randomly", "--mock-oms-coverage")
    result.assert_outcomes(passed=1)
    shown_in_order(shown, result.outlines)


@pytest.mark.parametrize("mutant", list(README_MUTANTS))
def test_the_readme_pytest_example_catches_a_bad_client(
    pytester: pytest.Pytester, mutant: str
) -> None:
    before, after = README_MUTANTS[mutant]
    code = example("readme-pytest")
    assert before in code
    pytester.makepyfile(test_readme_example=code.replace(before, after))
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f">*assert*{mutant}*"])


# -- the reference pages ------------------------------------------------------------------------


def test_the_control_client_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    (snippet,) = [
        b
        for b in blocks("python", "docs/control-api.md")
        if 'with ControlClient("http://127.0.0.1:8089") as oms:' in b
    ]
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
        exec(snippet.replace("http://127.0.0.1:8089", server.base_url), {})
    # full-migration at 60 s: halfway through its 60-second structure migration
    assert capsys.readouterr().out.split() == ["50", "SUSPEND"]


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
    (snippet,) = [b for b in blocks("python") if "class MyMachine(LifecycleMachine)" in b]
    with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
        exec(snippet.replace("http://127.0.0.1:8089", server.base_url), {})


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


def test_pages_is_where_the_examples_are() -> None:
    assert Path(__file__).resolve().parent.parent == ROOT


def test_the_pages_count_the_bundled_scenarios_right() -> None:
    """The README said "eighteen" after the V4 scenarios made it twenty-one."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    words += ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]
    words += ["seventeen", "eighteen", "nineteen", "twenty"]
    words += [f"twenty-{w}" for w in words[1:10]]
    count = len(list((ROOT / "scenarios").glob("*.yaml")))
    said = []
    for name in ("README.md", "docs/docker.md"):
        found = re.findall(r"\b([a-z-]+) (?:come bundled|bundled stories|bundled ones)", page(name))
        said += [w for w in found if w in words]
    assert said, "no page counts the bundled scenarios any more: drop this test"
    assert {words.index(w) for w in said} == {count}


def test_the_scenarios_page_names_every_bundled_scenario() -> None:
    """Three V4 scenarios were bundled without a word on the page that lists them."""
    text = page("docs/scenarios.md")
    missing = [p.stem for p in (ROOT / "scenarios").glob("*.yaml") if f"`{p.stem}`" not in text]
    assert not missing
