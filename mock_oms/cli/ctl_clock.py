"""``mock-oms ctl clock|advance|speed|health``: the server and its scenario clock."""

from __future__ import annotations

import click

from mock_oms.cli.ctl import Ctl, ctl, emit, pass_ctl, talking
from mock_oms.core.clock import MAX_SPEED, MAX_TIME
from mock_oms.web.control.models import ClockState, Health

__all__ = ["advance", "clock", "clock_line", "health", "speed"]


def clock_line(state: ClockState) -> str:
    how = "manual clock" if state.mode == "manual" else f"{state.mode} clock, speed {state.speed:g}"
    return f"scenario time {state.now:.1f} s ({how})"


@ctl.command()
@pass_ctl
def clock(ctl: Ctl) -> None:
    """Show the scenario clock."""
    with talking(ctl):
        emit(ctl, ctl.client.clock(), clock_line)


@ctl.command()
@click.argument("seconds", type=click.FloatRange(0, MAX_TIME))
@pass_ctl
def advance(ctl: Ctl, seconds: float) -> None:
    """Move scenario time forward by SECONDS (under any clock)."""
    with talking(ctl):
        emit(ctl, ctl.client.advance(seconds), clock_line)


@ctl.command()
@click.argument("speed", type=click.FloatRange(0, MAX_SPEED))
@pass_ctl
def speed(ctl: Ctl, speed: float) -> None:
    """Change the clock's speed from now on (0: manual)."""
    with talking(ctl):
        emit(ctl, ctl.client.set_speed(speed), clock_line)


def _health(h: Health) -> str:
    return f"mock-oms {h.version}: {h.scenarios} scenarios, {h.projects} projects"


@ctl.command()
@pass_ctl
def health(ctl: Ctl) -> None:
    """Whether the server answers, its version and what it holds."""
    with talking(ctl):
        emit(ctl, ctl.client.health(), _health)
