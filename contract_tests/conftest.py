"""The kit's fixtures, all session-scoped: one server, one poll session, one set of probes.

Fixture names start with ``oms_`` so that they never shadow a user's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests.levels import Level
from contract_tests.options import KitOptions, OptionError
from contract_tests.plugin import kit_options
from contract_tests.rules import Response
from contract_tests.target import (
    ProjectRef,
    Target,
    malformed_ids,
    open_target,
    poll_sessions,
    probe,
    projects_to_observe,
    unknown_ids,
)
from mock_oms.client import ControlClient

KIT_SCENARIO_PREFIX = "contract-"


@pytest.fixture(scope="session")
def oms_options(pytestconfig: pytest.Config) -> KitOptions:
    return kit_options(pytestconfig)


@pytest.fixture(scope="session")
def oms_token() -> str:
    """Makes the IDs this run uses its own (fresh instances, unknown IDs)."""
    return uuid.uuid4().hex[:10]


TARGET = pytest.StashKey[Target]()


@pytest.fixture(scope="session")
def oms_level(oms_options: KitOptions) -> Level:
    """The level the checks judge at: compatible (default) or strict (``--oms-strict``)."""
    return oms_options.level


@pytest.fixture(scope="session")
def oms_target(
    oms_options: KitOptions,
    pytestconfig: pytest.Config,
    record_testsuite_property: Callable[[str, object], None],
) -> Iterator[Target]:
    """The server under test. When there is none to check (unreachable, refusing the kit,
    no OMS paths), the run stops with the reason rather than failing every check with it.
    The transient failures its polls met are written to the JUnit report at the end."""
    with ExitStack() as stack:
        try:
            target = stack.enter_context(open_target(oms_options))
        except OptionError as exc:
            pytest.exit(f"mock-oms contract kit: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
        pytestconfig.stash[TARGET] = target
        yield target
        record_testsuite_property("oms-level", oms_options.level.value)
        for note in target.notes:
            record_testsuite_property("transport-note", note)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The transient failures the kit retried, one line each."""
    target = config.stash.get(TARGET, None)
    if target is None or not target.notes:
        return
    terminalreporter.section("transport notes (transient failures, retried)")
    for note in target.notes:
        terminalreporter.line(note)


@pytest.fixture(scope="session")
def oms_control(oms_target: Target) -> ControlClient:
    """mock-oms's control API; the test is skipped against another server."""
    if oms_target.control is None:
        pytest.skip(f"{oms_target.label} is not mock-oms (no GET /_mock/health)")
    return oms_target.control


@pytest.fixture(scope="session")
def oms_settings(oms_options: KitOptions) -> settings:
    """Hypothesis settings of the kit's property tests (seed: ``--hypothesis-seed``).

    No shrinking: every step of it is a request to the server, and against a server that
    fails every example (a wrong content type, say) it would cost minutes to find a
    shorter project ID. The failing example is shown as drawn."""
    return settings(
        max_examples=oms_options.max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="session")
def oms_projects(oms_target: Target, oms_options: KitOptions, oms_token: str) -> list[ProjectRef]:
    refs = projects_to_observe(oms_target, oms_options.projects, oms_token)
    if not oms_options.projects:  # the kit's own scenarios are checked by its other tests
        refs = [r for r in refs if not r.project_id.startswith(KIT_SCENARIO_PREFIX)]
    return refs


@pytest.fixture(scope="session")
def oms_sessions(
    oms_target: Target, oms_projects: list[ProjectRef], oms_options: KitOptions
) -> dict[ProjectRef, list[Response]]:
    """Every observed project's responses, polled over the poll duration."""
    mock = oms_target.mock
    return poll_sessions(
        oms_target,
        oms_projects,
        interval=oms_options.interval(mock),
        duration=oms_options.duration(mock),
    )


@pytest.fixture(scope="session")
def oms_probes(oms_target: Target, oms_token: str) -> dict[str, list[Response]]:
    """Answers to projects that do not exist (``unknown``) and to malformed IDs."""
    return {
        "unknown": probe(oms_target, unknown_ids(oms_token)),
        "malformed": probe(oms_target, malformed_ids()),
    }
