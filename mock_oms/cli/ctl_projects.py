"""``mock-oms ctl projects|project|create|act|reset|polls|scenarios``: the projects a server
plays, and the operator's actions on them."""

from __future__ import annotations

from collections.abc import Sequence

import click

from mock_oms.cli.ctl import Ctl, ctl, emit, pass_ctl, refusal, talking
from mock_oms.cli.scenarios import table
from mock_oms.core.lifecycle import Action, Importance
from mock_oms.web.control.models import PollsOut, ProjectOut, ResetOut, ScenarioSummary

__all__ = [
    "act",
    "create",
    "polls",
    "project",
    "project_rows",
    "projects",
    "reset",
    "scenarios",
]


def _figures(p: ProjectOut) -> str:
    return f"struct {p.struct_progress}%  full {p.full_progress}%"


def project_rows(found: Sequence[ProjectOut]) -> str:
    """Projects as aligned columns, a header first."""
    if not found:
        return "no projects yet (a scenario's project starts at its first poll)"
    rows = [("PROJECT", "SCENARIO", "STATUS", "STEP", "PROGRESS", "TIME")]
    rows += [
        (
            p.project_id,
            p.scenario,
            p.status,
            p.current_step,
            _figures(p),
            f"{p.scenario_time:.1f} s",
        )
        for p in found
    ]
    return table(rows)


def _phase(p: ProjectOut) -> str:
    if p.phase is None:
        return "off its script (an action holds it)"
    return f"phase {p.phase_id or p.phase}"


def _project(p: ProjectOut) -> str:
    legal = ", ".join(p.legal_actions) or "none"
    lines = [
        f"{p.project_id} ({p.scenario}, {p.kind.value}): {p.status} in {p.current_step}, "
        f"{_figures(p)}, alert {p.importance}",
        f"  scenario time {p.scenario_time:.1f} s; {_phase(p)}; legal actions: {legal}",
        f"  polled at {p.path}",
    ]
    lines += [
        f"  {e.at:8.1f} s  {e.from_status} -> {e.to_status}  ({e.action or e.source})"
        + (f" {e.detail}" if e.detail else "")
        for e in p.events
    ]
    return "\n".join(lines)


@ctl.command()
@pass_ctl
def projects(ctl: Ctl) -> None:
    """The projects started so far."""
    with talking(ctl):
        emit(ctl, ctl.client.projects(), project_rows)


@ctl.command()
@click.argument("project_id")
@pass_ctl
def project(ctl: Ctl, project_id: str) -> None:
    """One project: status, figures, phase, legal actions, events."""
    with talking(ctl):
        emit(ctl, ctl.client.project(project_id), _project)


@ctl.command()
@click.argument("scenario")
@click.argument("project_id", required=False)
@pass_ctl
def create(ctl: Ctl, scenario: str, project_id: str | None) -> None:
    """Start an instance of SCENARIO now (as PROJECT_ID, or a fresh SCENARIO~N)."""
    with talking(ctl):
        emit(ctl, ctl.client.create(scenario, project_id), lambda p: project_rows([p]))


@ctl.command()
@click.argument("project_id")
@click.argument("action", type=click.Choice([a.value for a in Action]))
@click.option("--step", help="fail: the step that fails.")
@click.option("--message", help="A note recorded with the event.")
@click.option("--importance", type=click.Choice([i.value for i in Importance]))
@pass_ctl
def act(
    ctl: Ctl,
    project_id: str,
    action: str,
    step: str | None,
    message: str | None,
    importance: str | None,
) -> None:
    """Act on a project as an operator would. A refusal (an action the lifecycle does not
    allow now) is the server's in-band answer, and exit status 1."""
    with talking(ctl):
        answer = ctl.client.act(
            project_id, action, step=step, message=message, importance=importance
        )
    emit(ctl, answer, lambda a: project_rows([a.data]) if a.data else "")
    if not answer.success:
        raise click.ClickException(refusal(answer.to_json()))


@ctl.command()
@click.argument("project_id", required=False)
@click.option(
    "--fresh",
    is_flag=True,
    help="As a just-started server: projects forgotten, startup scenarios and speed restored.",
)
@pass_ctl
def reset(ctl: Ctl, project_id: str | None, fresh: bool) -> None:
    """Every project (or PROJECT_ID) back to its start; the journal emptied."""
    if fresh and project_id is not None:
        raise click.UsageError("--fresh applies to the whole server, not to one project")
    with talking(ctl):
        done = ctl.client.reset(project_id, fresh=fresh)

    def said(r: ResetOut) -> str:
        return f"reset {r.reset} project{'s' if r.reset != 1 else ''}"

    emit(ctl, done, said)


def _polls(p: PollsOut) -> str:
    runs = " -> ".join(f"{r.status} x{r.count}" for r in p.statuses) or "nothing shown"
    every = p.interval.scenario
    gap = f"every {every.median:g} s (at least {every.min:g} s)" if every.count else "once"
    after = f"; {p.polls_after_settled} polls after it settled" if p.polls_after_settled else ""
    return f"{p.project_id}: {p.count} polls ({p.errors} errors), {gap}: {runs}{after}"


@ctl.command()
@click.argument("project_id")
@pass_ctl
def polls(ctl: Ctl, project_id: str) -> None:
    """How a project was polled: count, intervals, statuses shown."""
    with talking(ctl):
        emit(ctl, ctl.client.polls(project_id), _polls)


def _scenarios(found: Sequence[ScenarioSummary]) -> str:
    def kind(s: ScenarioSummary) -> str:
        return f"replay:{s.kind.value}" if s.replay else s.kind.value

    return table([(s.name, kind(s), "->".join(s.statuses)) for s in found])


@ctl.command()
@pass_ctl
def scenarios(ctl: Ctl) -> None:
    """The scenarios the server has loaded."""
    with talking(ctl):
        emit(ctl, ctl.client.scenarios(), _scenarios)
