"""The ``mock-oms`` command. It only parses options and calls functions the tests call too.

Every option can also be given as an environment variable ``MOCK_OMS_<OPTION>`` (for
example ``MOCK_OMS_PORT=9000``, ``MOCK_OMS_SCENARIOS=/a:/b``).
"""

from __future__ import annotations

from typing import Any

import click

from mock_oms import __version__
from mock_oms.cli import ctl_clock, ctl_faults, ctl_journal, ctl_projects
from mock_oms.cli.contract import contract
from mock_oms.cli.coverage import coverage
from mock_oms.cli.ctl import ctl
from mock_oms.cli.record import record
from mock_oms.cli.scenarios import scenarios, validate
from mock_oms.cli.serve import serve

__all__ = ["KIT_MODULES", "Commands", "main"]

# What `pip install 'mock-oms[kit]'` adds: the contract kit and the hypothesis strategies
# need them, serving does not.
KIT_MODULES = frozenset({"hypothesis", "hypothesis_jsonschema", "pytest", "_pytest"})


class Commands(click.Group):
    """The command group; a command that needs the kit's libraries says how to get them."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:
            if (exc.name or "").partition(".")[0] not in KIT_MODULES:
                raise
            raise click.ClickException(
                f"this command needs the contract kit's libraries ({exc.name} is not "
                "installed): pip install 'mock-oms[kit]'"
            ) from None


@click.group(
    cls=Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="mock-oms")
def main() -> None:
    """A scenario-driven fake of the OceanBase Migration Service (OMS) progress API."""


# the ctl subcommands register themselves on the ctl group when their modules load
_CTL = (ctl_clock, ctl_faults, ctl_journal, ctl_projects)

for command in (serve, validate, scenarios, record, contract, ctl, coverage):
    main.add_command(command)
