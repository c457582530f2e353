"""Settings check themselves: every way in (the CLI, the plugin, tests) meets the same bounds."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mock_oms.cli import main
from mock_oms.config import BOUNDS, Settings, SettingsError
from mock_oms.core.clock import ClockMode


def test_the_defaults_serve() -> None:
    assert Settings().problems() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("port", -1),
        ("port", 65536),
        ("port", 80.5),
        ("port", True),
        ("speed", 0),
        ("speed", math.nan),
        ("speed", 1e7),
        ("seed", 1.5),
        ("epoch", -1.0),
        ("epoch", math.inf),
        ("max_projects", 0),
        ("max_fault_delay", 0),
        ("log_summary", -1),
        ("journal_size", -5),
        ("host", ""),
        ("log_level", "verbose"),
        ("clock", ClockMode.ACCELERATED),
        ("control_token", ""),
        ("auth", ("", "pw")),
        ("auth", ("a:b", "pw")),
        ("auth", "user:pw"),
        ("scenarios", ("not-a-path",)),
    ],
)
def test_a_value_out_of_bounds_is_refused_naming_its_field(field: str, value: Any) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings(**{field: value})
    assert [name for name, _ in refused.value.problems] == [field]
    assert field in str(refused.value)


@pytest.mark.parametrize("field", sorted(BOUNDS))
def test_each_bound_admits_its_own_edges(field: str) -> None:
    bound = BOUNDS[field]
    for edge in (bound.low, bound.high):
        if edge is None or (edge == bound.low and bound.low_open):
            continue
        values: dict[str, Any] = {field: int(edge) if bound.whole else float(edge)}
        assert Settings(**values).problems() == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "70000"),
        ("--speed", "0"),
        ("--epoch", "-1"),
        ("--max-projects", "0"),
        ("--max-fault-delay", "nan"),
        ("--journal-size", "-1"),
    ],
)
def test_the_cli_takes_its_bounds_from_the_settings(option: str, value: str) -> None:
    result = CliRunner().invoke(main, ["serve", option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output


def test_a_settings_problem_the_option_types_let_by_is_reported_as_the_option(
    tmp_path: Path,
) -> None:
    # an empty --host passes click's str type; Settings refuses it, in the CLI's words
    result = CliRunner().invoke(main, ["serve", "--host", ""])
    assert result.exit_code == 2, result.output
    assert "--host" in result.output
    assert "Traceback" not in result.output
