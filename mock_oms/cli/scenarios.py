"""``mock-oms validate`` and ``mock-oms scenarios list|show``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from mock_oms.cli.options import load_library, report, scenarios_option
from mock_oms.core.errors import ScenarioError
from mock_oms.scenarios.loader import load_paths

__all__ = ["list_scenarios", "scenarios", "show_scenario", "table", "validate"]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files: exit 0 when all are valid, 1 with `file:line: reason` lines."""
    try:
        library = load_paths(paths)
    except ScenarioError as exc:
        report(exc)
        sys.exit(1)
    click.echo(f"ok: {len(library)} scenario{'s' if len(library) != 1 else ''} valid")


@click.group()
def scenarios() -> None:
    """Inspect scenarios."""


@scenarios.command("list")
@scenarios_option
def list_scenarios(scenarios: tuple[Path, ...]) -> None:
    """The scenarios, one a line: name, kind, statuses passed, description."""
    try:
        library = load_library(scenarios)
    except ScenarioError as exc:
        report(exc)
        sys.exit(1)
    rows = [
        (
            scenario.name,
            f"replay:{scenario.kind.value}" if scenario.replay else scenario.kind.value,
            "->".join(s.value for s in scenario.statuses()),
            scenario.description,
        )
        for scenario in library
    ]
    click.echo(table(rows))


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as columns aligned on the widest cell of each (the last one left ragged)."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(
            [*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]
        ).rstrip()
        for row in rows
    )


@scenarios.command("show")
@click.argument("name")
@scenarios_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["all", "text", "mermaid"]),
    default="all",
    show_default=True,
)
def show_scenario(name: str, scenarios: tuple[Path, ...], fmt: str) -> None:
    """A scenario's timeline as text and its state machine as a Mermaid diagram."""
    from mock_oms.scenarios.render import mermaid, timeline

    try:
        library = load_library(scenarios)
    except ScenarioError as exc:
        report(exc)
        sys.exit(1)
    scenario = library.scenarios.get(name)
    if scenario is None:
        click.echo(f"{library.missing(name)} (`mock-oms scenarios list` lists them)", err=True)
        sys.exit(1)
    if scenario.replay is not None:
        from mock_oms.scenarios.render import replay_mermaid, replay_table

        text, diagram = replay_table, replay_mermaid
    else:
        text, diagram = timeline, mermaid
    if fmt in ("all", "text"):
        click.echo(text(scenario))
    if fmt == "all":
        click.echo("")
    if fmt in ("all", "mermaid"):
        if fmt == "all":
            click.echo("```mermaid")
        click.echo(diagram(scenario))
        if fmt == "all":
            click.echo("```")
