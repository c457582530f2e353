"""What several commands share: option types, environment names, scenario loading."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mock_oms.config import BOUNDS, Settings, SettingsError
from mock_oms.core.errors import ScenarioError
from mock_oms.core.library import Library
from mock_oms.scenarios.loader import load_bundled, load_paths

__all__ = [
    "F",
    "Finite",
    "bounded",
    "credentials",
    "env",
    "load_library",
    "report",
    "scenarios_option",
    "settings",
]

F = TypeVar("F", bound=Callable[..., Any])


class Finite(click.FloatRange):
    """A float range that also refuses NaN and the infinities (every bound lets NaN by)."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def env(name: str) -> str:
    return f"MOCK_OMS_{name.upper().replace('-', '_')}"


def scenarios_option(fn: F) -> F:
    return click.option(
        "--scenarios",
        "scenarios",
        multiple=True,
        envvar=env("scenarios"),
        type=click.Path(path_type=Path),
        help="A scenario file or folder (repeatable). Default: the bundled library.",
    )(fn)


def load_library(paths: Sequence[Path]) -> Library:
    return load_paths(paths) if paths else load_bundled()


def report(exc: ScenarioError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)


def credentials(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, str] | None:
    from mock_oms.web.access import parse_credentials

    if not value:
        return None
    try:
        return parse_credentials(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def bounded(name: str) -> click.IntRange | Finite:
    """The option type of settings field ``name``, from its bound in ``config.BOUNDS``."""
    bound = BOUNDS[name]
    if bound.whole:
        low = None if bound.low is None else int(bound.low)
        high = None if bound.high is None else int(bound.high)
        return click.IntRange(low, high)
    return Finite(min=bound.low, max=bound.high, min_open=bound.low_open)


def settings(**values: Any) -> Settings:
    """``Settings`` from the options, a problem reported as click reports a bad option."""
    try:
        return Settings(**values)
    except SettingsError as exc:
        name, reason = exc.problems[0]
        raise click.BadParameter(reason, param_hint=f"--{name.replace('_', '-')}") from None
