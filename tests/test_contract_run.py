from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from contract_tests import run as kit_run
from mock_oms.cli import main


def test_default_arguments_run_the_kit_hermetically() -> None:
    args = kit_run.pytest_arguments(seed=7)
    assert args[:2] == ["--pyargs", "contract_tests"]
    assert "--hypothesis-seed=7" in args
    assert args[args.index("-c") + 1] != "pyproject.toml"  # the cwd's config stays out
    assert "no:cacheprovider" in args
    assert "--oms-base-url" not in args


def test_every_setting_becomes_a_kit_option(tmp_path: Path) -> None:
    args = kit_run.pytest_arguments(
        base_url="http://oms:8080",
        projects=["a", "sync:b"],
        auth="u:p",
        control_token="t",
        poll_interval=1.5,
        poll_duration=60,
        junit_xml=tmp_path / "r.xml",
        seed=1,
        max_examples=3,
        extra=["-k", "temporal"],
    )
    text = " ".join(args)
    for part in [
        "--oms-base-url http://oms:8080",
        "--oms-project a --oms-project sync:b",
        "--oms-auth u:p",
        "--oms-control-token t",
        "--oms-poll-interval 1.5",
        "--oms-poll-duration 60",
        "--oms-max-examples 3",
        f"--junit-xml {tmp_path / 'r.xml'}",
    ]:
        assert part in text
    assert args[-2:] == ["-k", "temporal"]


def test_without_plugin_autoload_the_plugins_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    args = kit_run.pytest_arguments(seed=1)
    assert "hypothesispytest" in args
    assert "contract_tests.plugin" in args


@pytest.mark.parametrize("status", [0, 1, 4])
def test_the_command_passes_on_pytest_status_and_prints_the_seed(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    seen: list[list[str]] = []

    def fake_run(args: list[str]) -> int:
        seen.append(list(args))
        return status

    monkeypatch.setattr(kit_run, "run", fake_run)
    result = CliRunner().invoke(
        main, ["contract", "--base-url", "http://x", "--seed", "42", "--", "-k", "schema"]
    )
    assert result.exit_code == status
    assert "seed 42" in result.output
    assert "--hypothesis-seed=42" in seen[0]
    assert seen[0][-2:] == ["-k", "schema"]


def test_a_random_seed_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kit_run, "run", lambda args: 0)
    monkeypatch.setattr(kit_run, "new_seed", lambda: 1234)
    result = CliRunner().invoke(main, ["contract"])
    assert result.exit_code == 0
    assert "seed 1234" in result.output
    assert "replay with --seed 1234" in result.output
