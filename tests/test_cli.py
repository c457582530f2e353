from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mock_oms.cli import main
from mock_oms.resources import scenarios_dir

BROKEN = """\
name: broken
kind: migration
flags: {struct: false, full: false}
timeline:
  - status: INIT
    seconds: 5
  - status: FINISHED
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_validate_accepts_the_bundled_library(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", str(scenarios_dir())])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_validate_names_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BROKEN)
    result = runner.invoke(main, ["validate", str(bad), str(scenarios_dir())])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{bad}:7: timeline[1].status: illegal status change INIT -> FINISHED (phase 0 to "
        "phase 1); see the lifecycle table"
    ]


def test_serve_refuses_to_start_on_a_broken_set(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN)
    result = runner.invoke(main, ["serve", "--scenarios", str(tmp_path), "--port", "0"])
    assert result.exit_code != 0
    assert "broken.yaml:7:" in result.output
    assert "not serving" in result.output


def test_options_come_from_the_environment_too(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN)
    result = runner.invoke(main, ["serve"], env={"MOCK_OMS_SCENARIOS": str(tmp_path)})
    assert "broken.yaml:7:" in result.output
    result = runner.invoke(main, ["serve"], env={"MOCK_OMS_CLOCK": "sundial"})
    assert result.exit_code == 2
    assert "sundial" in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--epoch", "nan"),  # every poll of a checkpoint was an INNER_ERROR
        ("--epoch", "-1"),
        ("--epoch", "1e300"),  # checkpoints left int64
        ("--speed", "nan"),  # a traceback
        ("--max-fault-delay", "nan"),  # a server that capped nothing
        ("--log-summary", "inf"),  # a traceback from the activity thread
        ("--log-summary", "nan"),
    ],
)
def test_serve_refuses_numbers_it_cannot_run_with(
    runner: CliRunner, option: str, value: str
) -> None:
    result = runner.invoke(main, ["serve", "--port", "0", option, value])
    assert result.exit_code == 2
    assert option in result.output
    assert "Traceback" not in result.output


def test_scenarios_list(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scenarios", "list"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "INIT->RUNNING->FINISHED->RELEASING->RELEASED" in lines["release"]
    assert " sync " in lines["sync-project"]
    # every column starts where it starts on the other lines
    for column in (1, 2, 3):
        starts = {line.index(line.split()[column], len(line.split()[0])) for line in lines.values()}
        assert len(starts) == 1, (column, starts)


def test_scenarios_show_prints_the_timeline_and_a_mermaid_diagram(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scenarios", "show", "resume-after-failure"])
    assert result.exit_code == 0
    out = result.output
    assert "retry  231s    74s" in out
    assert "```mermaid\nstateDiagram-v2" in out
    assert "p4 --> p5: after 60s, or resume" in out
    mermaid = runner.invoke(main, ["scenarios", "show", "release", "--format", "mermaid"])
    assert mermaid.output.startswith("stateDiagram-v2\n")


def test_scenarios_show_an_unknown_name(runner: CliRunner) -> None:
    result = runner.invoke(main, ["scenarios", "show", "nope"])
    assert result.exit_code == 1
    assert "no scenario named 'nope'" in result.output
    misspelt = runner.invoke(main, ["scenarios", "show", "ful-migration"])
    assert misspelt.exit_code == 1
    assert "no scenario named 'ful-migration'; did you mean 'full-migration'" in misspelt.output


def test_scenarios_show_draws_a_replay_too(runner: CliRunner) -> None:
    """--format mermaid printed nothing at all for a replay."""
    result = runner.invoke(main, ["scenarios", "show", "recorded-outage", "--format", "mermaid"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "stateDiagram-v2",
        "    direction LR",
        "    [*] --> INIT",
        "    INIT --> RUNNING: at 2s",
        "    RUNNING --> FINISHED: at 49.006s",
    ]
    both = runner.invoke(main, ["scenarios", "show", "recorded-outage"]).output
    assert "#4         8.000s  502 text" in both
    assert "```mermaid\nstateDiagram-v2" in both
