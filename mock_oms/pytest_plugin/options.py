"""The plugin's configuration: marker options and configuration fixtures, checked, as
``Settings`` changes; mistakes are reported without a traceback."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode

MARKER = "mock_oms"
OPTIONS = ("scenarios", "clock", "speed", "seed", "journal_size", "control_token", "auth")
CLOCKS = ("manual", "real")
MAX_SPEED = 1e6  # as `mock-oms serve --speed`


class OptionProblem(ValueError):
    """A configuration value the plugin cannot use (reported without a traceback)."""


def paths(value: Any, base: Path) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str | Path) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str | Path) for v in items):
        raise OptionProblem(f"scenarios must be a path or a list of paths, not {value!r}")
    return tuple(p if p.is_absolute() else (base / p) for p in (Path(v) for v in items))


def number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionProblem(f"{name} must be a number, not {value!r}")
    if not (math.isfinite(value) and 0 <= value <= MAX_SPEED):
        raise OptionProblem(f"{name} must be between 0 and {MAX_SPEED:g}, not {value!r}")
    return float(value)


def integer(name: str, value: Any, top: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OptionProblem(f"{name} must be a whole number >= 0, not {value!r}")
    if top is not None and value > top:
        raise OptionProblem(f"{name} must be at most {top}, not {value!r}")
    return value


def seed_value(name: str, value: Any) -> int | None:
    return None if value is None else integer(name, value)


def clock_mode(value: Any) -> ClockMode:
    from mock_oms.core.clock import ClockMode

    if value not in CLOCKS:
        raise OptionProblem(f"clock must be 'manual' or 'real', not {value!r}")
    return ClockMode(value)


def _credentials(value: Any) -> tuple[str, str]:
    from mock_oms.web.access import parse_credentials

    if isinstance(value, str):
        try:
            return parse_credentials(value)
        except ValueError as exc:
            raise OptionProblem(f"auth: {exc}") from None
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        user, password = value
        if user and ":" not in user:
            return user, password
    raise OptionProblem(f"auth must be 'USER:PASSWORD' or (USER, PASSWORD), not {value!r}")


def _changes(options: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The ``Settings`` fields that the marker options change, checked."""
    changes: dict[str, Any] = {}
    if options.get("scenarios") is not None:
        changes["scenarios"] = paths(options["scenarios"], base_dir)
    clock = options.get("clock")
    if options.get("speed") is not None:
        changes["speed"] = number("speed", options["speed"])
        if clock is None:  # a speed means the clock runs
            clock = "real" if changes["speed"] > 0 else "manual"
    if clock is not None:
        changes["clock"] = clock_mode(clock)
    if "seed" in options:
        changes["seed"] = seed_value("seed", options["seed"])
    if "journal_size" in options:
        changes["journal_size"] = integer("journal_size", options["journal_size"])
    if "control_token" in options:
        token = options["control_token"]
        if token is not None and not (isinstance(token, str) and token):
            raise OptionProblem(f"control_token must be a non-empty string, not {token!r}")
        changes["control_token"] = token
    if options.get("auth") is not None:
        changes["auth"] = _credentials(options["auth"])
    return changes


def configure(base: Settings, request: pytest.FixtureRequest) -> Settings:
    """``base`` with the options of the test's ``mock_oms`` markers (the closest wins)."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail("@pytest.mark.mock_oms takes keyword arguments only", pytrace=False)
        options.update(marker.kwargs)
    if not options:
        return base
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        pytest.fail(
            f"@pytest.mark.mock_oms: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(OPTIONS)}",
            pytrace=False,
        )
    try:
        changes = _changes(options, request.path.parent)
    except OptionProblem as exc:
        problem = str(exc)
    else:
        settings = replace(base, **changes)
        # a configuration of its own needs a socket of its own (a seed is set on reset)
        return settings if served(settings, base) == base else replace(settings, port=0)
    pytest.fail(f"@pytest.mark.mock_oms: {problem}", pytrace=False)


def served(settings: Settings, base: Settings) -> Settings:
    """The settings of the server that plays ``settings``: any seed will do, the test's is
    set when its reset runs."""
    return replace(settings, seed=base.seed)
