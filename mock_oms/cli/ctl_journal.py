"""``mock-oms ctl poll`` and ``ctl requests [--follow]``: one OMS request as a client would
send it, and the OMS requests a running server received."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import suppress

import click

from mock_oms.cli.ctl import Ctl, ctl, pass_ctl, talking
from mock_oms.client import ControlClient
from mock_oms.core.kinds import Kind
from mock_oms.web.control.models import EntryOut

__all__ = ["follow", "poll", "request_line", "requests"]


def request_line(e: EntryOut) -> str:
    """A journaled request: its number, scenario time, path, status and what it showed."""
    shown = e.project_status or e.code or "-"
    status = e.http_status if e.http_status is not None else "-"
    fault = f"  fault {e.fault}" if e.fault else ""
    return f"#{e.seq:<5} {e.scenario_time:9.1f} s  {e.method} {e.path}  {status} {shown}{fault}"


def follow(
    client: ControlClient,
    show: Callable[[EntryOut], None],
    *,
    project: str | None = None,
    after: int = 0,
    count: int | None = None,
    interval: float = 0.5,
    stop: threading.Event | None = None,
) -> int:
    """Show each new request as it arrives, until ``count`` were shown or ``stop`` is set;
    returns how many were shown. A reset of the journal numbers from 1 again: followed."""
    stop = stop or threading.Event()
    shown = 0
    while not stop.is_set():
        found = client.requests(project, after=after)
        if found.total < after:  # the journal was emptied meanwhile
            after = 0
            continue
        for entry in found.entries:
            show(entry)
            shown += 1
            after = entry.seq
            if count is not None and shown >= count:
                return shown
        after = max(after, found.total)  # counted at the same moment as the entries
        stop.wait(interval)
    return shown


@ctl.command()
@click.option("--project", help="Only this project's requests.")
@click.option("--follow", "following", is_flag=True, help="Keep showing new ones (Ctrl-C stops).")
@click.option("--count", type=click.IntRange(1), help="With --follow: stop after N requests.")
@pass_ctl
def requests(ctl: Ctl, project: str | None, following: bool, count: int | None) -> None:
    """The journal of OMS requests, oldest first; with --follow, then each new one."""

    def show(entry: EntryOut) -> None:
        click.echo(json.dumps(entry.to_json()) if ctl.as_json else request_line(entry))

    with talking(ctl):
        if not following:
            found = ctl.client.requests(project)
            if ctl.as_json:
                click.echo(json.dumps(found.to_json(), indent=2))
            else:
                for entry in found.entries:
                    show(entry)
            return
        start = ctl.client.requests(project)
        for entry in start.entries:
            show(entry)
        with suppress(KeyboardInterrupt):  # Ctrl-C: the way to stop following
            follow(ctl.client, show, project=project, after=start.total, count=count)


@ctl.command()
@click.argument("project_id")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in Kind]),
    default=Kind.MIGRATION.value,
    show_default=True,
    help="Which progress endpoint.",
)
@pass_ctl
def poll(ctl: Ctl, project_id: str, kind: str) -> None:
    """Poll a project's OMS progress endpoint once, as a client would (it counts as a
    poll): the HTTP status, then the body as it came."""
    with talking(ctl):
        response = ctl.client.poll(project_id, kind)
    if ctl.as_json:
        click.echo(response.text)
        return
    click.echo(f"HTTP {response.status_code} {response.headers.get('content-type', '')}".rstrip())
    click.echo(response.text)
