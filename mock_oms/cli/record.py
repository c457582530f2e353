"""``mock-oms record``: poll a real OMS and write what it answered as a replay scenario."""

from __future__ import annotations

from pathlib import Path

import click

from mock_oms.cli.options import Finite, credentials, env

__all__ = ["record"]


@click.command()
@click.option(
    "--upstream",
    required=True,
    envvar=env("record-upstream"),
    help="Base URL of the OMS to record, e.g. http://oms.example:8089.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    required=True,
    envvar=env("record-project"),
    help="A project ID to poll (repeatable: one file per project).",
)
@click.option(
    "--endpoint",
    type=click.Choice(["migration", "sync"]),
    default="migration",
    show_default=True,
    envvar=env("record-endpoint"),
    help="Which progress endpoint the projects are polled on.",
)
@click.option(
    "--auth",
    metavar="USER:PASSWORD",
    envvar=env("record-auth"),
    callback=credentials,
    help="HTTP Basic credentials for the upstream.",
)
@click.option(
    "--interval",
    type=Finite(min=0),
    default=2.0,
    show_default=True,
    envvar=env("record-interval"),
    help="Seconds between polls.",
)
@click.option(
    "--timeout",
    type=Finite(min=0, min_open=True),
    default=10.0,
    show_default=True,
    envvar=env("record-timeout"),
    help="Read timeout of a poll; a timeout is recorded as a hang.",
)
@click.option(
    "--until-terminal",
    is_flag=True,
    envvar=env("record-until-terminal"),
    help="Stop when every project is FINISHED, FAILED, RELEASED, DELETED or gone.",
)
@click.option(
    "--max-duration",
    type=Finite(min=0, min_open=True),
    default=None,
    envvar=env("record-max-duration"),
    help="Stop after this many seconds.",
)
@click.option(
    "--max-polls",
    type=click.IntRange(min=1),
    default=None,
    envvar=env("record-max-polls"),
    help="Stop after this many polls of each project.",
)
@click.option(
    "--mode",
    type=click.Choice(["time", "poll"]),
    default="time",
    show_default=True,
    envvar=env("record-mode"),
    help="How the replay serves the entries: on scenario time, or one per poll.",
)
@click.option(
    "--name", default=None, envvar=env("record-name"), help="Scenario name (default: file name)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=env("record-out"),
    help="The replay scenario to write (several projects: FILE-PROJECT.yaml each).",
)
def record(
    upstream: str,
    projects: tuple[str, ...],
    endpoint: str,
    auth: tuple[str, str] | None,
    interval: float,
    timeout: float,
    until_terminal: bool,
    max_duration: float | None,
    max_polls: int | None,
    mode: str,
    name: str | None,
    out: Path,
) -> None:
    """Poll a real OMS (or any compatible server) and write what it answered as a replay
    scenario. Ctrl-C stops cleanly and keeps what was recorded."""
    import signal

    from mock_oms.core.kinds import Kind
    from mock_oms.serve.recorder import ProgressLine, describe
    from mock_oms.serve.recorder import record as run
    from mock_oms.serve.recording import Options, RecordError

    options = Options(
        upstream=upstream,
        projects=projects,
        out=out,
        endpoint=Kind(endpoint),
        auth=auth,
        interval=interval,
        timeout=timeout,
        until_terminal=until_terminal,
        max_duration=max_duration,
        max_polls=max_polls,
        name=name,
        mode=mode,
    )

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    progress = ProgressLine()
    try:
        result = run(options, show=progress)
    except RecordError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.done()
    for line in describe(result):
        click.echo(line, err=True)
