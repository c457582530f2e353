"""``mock-oms serve``: run the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mock_oms import __version__
from mock_oms.cli.options import (
    bounded,
    credentials,
    env,
    load_library,
    report,
    scenarios_option,
    settings,
)
from mock_oms.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_KEEP_ALIVE,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    DEFAULT_SHUTDOWN_TIMEOUT,
    DEFAULT_V4_SCENARIO,
    LOG_LEVELS,
)
from mock_oms.core.clock import ClockMode
from mock_oms.core.errors import ScenarioError
from mock_oms.core.store import DEFAULT_MAX_PROJECTS
from mock_oms.faults.injections import DEFAULT_MAX_INJECTIONS
from mock_oms.faults.model import DEFAULT_MAX_DELAY

__all__ = ["serve"]


@click.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    envvar=env("host"),
    help="Address to bind; 0.0.0.0 to accept other machines.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=bounded("port"),
    envvar=env("port"),
    help="Port to listen on (0: any free port).",
)
@scenarios_option
@click.option(
    "--clock",
    "clock",
    type=click.Choice([ClockMode.REAL.value, ClockMode.MANUAL.value]),
    default=ClockMode.REAL.value,
    show_default=True,
    envvar=env("clock"),
    help="real: time flows (see --speed); manual: only POST /_mock/clock/advance moves it.",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    envvar=env("speed"),
    type=bounded("speed"),
    help="Scenario seconds per real second under the real clock (60: a 30-minute "
    "scenario in 30 s).",
)
@click.option(
    "--seed",
    type=bounded("seed"),
    default=None,
    envvar=env("seed"),
    help="Make request IDs (and seeded faults) repeatable.",
)
@click.option(
    "--epoch",
    type=bounded("epoch"),
    default=None,
    envvar=env("epoch"),
    help="Unix time at scenario time 0 (default: when the server starts).",
)
@click.option(
    "--max-projects",
    type=bounded("max_projects"),
    default=DEFAULT_MAX_PROJECTS,
    show_default=True,
    envvar=env("max-projects"),
    help="Projects the server holds at most; at the cap the least recently polled "
    "NAME~suffix instance is evicted (a scenario's own IDs are never refused).",
)
@click.option(
    "--max-fault-delay",
    type=bounded("max_fault_delay"),
    default=DEFAULT_MAX_DELAY,
    show_default=True,
    envvar=env("max-fault-delay"),
    help="Seconds: no fault delays a response or hangs a connection longer.",
)
@click.option(
    "--watch/--no-watch",
    default=False,
    show_default=True,
    envvar=env("watch"),
    help="Reload the scenario files when they change (all or nothing: a broken edit is "
    "reported with its file and line, and the previous set keeps serving).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    envvar=env("log-level"),
)
@click.option(
    "--log-requests/--no-log-requests",
    default=False,
    show_default=True,
    envvar=env("log-requests"),
    help="Log every OMS request (from the journal, in batches: costs little throughput).",
)
@click.option(
    "--log-summary",
    type=bounded("log_summary"),
    default=10.0,
    show_default=True,
    envvar=env("log-summary"),
    metavar="SECONDS",
    help="Log how many OMS requests arrived, this often while they do (0: never).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar=env("access-log"),
    help="uvicorn's access log: every request, control calls too (halves the throughput).",
)
@click.option(
    "--journal-size",
    type=bounded("journal_size"),
    default=DEFAULT_JOURNAL_SIZE,
    show_default=True,
    envvar=env("journal-size"),
    help="OMS requests kept for GET /_mock/requests (older ones are dropped and counted).",
)
@click.option(
    "--coverage/--no-coverage",
    default=True,
    show_default=True,
    envvar=env("coverage"),
    help="Count what the clients were shown, for GET /_mock/coverage and `mock-oms coverage`.",
)
@click.option(
    "--control-token",
    default=None,
    envvar=env("control-token"),
    metavar="TOKEN",
    help="Require `Authorization: Bearer TOKEN` on every /_mock call but /_mock/health.",
)
@click.option(
    "--max-injections",
    type=bounded("max_injections"),
    default=DEFAULT_MAX_INJECTIONS,
    show_default=True,
    envvar=env("max-injections"),
    help="Fault injections active at once (409 LIMIT_REACHED past it).",
)
@click.option(
    "--max-body",
    type=bounded("max_body"),
    default=DEFAULT_MAX_BODY,
    show_default=True,
    envvar=env("max-body"),
    metavar="BYTES",
    help="Bytes of a control call's JSON body (413 past it; scenario uploads: 16 MiB).",
)
@click.option(
    "--max-connections",
    type=bounded("max_connections"),
    default=DEFAULT_MAX_CONNECTIONS,
    show_default=True,
    envvar=env("max-connections"),
    help="Connections open at once: one more closes the one idle longest, or gets a 503.",
)
@click.option(
    "--keep-alive-timeout",
    type=bounded("keep_alive_timeout"),
    default=DEFAULT_KEEP_ALIVE,
    show_default=True,
    envvar=env("keep-alive-timeout"),
    metavar="SECONDS",
    help="An idle keep-alive connection is closed after this long.",
)
@click.option(
    "--header-timeout",
    type=bounded("header_timeout"),
    default=DEFAULT_HEADER_TIMEOUT,
    show_default=True,
    envvar=env("header-timeout"),
    metavar="SECONDS",
    help="A request's headers must arrive within this long of the connection (or of the "
    "last response): else 408 and the connection closed.",
)
@click.option(
    "--body-timeout",
    type=bounded("body_timeout"),
    default=DEFAULT_BODY_TIMEOUT,
    show_default=True,
    envvar=env("body-timeout"),
    metavar="SECONDS",
    help="A request's body must arrive within this long of its headers: else 408.",
)
@click.option(
    "--shutdown-timeout",
    type=bounded("shutdown_timeout"),
    default=DEFAULT_SHUTDOWN_TIMEOUT,
    show_default=True,
    envvar=env("shutdown-timeout"),
    metavar="SECONDS",
    help="On SIGTERM or Ctrl-C, requests in flight get this long, then are cut.",
)
@click.option(
    "--auth",
    default=None,
    envvar=env("auth"),
    metavar="USER:PASSWORD",
    callback=credentials,
    help="Require these HTTP Basic credentials on the OMS endpoints (401 otherwise).",
)
@click.option(
    "--v4-scenario",
    default=DEFAULT_V4_SCENARIO,
    show_default=True,
    envvar=env("v4-scenario"),
    metavar="NAME",
    help="The scenario a V4 CreateProject plays when the project's name and labels name "
    "none (docs/v4.md).",
)
def serve(
    host: str,
    port: int,
    scenarios: tuple[Path, ...],
    clock: str,
    speed: float,
    seed: int | None,
    epoch: float | None,
    max_projects: int,
    max_fault_delay: float,
    log_level: str,
    log_requests: bool,
    log_summary: float,
    access_log: bool,
    journal_size: int,
    coverage: bool,
    max_injections: int,
    max_body: int,
    max_connections: int,
    keep_alive_timeout: int,
    header_timeout: float,
    body_timeout: float,
    shutdown_timeout: int,
    control_token: str | None,
    auth: tuple[str, str] | None,
    watch: bool,
    v4_scenario: str,
) -> None:
    """Serve the fake OMS."""
    from mock_oms.serve.server import CannotBind
    from mock_oms.serve.server import serve as run

    config = settings(
        host=host,
        port=port,
        scenarios=scenarios,
        clock=ClockMode(clock),
        speed=speed,
        seed=seed,
        epoch=epoch,
        max_projects=max_projects,
        max_fault_delay=max_fault_delay,
        log_level=log_level,
        log_requests=log_requests,
        log_summary=log_summary,
        access_log=access_log,
        journal_size=journal_size,
        coverage=coverage,
        control_token=control_token or None,
        auth=auth,
        v4_scenario=v4_scenario,
        max_injections=max_injections,
        max_body=max_body,
        max_connections=max_connections,
        keep_alive_timeout=keep_alive_timeout,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        shutdown_timeout=shutdown_timeout,
    )
    try:
        library = load_library(scenarios)
    except ScenarioError as exc:
        report(exc)
        raise SystemExit("mock-oms: not serving: the scenarios above are invalid") from None

    watchers = []

    def ready(app: Any, base_url: str) -> None:
        banner(app, base_url)
        if watch:
            from mock_oms.serve.activity import stderr_sink
            from mock_oms.serve.watch import Watcher

            watcher = Watcher(app.runtime, sink=stderr_sink).start()
            watchers.append(watcher)
            click.echo(f"  watching {', '.join(map(str, watcher.paths))} for changes")

    def banner(app: Any, base_url: str) -> None:
        from mock_oms.core.kinds import progress_path

        clock_ = app.runtime.clock
        click.echo(
            f"mock-oms {__version__} listening on {base_url} "
            f"(clock: {clock_.mode.value}, speed {clock_.speed:g}); "
            f"{len(library)} scenarios:"
        )
        for scenario in library:
            ids = [scenario.name, *scenario.projects]
            for pid in ids:
                click.echo(f"  {base_url}{progress_path(scenario.kind, pid)}")
        click.echo(
            f"  any SCENARIO~NAME starts a fresh instance; control API: {base_url}/_mock"
            f"  (docs: {base_url}/docs; from a shell: mock-oms ctl --help)"
        )
        missing = "" if v4_scenario in library.scenarios else " (not loaded!)"
        click.echo(
            f"  V4 API: POST {base_url}/api/v2?Action=NAME; CreateProject plays "
            f"{v4_scenario}{missing} unless the project names a scenario"
        )
        click.echo(f"  dashboard: {base_url}/_mock/ui")

    try:
        run(config, library=library, on_ready=ready)
    except CannotBind as exc:
        raise SystemExit(f"mock-oms: {exc.strerror}") from None
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the Ctrl-C
        pass
    finally:
        for watcher in watchers:
            watcher.stop()
