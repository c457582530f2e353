"""The ``mock-oms`` command. It only parses options and calls functions the tests call too.

Every option can also be given as an environment variable ``MOCK_OMS_<OPTION>`` (for
example ``MOCK_OMS_PORT=9000``, ``MOCK_OMS_SCENARIOS=/a:/b``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mock_oms import __version__
from mock_oms.clock import MAX_SPEED, ClockMode
from mock_oms.config import (
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_PORT,
    MAX_EPOCH,
    Settings,
)
from mock_oms.errors import ScenarioError
from mock_oms.loader import Library, load_bundled, load_paths
from mock_oms.store import DEFAULT_MAX_PROJECTS

F = TypeVar("F", bound=Callable[..., Any])


class Finite(click.FloatRange):
    """A float range that also refuses NaN and the infinities (every bound lets NaN by)."""

    name = "float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def _env(name: str) -> str:
    return f"MOCK_OMS_{name.upper().replace('-', '_')}"


def scenarios_option(fn: F) -> F:
    return click.option(
        "--scenarios",
        "scenarios",
        multiple=True,
        envvar=_env("scenarios"),
        type=click.Path(path_type=Path),
        help="A scenario file or folder (repeatable). Default: the bundled library.",
    )(fn)


def _library(paths: Sequence[Path]) -> Library:
    return load_paths(paths) if paths else load_bundled()


def _report(exc: ScenarioError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)


def _credentials(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, str] | None:
    from mock_oms.access import parse_credentials

    if not value:
        return None
    try:
        return parse_credentials(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mock-oms")
def main() -> None:
    """A scenario-driven fake of the OceanBase Migration Service (OMS) progress API."""


@main.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    envvar=_env("host"),
    help="Address to bind; 0.0.0.0 to accept other machines.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar=_env("port"),
    help="Port to listen on (0: any free port).",
)
@scenarios_option
@click.option(
    "--clock",
    "clock",
    type=click.Choice([ClockMode.REAL.value, ClockMode.MANUAL.value]),
    default=ClockMode.REAL.value,
    show_default=True,
    envvar=_env("clock"),
    help="real: time flows (see --speed); manual: only POST /_mock/clock/advance moves it.",
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    envvar=_env("speed"),
    type=Finite(min=0, min_open=True, max=MAX_SPEED),
    help="Scenario seconds per real second under the real clock (60: a 30-minute "
    "scenario in 30 s).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    envvar=_env("seed"),
    help="Make request IDs (and seeded faults) repeatable.",
)
@click.option(
    "--epoch",
    type=Finite(min=0, max=MAX_EPOCH),
    default=None,
    envvar=_env("epoch"),
    help="Unix time at scenario time 0 (default: when the server starts).",
)
@click.option(
    "--max-projects",
    type=click.IntRange(1),
    default=DEFAULT_MAX_PROJECTS,
    show_default=True,
    envvar=_env("max-projects"),
    help="How many project instances the server holds at most.",
)
@click.option(
    "--max-fault-delay",
    type=Finite(min=0, min_open=True, max=86400),
    default=300.0,
    show_default=True,
    envvar=_env("max-fault-delay"),
    help="Seconds: no fault delays a response or hangs a connection longer.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    envvar=_env("log-level"),
)
@click.option(
    "--log-requests/--no-log-requests",
    default=False,
    show_default=True,
    envvar=_env("log-requests"),
    help="Log every OMS request (from the journal, in batches: costs little throughput).",
)
@click.option(
    "--log-summary",
    type=Finite(min=0, max=86400),
    default=10.0,
    show_default=True,
    envvar=_env("log-summary"),
    metavar="SECONDS",
    help="Log how many OMS requests arrived, this often while they do (0: never).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar=_env("access-log"),
    help="uvicorn's access log: every request, control calls too (halves the throughput).",
)
@click.option(
    "--journal-size",
    type=click.IntRange(0),
    default=DEFAULT_JOURNAL_SIZE,
    show_default=True,
    envvar=_env("journal-size"),
    help="OMS requests kept for GET /_mock/requests (older ones are dropped and counted).",
)
@click.option(
    "--control-token",
    default=None,
    envvar=_env("control-token"),
    metavar="TOKEN",
    help="Require `Authorization: Bearer TOKEN` on every /_mock call but /_mock/health.",
)
@click.option(
    "--auth",
    default=None,
    envvar=_env("auth"),
    metavar="USER:PASSWORD",
    callback=_credentials,
    help="Require these HTTP Basic credentials on the OMS endpoints (401 otherwise).",
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
    control_token: str | None,
    auth: tuple[str, str] | None,
) -> None:
    """Serve the fake OMS."""
    from mock_oms.server import PortInUse
    from mock_oms.server import serve as run

    settings = Settings(
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
        control_token=control_token or None,
        auth=auth,
    )
    try:
        library = _library(scenarios)
    except ScenarioError as exc:
        _report(exc)
        raise SystemExit("mock-oms: not serving: the scenarios above are invalid") from None

    def banner(app: Any, base_url: str) -> None:
        from mock_oms.steps import progress_path

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
            f"  (OpenAPI: {base_url}/openapi.json)"
        )

    try:
        run(settings, library=library, on_ready=banner)
    except PortInUse as exc:
        raise SystemExit(f"mock-oms: {exc.strerror}") from None
    except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the Ctrl-C
        pass


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check scenario files: exit 0 when all are valid, 1 with `file:line: reason` lines."""
    try:
        library = load_paths(paths)
    except ScenarioError as exc:
        _report(exc)
        sys.exit(1)
    click.echo(f"ok: {len(library)} scenario{'s' if len(library) != 1 else ''} valid")


@main.group()
def scenarios() -> None:
    """Inspect scenarios."""


