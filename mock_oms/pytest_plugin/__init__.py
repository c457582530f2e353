"""The pytest plugin of mock-oms (registered through the ``pytest11`` entry point).

Fixtures:

- ``mock_oms``: a live server (uvicorn in a thread, on a free port of 127.0.0.1, manual
  clock), started once per session and reset before each test (projects forgotten, journal
  emptied, startup scenarios and speed restored; the clock keeps its time). A
  :class:`~mock_oms.harness.Harness`.
- ``mock_oms_inprocess``: the same without a socket: a fresh app per test, reached through
  ``harness.transport`` (an httpx transport) or ``httpx.ASGITransport(app=harness.app)``.

Configuration, session-scoped fixtures to override in a ``conftest.py``: ``mock_oms_host``,
``mock_oms_port``, ``mock_oms_scenarios``, ``mock_oms_clock``, ``mock_oms_speed``,
``mock_oms_seed``, and ``mock_oms_settings`` that combines them.

``--mock-oms-coverage`` prints which situations the session's servers showed their clients
(exposure coverage) at the end of the session, and ``--mock-oms-coverage-fail-under=N``
fails it under N % (``coverage.py``).

Per test: ``@pytest.mark.mock_oms(scenarios=..., clock=..., speed=..., seed=...)`` (also
``journal_size``, ``control_token``, ``auth``). A test whose marker asks for a configuration
other than the session's gets a server of its own for that configuration, started at first
use and shared by the tests that ask for the same one (at most ``MAX_SERVERS`` are kept).
A seed is no configuration of its own: it is set on the server when the test's reset runs.

The seed: request IDs and every fault the server leaves to chance (a probability, a latency
range) come from it. Without ``--mock-oms-seed`` (or a ``mock_oms_seed`` fixture) the
session draws one, which pytest's header shows; under pytest-xdist every worker uses the
controller's. Fault delays follow the manual clock: they take no real time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mock_oms.pytest_plugin import coverage
from mock_oms.pytest_plugin.options import (
    MARKER,
    OptionProblem,
    clock_mode,
    configure,
    paths,
    served,
)
from mock_oms.pytest_plugin.servers import Servers, reseed

# Everything else is imported when a fixture is used: installing mock-oms must not slow
# down the start of every pytest run (the web stack takes most of a second to import).
if TYPE_CHECKING:
    from mock_oms.config import Settings
    from mock_oms.harness import Harness

SEED_OPTION = "--mock-oms-seed"
_SEED_KEY = pytest.StashKey[int]()

__all__ = [
    "MARKER",
    "SEED_OPTION",
    "OptionProblem",
    "Servers",
    "configure",
    "mock_oms",
    "mock_oms_clock",
    "mock_oms_host",
    "mock_oms_inprocess",
    "mock_oms_port",
    "mock_oms_scenarios",
    "mock_oms_seed",
    "mock_oms_servers",
    "mock_oms_settings",
    "mock_oms_speed",
    "pytest_addoption",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_report_header",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_testnodedown",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("mock-oms").addoption(
        SEED_OPTION,
        type=int,
        default=None,
        metavar="SEED",
        help="the seed of the mock_oms fixtures' request IDs and fault draws "
        "(default: a new one each session, shown in the header)",
    )
    coverage.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenarios=None, clock=None, speed=None, seed=None, journal_size=None, "
        "control_token=None, auth=None): configure the mock_oms fixtures for this test "
        "(scenario files or folders relative to the test file, clock 'manual' or 'real', "
        "speed under the real clock, seed for this test's request IDs and fault draws).",
    )
    worker: dict[str, Any] | None = getattr(config, "workerinput", None)
    seed = config.getoption(SEED_OPTION)
    if seed is None and worker is not None:
        seed = worker.get("mock_oms_seed")  # the controller's (pytest-xdist)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
    config.stash[_SEED_KEY] = seed


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.stash[_SEED_KEY]
    return f"mock-oms: seed {seed} (repeat with {SEED_OPTION}={seed})"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker gets the controller's seed."""
    node.workerinput["mock_oms_seed"] = node.config.stash[_SEED_KEY]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker's coverage reports come to the controller."""
    coverage.node_down(node)


