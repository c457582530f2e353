"""``mock-oms ctl fault add|list|clear``: faults injected into a running server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
import yaml

from mock_oms.cli.ctl import Ctl, ctl, emit, pass_ctl, talking
from mock_oms.web.control.models import FaultOut, FaultsOut

__all__ = ["add", "clear", "fault", "fault_line", "list_faults", "parse_fault"]


def parse_fault(text: str) -> str | dict[str, Any]:
    """A fault as a scenario writes it, in YAML or JSON: ``reset``, ``{status: 503}``."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise click.BadParameter(f"not YAML or JSON: {exc}") from None
    if not isinstance(value, str | dict):
        raise click.BadParameter("a fault is a name (reset) or a mapping ({status: 503})")
    return value


def fault_line(f: FaultOut) -> str:
    where = f.project_id or "every OMS request"
    left = []
    if f.remaining is not None:
        left.append(f"{f.remaining} polls")
    if f.seconds_left is not None:
        left.append(f"{f.seconds_left:g} s")
    lasts = " or ".join(left) or "until cleared"
    note = f" ({f.note})" if f.note else ""
    return f"#{f.id} {f.fault} into {where}, for {lasts}{note}"


@ctl.group()
def fault() -> None:
    """Inject faults into a running server, list and clear them."""


@fault.command()
@click.argument("spec")
@click.option("--project", "project_id", help="Only this project's polls (default: every request).")
@click.option("--count", type=click.IntRange(1), help="For the next N polls.")
@click.option("--seconds", type=click.FloatRange(0, min_open=True), help="For S scenario seconds.")
@click.option("--probability", type=click.FloatRange(0, 1), help="On a seeded share of polls.")
@click.option("--delay", type=click.FloatRange(0), help="Seconds to wait before the fault.")
@click.option("--note", help="Why (shown in the list).")
@pass_ctl
def add(
    ctl: Ctl,
    spec: str,
    project_id: str | None,
    count: int | None,
    seconds: float | None,
    probability: float | None,
    delay: float | None,
    note: str | None,
) -> None:
    """Inject SPEC, a fault as a scenario writes it: reset, '{status: 503}', ..."""
    with talking(ctl):
        injected = ctl.client.inject_fault(
            parse_fault(spec),
            project_id=project_id,
            count=count,
            seconds=seconds,
            probability=probability,
            delay=delay,
            note=note,
        )
    emit(ctl, injected, lambda f: f"injected {fault_line(f)}")


def _active(found: FaultsOut | Sequence[FaultOut]) -> str:
    active = found.active if isinstance(found, FaultsOut) else found
    lines = [fault_line(f) for f in active] or ["no fault injected"]
    if isinstance(found, FaultsOut):
        lines.append(f"(fault seed {found.seed}, longest delay {found.max_delay:g} s)")
    return "\n".join(lines)


@fault.command("list")
@click.option("--project", "project_id", help="Only this project's.")
@pass_ctl
def list_faults(ctl: Ctl, project_id: str | None) -> None:
    """The injected faults still active."""
    with talking(ctl):
        found = ctl.client.faults() if project_id is None else ctl.client.faults(project_id)
    emit(ctl, found, _active)


@fault.command()
@click.option("--project", "project_id", help="Only this project's.")
@pass_ctl
def clear(ctl: Ctl, project_id: str | None) -> None:
    """Clear the injected faults (scenario faults stay)."""
    with talking(ctl):
        cleared = ctl.client.clear_faults(project_id)
    emit(ctl, {"cleared": cleared}, lambda c: f"cleared {c['cleared']}")