@scenarios.command("list")
@scenarios_option
def list_scenarios(scenarios: tuple[Path, ...]) -> None:
    """The scenarios, one a line: name, kind, statuses passed, description."""
    try:
        library = _library(scenarios)
    except ScenarioError as exc:
        _report(exc)
        sys.exit(1)
    width = max((len(s.name) for s in library), default=0)
    for scenario in library:
        statuses = "->".join(s.value for s in scenario.statuses())
        kind = f"replay:{scenario.kind.value}" if scenario.replay else scenario.kind.value
        click.echo(
            f"{scenario.name.ljust(width)}  {kind:16}  {statuses}  {scenario.description}".rstrip()
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
    from mock_oms.render import mermaid, timeline

    try:
        library = _library(scenarios)
    except ScenarioError as exc:
        _report(exc)
        sys.exit(1)
    scenario = library.scenarios.get(name)
    if scenario is None:
        click.echo(f"no scenario named {name!r}; known: {', '.join(library.scenarios)}", err=True)
        sys.exit(1)
    if scenario.replay is not None:
        from mock_oms.render import replay_table

        click.echo(replay_table(scenario))
        return
    if fmt in ("all", "text"):
        click.echo(timeline(scenario))
    if fmt == "all":
        click.echo("")
    if fmt in ("all", "mermaid"):
        if fmt == "all":
            click.echo("```mermaid")
        click.echo(mermaid(scenario))
        if fmt == "all":
            click.echo("```")


@main.command()
@click.option(
    "--upstream",
    required=True,
    envvar=_env("record-upstream"),
    help="Base URL of the OMS to record, e.g. http://oms.example:8089.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    required=True,
    envvar=_env("record-project"),
    help="A project ID to poll (repeatable: one file per project).",
)
@click.option(
    "--endpoint",
    type=click.Choice(["migration", "sync"]),
    default="migration",
    show_default=True,
    envvar=_env("record-endpoint"),
    help="Which progress endpoint the projects are polled on.",
)
@click.option(
    "--auth",
    metavar="USER:PASSWORD",
    envvar=_env("record-auth"),
    callback=_credentials,
    help="HTTP Basic credentials for the upstream.",
)
@click.option(
    "--interval",
    type=Finite(min=0),
    default=2.0,
    show_default=True,
    envvar=_env("record-interval"),
    help="Seconds between polls.",
)
@click.option(
    "--timeout",
    type=Finite(min=0, min_open=True),
    default=10.0,
    show_default=True,
    envvar=_env("record-timeout"),
    help="Read timeout of a poll; a timeout is recorded as a hang.",
)
@click.option(
    "--until-terminal",
    is_flag=True,
    envvar=_env("record-until-terminal"),
    help="Stop when every project is FINISHED, FAILED, RELEASED, DELETED or gone.",
)
@click.option(
    "--max-duration",
    type=Finite(min=0, min_open=True),
    default=None,
    envvar=_env("record-max-duration"),
    help="Stop after this many seconds.",
)
@click.option(
    "--max-polls",
    type=click.IntRange(min=1),
    default=None,
    envvar=_env("record-max-polls"),
    help="Stop after this many polls of each project.",
)
@click.option(
    "--mode",
    type=click.Choice(["time", "poll"]),
    default="time",
    show_default=True,
    envvar=_env("record-mode"),
    help="How the replay serves the entries: on scenario time, or one per poll.",
)
@click.option(
    "--name", default=None, envvar=_env("record-name"), help="Scenario name (default: file name)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=_env("record-out"),
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

    from mock_oms.recorder import Options, ProgressLine, RecordError, describe
    from mock_oms.recorder import record as run
    from mock_oms.steps import Kind

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


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--base-url",
    envvar=_env("contract-base-url"),
    help="The server to check (mock-oms or a real OMS). Default: an in-process mock-oms.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    envvar=_env("contract-project"),
    help="A project to observe (repeatable); sync:ID for a sync project.",
)
@click.option("--auth", envvar=_env("contract-auth"), help="USER:PASSWORD for HTTP Basic.")
@click.option("--control-token", envvar=_env("contract-control-token"), help="mock-oms's token.")
@click.option("--poll-interval", type=Finite(min=0), envvar=_env("contract-poll-interval"))
@click.option("--poll-duration", type=Finite(min=0), envvar=_env("contract-poll-duration"))
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=_env("contract-junit-xml"),
    help="Write a JUnit XML report here.",
)
@click.option(
    "--seed", type=int, envvar=_env("contract-seed"), help="Replay a run (default: random)."
)
@click.option(
    "--max-examples",
    type=click.IntRange(1),
    envvar=_env("contract-max-examples"),
    help="Examples per property test.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract(
    base_url: str | None,
    projects: tuple[str, ...],
    auth: str | None,
    control_token: str | None,
    poll_interval: float | None,
    poll_duration: float | None,
    junit_xml: Path | None,
    seed: int | None,
    max_examples: int | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Check that a server keeps the OMS progress contract (exit 0 when it does).

    Further arguments go to pytest, e.g. `-- -k temporal -x`.
    """
    from contract_tests.run import new_seed, pytest_arguments, run

    seed = new_seed() if seed is None else seed
    click.echo(f"mock-oms contract: {base_url or 'in-process mock-oms'}, seed {seed}")
    status = run(
        pytest_arguments(
            base_url=base_url,
            projects=projects,
            auth=auth,
            control_token=control_token,
            poll_interval=poll_interval,
            poll_duration=poll_duration,
            junit_xml=junit_xml,
            seed=seed,
            max_examples=max_examples,
            extra=pytest_args,
        )
    )
    click.echo(
        f"mock-oms contract: {'passed' if status == 0 else 'FAILED'}; replay with --seed {seed}"
    )
    sys.exit(status)
