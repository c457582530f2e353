"""``mock-oms coverage``: the exposure coverage of a running server, as ``coverage report``
prints code coverage: a table for people, ``--json`` for tools, ``--fail-under`` for CI.
Talks to the server as ``mock-oms ctl`` does (``--url``, the token from
``MOCK_OMS_CONTROL_TOKEN``, the server's errors as exit status 1)."""

from __future__ import annotations

import click

from mock_oms.cli.ctl import Ctl, emit, server_options, talking
from mock_oms.coverage_view import fails_under, render

__all__ = ["FAIL_UNDER_STATUS", "coverage"]

FAIL_UNDER_STATUS = 2  # the exit status under --fail-under, as coverage.py's


@click.command()
@server_options
@click.option("--project", help="Only what this project was shown.")
@click.option(
    "--since",
    type=click.IntRange(0),
    metavar="MARK",
    help="Only what was shown after this mark (see --mark).",
)
@click.option(
    "--mark",
    "set_mark",
    is_flag=True,
    help="Set a mark and print its number; report nothing.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help=f"Exit with status {FAIL_UNDER_STATUS} when less than PERCENT of the situations "
    "were shown.",
)
@click.option(
    "--show-all", is_flag=True, help="Also list every situation, its count and first sighting."
)
@click.option(
    "--clear", is_flag=True, help="Forget what was shown, and every mark; report nothing."
)
@click.pass_context
def coverage(
    ctx: click.Context,
    url: str,
    token: str | None,
    as_json: bool,
    project: str | None,
    since: int | None,
    set_mark: bool,
    fail_under: float | None,
    show_all: bool,
    clear: bool,
) -> None:
    """Exposure coverage: which situations (statuses, status changes, alert levels, V4 step
    statuses, fault kinds, error codes; V3 and V4) a running mock-oms showed its clients,
    and for each one never shown, the scenario or the fault that would show it."""
    ctl = Ctl(url.rstrip("/"), token or None, as_json)
    ctx.call_on_close(ctl.close)
    with talking(ctl):
        if clear:
            ctl.client.clear_coverage()
            if not as_json:
                click.echo("coverage cleared")
            return
        if set_mark:
            mark = ctl.client.mark_coverage()
            emit(ctl, mark, lambda m: f"mark {m.mark} (scenario time {m.scenario_time:.1f} s)")
            return
        report = ctl.client.coverage(project, since=since)
    emit(ctl, report, lambda r: render(r, every=show_all))
    if fail_under is not None and fails_under(report, fail_under):
        click.echo(
            f"FAIL: {report.percent:.1f} % of the situations shown, under --fail-under "
            f"{fail_under:g}",
            err=True,
        )
        ctx.exit(FAIL_UNDER_STATUS)
