"""The plugin's configuration: marker options and configuration fixtures, checked, as
``Settings`` changes; mistakes are reported without a traceback."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode

__all__ = [
    "CLOCKS",
    "MARKER",
    "OPTIONS",
    "OptionProblem",
    "clock_mode",
    "configure",
    "paths",
    "served",
]

MARKER = "mock_oms"
OPTIONS = ("scenarios", "clock", "speed", "seed", "journal_size", "control_token", "auth")
CLOCKS = ("manual", "real")


class OptionProblem(ValueError):
    """A configuration value the plugin cannot use (reported without a traceback)."""


def paths(value: Any, base: Path) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str | Path) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str | Path) for v in items):
        raise OptionProblem(f"scenarios must be a path or a list of paths, not {value!r}")
    return tuple(p if p.is_absolute() else (base / p) for p in (Path(v) for v in items))


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
    """The ``Settings`` fields the marker options change: values converted from the forms a
    marker takes (paths relative to the test file, ``"USER:PASSWORD"``, a clock's name);
    their bounds are the ``Settings``' own, checked when they are made."""
    changes: dict[str, Any] = {}
    if options.get("scenarios") is not None:
        changes["scenarios"] = paths(options["scenarios"], base_dir)
    clock = options.get("clock")
    speed = options.get("speed")
    if speed is not None:
        if speed == 0 and not isinstance(speed, bool):  # time stands still: the manual clock
            clock = "manual" if clock is None else clock
        else:  # a speed means the clock runs
            changes["speed"] = speed
            clock = "real" if clock is None else clock
    if clock is not None:
        changes["clock"] = clock_mode(clock)
    for name in ("seed", "journal_size", "control_token"):
        if name in options:
            changes[name] = options[name]
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
    from mock_oms.config import SettingsError

    try:
        settings = replace(base, **_changes(options, request.path.parent))
    except OptionProblem as exc:
        problem = str(exc)
    except SettingsError as exc:
        problem = "; ".join(f"{name} {reason}" for name, reason in exc.problems)
    else:
        # a configuration of its own needs a socket of its own (a seed is set on reset)
        return settings if served(settings, base) == base else replace(settings, port=0)
    pytest.fail(f"@pytest.mark.mock_oms: {problem}", pytrace=False)


def served(settings: Settings, base: Settings) -> Settings:
    """The settings of the server that plays ``settings``: any seed will do, the test's is
    set when its reset runs."""
    return replace(settings, seed=base.seed)
