"""The kit's fixtures, all session-scoped: one server, one poll session, one set of probes.

Fixture names start with ``oms_`` so that they never shadow a user's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from contract_tests import facts
from contract_tests.levels import Api, Level
from contract_tests.lifecycle_v4 import LIFECYCLE_SCENARIO, Walk, lifecycle_scenario, walk_lifecycle
from contract_tests.options import KitOptions, OptionError
from contract_tests.plugin import kit_options
from contract_tests.rules import Response
from contract_tests.steps import Round
from contract_tests.target import (
    ProjectRef,
    Target,
    malformed_ids,
    open_target,
    poll_sessions,
    poll_v4_rounds,
    preflight,
    probe,
    progress_session,
    projects_to_observe,
    unknown_ids,
    v4_describe,
    v4_probe_ids,
    v4_projects_to_observe,
)
from mock_oms.client import ControlClient

KIT_SCENARIO_PREFIX = "contract-"
KIT = Path(__file__).resolve().parent
API = pytest.StashKey[Api]()
API_MARK = "oms_api"  # a module of V4 checks says pytestmark = pytest.mark.oms_api("v4")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{API_MARK}(api): the API (v3, v4) a kit check judges")


def checked_api(config: pytest.Config) -> Api:
    """The API this run checks: the one ``--oms-api`` names, or (``auto``) the one the
    server speaks, V3 when it speaks both (see :func:`contract_tests.target.detect_api`).
    When there is no server to check, V3: the server fixture then stops the run with the
    reason."""
    if API not in config.stash:
        options = kit_options(config)
        try:
            config.stash[API] = preflight(options).api
        except OptionError:
            config.stash[API] = Api.V3 if options.api is Api.AUTO else options.api
    return config.stash[API]


def api_of(item: pytest.Item) -> Api:
    mark = item.get_closest_marker(API_MARK)
    return Api(mark.args[0]) if mark is not None else Api.V3


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """A run checks one API: the checks of the other are deselected (not skipped: the
    report lists what was checked)."""
    kit = [item for item in items if KIT in Path(str(item.path)).resolve().parents]
    if not kit:
        return
    api = checked_api(config)
    dropped = [item for item in kit if api_of(item) is not api]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]


@pytest.fixture(scope="session")
def oms_options(pytestconfig: pytest.Config) -> KitOptions:
    options = kit_options(pytestconfig)
    return replace(options, api=checked_api(pytestconfig))


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


# -- the V4 API ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oms_v4_projects(oms_target: Target, oms_options: KitOptions, oms_token: str) -> list[str]:
    """The V4 projects observed (see :func:`contract_tests.target.v4_projects_to_observe`)."""
    ids = v4_projects_to_observe(oms_target, oms_options.projects, oms_token)
    if not oms_options.projects:
        ids = [i for i in ids if not i.startswith(KIT_SCENARIO_PREFIX)]
    return ids


@pytest.fixture(scope="session")
def oms_v4_rounds(
    oms_target: Target, oms_v4_projects: list[str], oms_options: KitOptions
) -> dict[str, list[Round]]:
    """Every observed project's rounds (progress, steps, progress), over the poll duration."""
    mock = oms_target.mock
    return poll_v4_rounds(
        oms_target,
        oms_v4_projects,
        interval=oms_options.interval(mock, Api.V4),
        duration=oms_options.duration(mock),
    )


@pytest.fixture(scope="session")
def oms_v4_sessions(oms_v4_rounds: dict[str, list[Round]]) -> dict[str, list[Response]]:
    """Every observed project's DescribeProjectProgress answers, in order."""
    return {pid: progress_session(rounds) for pid, rounds in oms_v4_rounds.items()}


@pytest.fixture(scope="session")
def oms_v4_probes(oms_target: Target, oms_token: str) -> dict[str, list[Response]]:
    """V4 answers about projects that do not exist (``unknown``) and malformed IDs."""
    return {
        "unknown": v4_probe_ids(oms_target, unknown_ids(oms_token)),
        "malformed": v4_probe_ids(oms_target, malformed_ids()),
    }


@pytest.fixture(scope="session")
def oms_v4_walk(oms_target: Target, oms_options: KitOptions, oms_token: str) -> Walk | None:
    """The lifecycle walk on projects the kit creates (None: not asked for). Against
    mock-oms on a scenario of the kit's own; against another server only with a
    CreateProject body (``--create-body``), its name made the kit's own."""
    if oms_target.control is not None:
        oms_target.control.add_scenario(lifecycle_scenario())
        label = f"scenario:{LIFECYCLE_SCENARIO}"
        bodies = tuple(
            {"name": f"{KIT_SCENARIO_PREFIX}v4-{oms_token}-{n}", "labelIds": [label]} for n in "ab"
        )
    elif oms_options.create_body is not None:
        given = oms_options.create_body
        name = str(given.get("name") or "contract")
        bodies = tuple({**given, "name": f"{name}_{oms_token}{n}"} for n in "ab")
    else:
        return None
    return walk_lifecycle(oms_target, (bodies[0], bodies[1]), oms_options.level)


@pytest.fixture(scope="session")
def oms_v4_answers(
    oms_target: Target,
    oms_v4_rounds: dict[str, list[Round]],
    oms_v4_probes: dict[str, list[Response]],
    oms_v4_walk: Walk | None,
) -> list[Response]:
    """Every V4 answer the kit got: the rounds, each observed project described, a page of
    ListProjects, the probes and the lifecycle walk."""
    answers = [
        r
        for rounds in oms_v4_rounds.values()
        for one in rounds
        for r in (one.before, one.steps, one.after)
        if r is not None
    ]
    for pid in oms_v4_rounds:
        answers += v4_describe(oms_target, pid)
    answers.append(oms_target.call(facts.LIST_PROJECTS, {"pageNumber": 1, "pageSize": 10}))
    answers += [r for found in oms_v4_probes.values() for r in found]
    if oms_v4_walk is not None:
        answers += oms_v4_walk.responses
    return answers