@pytest.hookimpl(trylast=True)  # after the session's fixtures stopped their servers
def pytest_sessionfinish(session: pytest.Session) -> None:
    coverage.finish(session)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    coverage.summary(terminalreporter, config)


# -- configuration fixtures (override them in a conftest.py) ---------------------------------


@pytest.fixture(scope="session")
def mock_oms_host() -> str:
    """The address the live server binds."""
    return "127.0.0.1"


@pytest.fixture(scope="session")
def mock_oms_port() -> int:
    """The port of the session's live server (0: any free port)."""
    return 0


@pytest.fixture(scope="session")
def mock_oms_scenarios() -> Sequence[str | Path]:
    """Scenario files or folders (relative to the rootdir); empty: the bundled library."""
    return ()


@pytest.fixture(scope="session")
def mock_oms_clock() -> str:
    """'manual' (time moves only when a test advances it) or 'real'."""
    return "manual"


@pytest.fixture(scope="session")
def mock_oms_speed() -> float:
    """Scenario seconds per real second under the real clock."""
    return 1.0


@pytest.fixture(scope="session")
def mock_oms_seed(pytestconfig: pytest.Config) -> int | None:
    """The seed of request IDs (they restart at every test's reset) and of the faults left
    to chance: ``--mock-oms-seed``, else one drawn for the session (shown in the header).
    None: request IDs are random."""
    return pytestconfig.stash[_SEED_KEY]


@pytest.fixture(scope="session")
def mock_oms_settings(
    pytestconfig: pytest.Config,
    mock_oms_host: str,
    mock_oms_port: int,
    mock_oms_scenarios: Sequence[str | Path],
    mock_oms_clock: str,
    mock_oms_speed: float,
    mock_oms_seed: int | None,
) -> Settings:
    """The session server's settings, from the fixtures above."""
    from mock_oms.config import Settings, SettingsError

    clock = mock_oms_clock
    speed: Any = mock_oms_speed
    if speed == 0 and not isinstance(speed, bool):  # time stands still: the manual clock
        clock, speed = "manual", 1.0
    try:
        settings = Settings(
            host=mock_oms_host,
            port=mock_oms_port,
            scenarios=paths(mock_oms_scenarios, pytestconfig.rootpath),
            clock=clock_mode(clock),
            speed=speed,
            seed=mock_oms_seed,
            log_level="warning",
            delays_follow_clock=True,
        )
    except OptionProblem as exc:
        problem = str(exc)
    except SettingsError as exc:  # in the names of the fixtures that gave the values
        problem = "; ".join(f"mock_oms_{name} {reason}" for name, reason in exc.problems)
    else:
        return settings
    pytest.fail(f"mock-oms configuration fixtures: {problem}", pytrace=False)


# -- the fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mock_oms_servers(pytestconfig: pytest.Config) -> Iterator[Servers]:
    """The session's live servers (all stopped at the end of the session)."""
    servers = Servers(on_close=lambda harness: coverage.collect(pytestconfig, harness))
    yield servers
    servers.close()


@pytest.fixture
def mock_oms(
    request: pytest.FixtureRequest, mock_oms_settings: Settings, mock_oms_servers: Servers
) -> Harness:
    """A live mock-oms server, reset for this test."""
    settings = configure(mock_oms_settings, request)
    harness = mock_oms_servers.get(served(settings, mock_oms_settings))
    harness.reset()
    reseed(harness, settings)
    return harness


@pytest.fixture
def mock_oms_inprocess(
    request: pytest.FixtureRequest, mock_oms_settings: Settings, mock_oms_servers: Servers
) -> Iterator[Harness]:
    """A fresh mock-oms app for this test, in process (no socket)."""
    from mock_oms.harness import Harness
    from mock_oms.web.app import create_app

    settings = configure(mock_oms_settings, request)
    app = create_app(settings, library=mock_oms_servers.library(settings.scenarios))
    with Harness.in_process(app, settings) as harness:
        yield harness
        if harness.http.is_closed:  # a test closed it: `with mock_oms_inprocess.client:`
            with Harness.in_process(app, settings) as fresh:
                coverage.collect(request.config, fresh)
        else:
            coverage.collect(request.config, harness)
