"""The ``mock-oms`` command. It only parses options and calls functions the tests call too.

Every option can also be given as an environment variable ``MOCK_OMS_<OPTION>`` (for
example ``MOCK_OMS_PORT=9000``, ``MOCK_OMS_SCENARIOS=/a:/b``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from mock_oms import __version__
from mock_oms.clock import ClockMode
from mock_oms.config import DEFAULT_HOST, DEFAULT_PORT, Settings
from mock_oms.errors import ScenarioError
from mock_oms.loader import Library, load_bundled, load_paths
from mock_oms.store import DEFAULT_MAX_PROJECTS

F = TypeVar("F", bound=Callable[..., Any])


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
    type=click.FloatRange(min=0, min_open=True, max=1e6),
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
    type=float,
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
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    envvar=_env("log-level"),
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar=_env("access-log"),
    help="Log every request (costs throughput).",
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
    log_level: str,
    access_log: bool,
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
        log_level=log_level,
        access_log=access_log,
    )
    try:
        library = _library(scenarios)
    except ScenarioError as exc:
        _report(exc)
        raise SystemExit("mock-oms: not serving: the scenarios above are invalid") from None

    def banner(app: Any, base_url: str) -> None:
        from mock_oms.control import oms_path

        clock_ = app.runtime.clock
        click.echo(
            f"mock-oms {__version__} listening on {base_url} "
            f"(clock: {clock_.mode.value}, speed {clock_.speed:g}); "
            f"{len(library)} scenarios:"
        )
        for scenario in library:
            ids = [scenario.name, *scenario.projects]
            for pid in ids:
                click.echo(f"  {base_url}{oms_path(scenario.kind, pid)}")
        click.echo(
            f"  any SCENARIO~NAME starts a fresh instance; control API: {base_url}/_mock"
            f"  (OpenAPI: {base_url}/openapi.json)"
        )

    try:
        run(settings, library=library, on_ready=banner)
    except PortInUse as exc:
        raise SystemExit(f"mock-oms: {exc.strerror}") from None


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
        click.echo(
            f"{scenario.name.ljust(width)}  {scenario.kind.value:9}  {statuses}"
            f"  {scenario.description}".rstrip()
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
@click.option("--poll-interval", type=float, envvar=_env("contract-poll-interval"))
@click.option("--poll-duration", type=float, envvar=_env("contract-poll-duration"))
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
