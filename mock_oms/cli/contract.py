"""``mock-oms contract``: run the contract kit against a server.

The one module of mock_oms that imports ``contract_tests``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mock_oms.cli.options import Finite, env

__all__ = ["contract"]


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--base-url",
    envvar=env("contract-base-url"),
    help="The server to check (mock-oms or a real OMS). Default: an in-process mock-oms.",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    envvar=env("contract-project"),
    help="A project to observe (repeatable); sync:ID for a sync project.",
)
@click.option("--auth", envvar=env("contract-auth"), help="USER:PASSWORD for HTTP Basic.")
@click.option("--control-token", envvar=env("contract-control-token"), help="mock-oms's token.")
@click.option("--poll-interval", type=Finite(min=0), envvar=env("contract-poll-interval"))
@click.option("--poll-duration", type=Finite(min=0), envvar=env("contract-poll-duration"))
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
