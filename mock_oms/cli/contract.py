"""``mock-oms contract``: run the contract kit against a server.

The one module of mock_oms that imports ``contract_tests``: the kit installed beside
mock_oms, whatever folder the command starts in (``python -m mock_oms`` puts the current
folder first on ``sys.path``, where a checkout or a project may hold a
``contract_tests`` package of its own).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

import mock_oms
from mock_oms.cli.options import Finite, env

__all__ = ["APIS", "DEFAULT_SKEW", "MOCK_V4_INTERVAL", "NO_SERVER", "contract", "use_installed_kit"]

NO_SERVER = 4  # pytest's usage-error status, which the kit also stops with

MOCK_INTERVAL, REAL_INTERVAL = 5.0, 2.0  # contract_tests.options, not imported here:
MOCK_DURATION, REAL_DURATION = 900.0, 30.0  # the kit is imported when the command runs
MOCK_V4_INTERVAL = 10.0
APIS = ("auto", "v3", "v4")
DEFAULT_SKEW = 600.0


def use_installed_kit() -> None:
    """Make ``import contract_tests`` find the kit shipped beside this mock_oms."""
    home = Path(mock_oms.__file__).resolve().parent.parent
    kit = home / "contract_tests" / "__init__.py"
    loaded = sys.modules.get("contract_tests")
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
    else:
        spec = importlib.util.find_spec("contract_tests")
        origin = spec.origin if spec is not None else None
    if origin is not None and Path(origin).resolve() == kit.resolve():
        return
    for name in [
        m for m in sys.modules if m == "contract_tests" or m.startswith("contract_tests.")
    ]:
        del sys.modules[name]
    sys.path.insert(0, str(home))


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    scheme, netloc, *_ = urlsplit(value)
    if scheme not in ("http", "https") or not netloc:
        bare = value.split("://")[-1] or "oms.example:8089"
        raise click.BadParameter(f"{value!r} is not an http:// or https:// URL (say http://{bare})")
    return value


def _auth(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        user, sep, _ = value.partition(":")
        if not sep or not user:
            raise click.BadParameter("give USER:PASSWORD")
    return value


def _create_body(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        try:
            document = json.loads(value.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise click.BadParameter(f"{value}: not JSON ({exc})") from None
        if not isinstance(document, dict):
            raise click.BadParameter(f"{value}: a CreateProject body is a JSON object")
    return value


def _projects(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for text in value:
        prefix, sep, rest = text.partition(":")
        if not text or (sep and prefix in ("migration", "sync") and not rest):
            raise click.BadParameter(f"{text!r}: the project ID is empty")
    return value


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--base-url",
    envvar=env("contract-base-url"),
    callback=_base_url,
    metavar="URL",
    help="The server to check (mock-oms or a real OMS), its root: the kit appends "
    "/api/omsp/v2/... (V3) or /api/v2 (V4). Default: an in-process mock-oms.",
)
@click.option(
    "--api",
    type=click.Choice(APIS),
    default="auto",
    show_default=True,
    envvar=env("contract-api"),
    help="The API to check: v3 (GET /api/omsp/v2/.../progress), v4 (POST "
    "/api/v2?Action=NAME), or auto: the one the server speaks (V3 is told by an OMS "
    "envelope on a progress path, V4 by an envelope from ListProjects, with an "
    "errorDetail key or HTTP 200); v3 when it speaks both, as mock-oms does.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    envvar=env("contract-project"),
    callback=_projects,
    metavar="ID",
    help="A project to observe (repeatable); sync:ID for a sync project. Each must answer "
    "with data at least once. Default against mock-oms: a fresh instance of every scenario.",
)
@click.option(
    "--auth",
    envvar=env("contract-auth"),
    callback=_auth,
    metavar="USER:PASSWORD",
    help="HTTP Basic credentials.",
)
@click.option("--control-token", envvar=env("contract-control-token"), help="mock-oms's token.")
@click.option(
    "--poll-interval",
    type=Finite(min=0, min_open=True),
    envvar=env("contract-poll-interval"),
    metavar="SECONDS",
    help="Seconds between two polls of each observed project.",
    show_default=f"{MOCK_INTERVAL:g} against mock-oms (scenario time; "
    f"{MOCK_V4_INTERVAL:g} on V4), {REAL_INTERVAL:g} against another server",
)
@click.option(
    "--poll-duration",
    type=Finite(min=0),
    envvar=env("contract-poll-duration"),
    metavar="SECONDS",
    help="How long the projects are observed.",
    show_default=f"{MOCK_DURATION:g} against mock-oms (scenario time, no waiting), "
    f"{REAL_DURATION:g} against another server",
)
@click.option(
    "--strict",
    is_flag=True,
    envvar=env("contract-strict"),
    help="Judge against mock-oms's own stricter schema (what the fake promises) instead of "
    "what a real OMS may send (the compatible level).",
)
@click.option(
    "--clock-skew",
    type=Finite(min=0),
    default=DEFAULT_SKEW,
    show_default=f"{DEFAULT_SKEW:g}",
    envvar=env("contract-clock-skew"),
    metavar="SECONDS",
    help="How far a checkpoint may run ahead of the server's clock.",
)
@click.option(
    "--create-body",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar=env("contract-create-body"),
    callback=_create_body,
    metavar="FILE",
    help="V4: also check the lifecycle on two projects the kit creates with this "
    "CreateProject body (a JSON file your OMS accepts; the kit makes each name its own), "
    "which it starts, stops, resumes, releases and deletes. Against mock-oms the kit "
    "checks the lifecycle on projects of its own without it.",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=env("contract-junit-xml"),
    help="Write a JUnit XML report here.",
)
@click.option(
    "--seed", type=int, envvar=env("contract-seed"), help="Replay a run (default: random)."
)
@click.option(
    "--max-examples",
    type=click.IntRange(1),
    envvar=env("contract-max-examples"),
    help="Examples per property test.",
    show_default="25",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract(
    base_url: str | None,
    projects: tuple[str, ...],
    api: str,
    auth: str | None,
    control_token: str | None,
    poll_interval: float | None,
    poll_duration: float | None,
    strict: bool,
    clock_skew: float,
    create_body: Path | None,
    junit_xml: Path | None,
    seed: int | None,
    max_examples: int | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Check that a server keeps the OMS contract, V3 or V4 (exit 0 when it does, 1 when a
    rule is broken, 4 when there is no server to check).

    Further arguments go to pytest, e.g. `-- -k temporal -x`.
    """
    use_installed_kit()
    from contract_tests.levels import Api
    from contract_tests.options import CLI, KitOptions, OptionError
    from contract_tests.run import new_seed, pytest_arguments, run, write_unchecked_report
    from contract_tests.target import preflight

    level = "strict" if strict else "compatible"
    where = base_url or "in-process mock-oms"
    try:
        user, _, password = (auth or "").partition(":")
        credentials = (user, password) if auth else None
        options = KitOptions(base_url=base_url, auth=credentials, spelling=CLI, api=Api(api))
        detected = preflight(options)
    except OptionError as exc:
        click.echo(f"mock-oms contract: no server to check: {exc}", err=True)
        if junit_xml is not None:
            write_unchecked_report(junit_xml, str(exc))
        sys.exit(NO_SERVER)

    seed = new_seed() if seed is None else seed
    checked = detected.api.value if detected is not None else api
    click.echo(f"mock-oms contract: {where}, {checked.upper()} API, {level} level, seed {seed}")
    if detected is not None and detected.also is not None:
        other = detected.also.value
        click.echo(f"mock-oms contract: it speaks {other.upper()} too: --api {other} checks it")
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
            strict=strict,
            clock_skew=clock_skew,
            api=checked if checked != "auto" else None,
            create_body=create_body,
            extra=pytest_args,
        )
    )
    if status == 0:
        click.echo(f"mock-oms contract: passed ({level} level)")
    elif status == NO_SERVER:
        click.echo("mock-oms contract: stopped, nothing was checked (see the reason above)")
    else:
        click.echo(f"mock-oms contract: FAILED ({level} level); replay with --seed {seed}")
    sys.exit(status)
