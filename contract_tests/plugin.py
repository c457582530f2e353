"""The kit's pytest options, registered through the ``pytest11`` entry point.

This module is loaded by every pytest session of an environment where mock-oms is
installed, so it only declares options: the fixtures live in the kit's ``conftest.py``
and only run when the kit's tests are collected (``pytest --pyargs contract_tests``).
"""

from __future__ import annotations

import pytest

from contract_tests.options import (
    DEFAULT_MAX_EXAMPLES,
    KitOptions,
    OptionError,
    ProjectSpec,
    parse_auth,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "oms-contract", "mock-oms contract kit (pytest --pyargs contract_tests)"
    )
    group.addoption(
        "--oms-base-url",
        metavar="URL",
        default=None,
        help="The server to check. Default: an in-process mock-oms with the bundled scenarios.",
    )
    group.addoption(
        "--oms-project",
        metavar="ID",
        action="append",
        default=[],
        help="A project to observe (repeatable); `sync:ID` for a sync project. Default "
        "against mock-oms: a fresh instance of every scenario.",
    )
    group.addoption(
        "--oms-auth", metavar="USER:PASSWORD", default=None, help="HTTP Basic credentials."
    )
    group.addoption(
        "--oms-control-token",
        metavar="TOKEN",
        default=None,
        help="mock-oms's control token, when it was started with one.",
    )
    group.addoption(
        "--oms-poll-interval",
        metavar="S",
        type=float,
        default=None,
        help="Seconds between polls (default: 5 against mock-oms, 2 against a real OMS).",
    )
    group.addoption(
        "--oms-poll-duration",
        metavar="S",
        type=float,
        default=None,
        help="Seconds to observe the projects (default: 900 of scenario time against "
        "mock-oms, whose clock the kit moves, 30 of real time against a real OMS).",
    )
    group.addoption(
        "--oms-max-examples",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"Examples per property test (default {DEFAULT_MAX_EXAMPLES}).",
    )


def kit_options(config: pytest.Config) -> KitOptions:
    """The kit's options of this session; :class:`pytest.UsageError` when one is wrong."""
    try:
        auth = config.getoption("oms_auth")
        return KitOptions(
            base_url=config.getoption("oms_base_url"),
            projects=tuple(ProjectSpec.parse(p) for p in config.getoption("oms_project")),
            auth=parse_auth(auth) if auth else None,
            control_token=config.getoption("oms_control_token"),
            poll_interval=config.getoption("oms_poll_interval"),
            poll_duration=config.getoption("oms_poll_duration"),
            max_examples=config.getoption("oms_max_examples"),
        )
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
