"""The kit's pytest options, registered through the ``pytest11`` entry point.

This module is loaded by every pytest session of an environment where mock-oms is
installed, so it only declares options: the fixtures live in the kit's ``conftest.py``
and only run when the kit's tests are collected (``pytest --pyargs contract_tests``).
"""

from __future__ import annotations

import argparse

import pytest

from contract_tests.facts import DEFAULT_CLOCK_SKEW
from contract_tests.levels import Api, Level
from contract_tests.options import (
    CLI,
    DEFAULT_MAX_EXAMPLES,
    MOCK_POLL_DURATION,
    MOCK_POLL_INTERVAL,
    MOCK_V4_POLL_INTERVAL,
    PYTEST,
    REAL_POLL_DURATION,
    REAL_POLL_INTERVAL,
    KitOptions,
    OptionError,
    ProjectSpec,
    parse_auth,
    read_create_body,
)

# `mock-oms contract` sets it, so that messages name its options (--base-url), not ours.
SPELLING_OPTION = "--oms-spelling"


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
        help=f"Seconds between polls (default: {MOCK_POLL_INTERVAL:g} against mock-oms, "
        f"{MOCK_V4_POLL_INTERVAL:g} on its V4 API, {REAL_POLL_INTERVAL:g} against another "
        "server).",
    )
    group.addoption(
        "--oms-poll-duration",
        metavar="S",
        type=float,
        default=None,
        help=f"Seconds to observe the projects (default: {MOCK_POLL_DURATION:g} of scenario "
        f"time against mock-oms, whose clock the kit moves, {REAL_POLL_DURATION:g} of real "
        "time against another server).",
    )
    group.addoption(
        "--oms-max-examples",
        metavar="N",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"Examples per property test (default {DEFAULT_MAX_EXAMPLES}).",
    )
    group.addoption(
        "--oms-strict",
        action="store_true",
        default=False,
        help="Judge against mock-oms's own stricter schema, not what a real OMS may send.",
    )
    group.addoption(
        "--oms-clock-skew",
        metavar="S",
        type=float,
        default=DEFAULT_CLOCK_SKEW,
        help="Seconds a checkpoint may run ahead of the server's clock "
        f"(default {DEFAULT_CLOCK_SKEW:g}).",
    )
    group.addoption(
        "--oms-api",
        choices=[a.value for a in Api],
        default=Api.AUTO.value,
        help="The API to check: v3 (GET /api/omsp/v2/.../progress), v4 (POST "
        "/api/v2?Action=NAME) or auto (default: the one the server speaks, v3 when both).",
    )
    group.addoption(
        "--oms-create-body",
        metavar="FILE",
        default=None,
        help="V4: check the lifecycle on projects the kit creates with this CreateProject "
        "body (a JSON file); it starts, stops, resumes, releases and deletes them. Against "
        "mock-oms the kit creates its own without it.",
    )
    group.addoption(
        SPELLING_OPTION, choices=("pytest", "cli"), default="pytest", help=argparse.SUPPRESS
    )


def kit_options(config: pytest.Config) -> KitOptions:
    """The kit's options of this session; :class:`pytest.UsageError` when one is wrong."""
    spelling = CLI if config.getoption("oms_spelling") == "cli" else PYTEST
    try:
        auth = config.getoption("oms_auth")
        body = config.getoption("oms_create_body")
        return KitOptions(
            base_url=config.getoption("oms_base_url"),
            projects=tuple(ProjectSpec.parse(p, spelling) for p in config.getoption("oms_project")),
            auth=parse_auth(auth, spelling) if auth else None,
            control_token=config.getoption("oms_control_token"),
            poll_interval=config.getoption("oms_poll_interval"),
            poll_duration=config.getoption("oms_poll_duration"),
            max_examples=config.getoption("oms_max_examples"),
            level=Level.STRICT if config.getoption("oms_strict") else Level.COMPATIBLE,
            clock_skew=config.getoption("oms_clock_skew"),
            spelling=spelling,
            api=Api(config.getoption("oms_api")),
            create_body=read_create_body(body, spelling) if body else None,
        )
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
