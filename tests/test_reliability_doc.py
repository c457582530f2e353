"""docs/reliability.md names every limit a server takes an option for, with its option and
environment variable, so that the page cannot fall behind the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mock_oms.cli import main
from mock_oms.cli.options import env
from mock_oms.config import BOUNDS

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
# the settings that are limits (the others: where to listen, the clock, logging)
LIMITS = (
    "keep_alive_timeout",
    "header_timeout",
    "body_timeout",
    "max_connections",
    "shutdown_timeout",
    "max_body",
    "max_injections",
    "max_projects",
    "journal_size",
    "max_fault_delay",
)


@pytest.mark.parametrize("name", LIMITS)
def test_every_limit_is_on_the_page_with_its_option(name: str) -> None:
    assert name in BOUNDS  # a limit the settings check, the CLI's type made from it
    assert f"`--{name.replace('_', '-')}`" in PAGE.read_text(encoding="utf-8")


def test_the_page_says_how_options_are_also_environment_variables() -> None:
    assert "MOCK_OMS_<OPTION>" in PAGE.read_text(encoding="utf-8")


def test_the_readme_links_the_page() -> None:
    readme = PAGE.parent.parent / "README.md"
    assert "(docs/reliability.md)" in readme.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("header_timeout", "0"),
        ("body_timeout", "nan"),
        ("keep_alive_timeout", "0"),
        ("max_connections", "0"),
        ("shutdown_timeout", "-1"),
        ("max_body", "10"),
        ("max_injections", "0"),
    ],
)
def test_each_limit_is_an_option_and_an_environment_variable(name: str, value: str) -> None:
    option = f"--{name.replace('_', '-')}"
    by_option = CliRunner().invoke(main, ["serve", "--port", "0", option, value])
    by_env = CliRunner().invoke(main, ["serve", "--port", "0"], env={env(name): value})
    for result in (by_option, by_env):
        assert result.exit_code == 2, result.output
        assert option in result.output and "Traceback" not in result.output
