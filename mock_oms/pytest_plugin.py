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

Per test: ``@pytest.mark.mock_oms(scenarios=..., clock=..., speed=..., seed=...)`` (also
``journal_size``, ``control_token``, ``auth``). A test whose marker asks for a configuration
other than the session's gets a server of its own for that configuration, started at first
use and shared by the tests that ask for the same one (at most ``MAX_SERVERS`` are kept).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Everything else is imported when a fixture is used: installing mock-oms must not slow
# down the start of every pytest run (the web stack takes most of a second to import).
if TYPE_CHECKING:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.core.library import Library
    from mock_oms.harness import Harness
    from mock_oms.serve.live import LiveServer

MARKER = "mock_oms"
OPTIONS = ("scenarios", "clock", "speed", "seed", "journal_size", "control_token", "auth")
CLOCKS = ("manual", "real")
MAX_SERVERS = 4
MAX_SPEED = 1e6  # as `mock-oms serve --speed`


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenarios=None, clock=None, speed=None, seed=None, journal_size=None, "
        "control_token=None, auth=None): configure the mock_oms fixtures for this test "
        "(scenario files or folders relative to the test file, clock 'manual' or 'real', "
        "speed under the real clock, seed for repeatable request IDs).",
    )


class Servers:
    """The live servers of a session, one per configuration, least recently used dropped."""

    def __init__(self, limit: int = MAX_SERVERS) -> None:
        self.limit = limit
        self._servers: OrderedDict[Settings, tuple[LiveServer, Harness]] = OrderedDict()
        self._libraries: dict[tuple[Path, ...], Library] = {}

    def library(self, scenarios: tuple[Path, ...]) -> Library:
        from mock_oms.core.errors import ScenarioError
        from mock_oms.scenarios.loader import load_bundled, load_paths

        library = self._libraries.get(scenarios)
        if library is None:
            try:
                library = load_paths(scenarios) if scenarios else load_bundled()
            except ScenarioError as exc:
                problems = exc.problems
            else:
                self._libraries[scenarios] = library
                return library
            lines = "\n".join(f"  {p}" for p in problems)
            pytest.fail(f"mock-oms: the scenarios are invalid:\n{lines}", pytrace=False)
        return library

    def get(self, settings: Settings) -> Harness:
        from mock_oms.serve.live import LiveServer

        found = self._servers.get(settings)
        if found is not None and found[0].running:
            server, harness = found
            if harness.client.http.is_closed:  # a test closed it: `with mock_oms.client:`
                harness = _harness(server)
                self._servers[settings] = (server, harness)
            self._servers.move_to_end(settings)
            return harness
        if found is not None:
            self._drop(settings)
        server = LiveServer(settings, library=self.library(settings.scenarios)).start()
        harness = _harness(server)
        self._servers[settings] = (server, harness)
        while len(self._servers) > self.limit:
            self._drop(next(iter(self._servers)))
        return harness

    def _drop(self, settings: Settings) -> None:
        server, harness = self._servers.pop(settings)
        harness.close()
        server.stop()

    def close(self) -> None:
        while self._servers:
            self._drop(next(iter(self._servers)))


def _harness(server: LiveServer) -> Harness:
    from mock_oms.harness import Harness

    harness = Harness.over_http(server.base_url, server.settings)
    harness.app = server.app
    return harness


class OptionProblem(ValueError):
    """A configuration value the plugin cannot use (reported without a traceback)."""


def _paths(value: Any, base: Path) -> tuple[Path, ...]:
    items = [value] if isinstance(value, str | Path) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str | Path) for v in items):
        raise OptionProblem(f"scenarios must be a path or a list of paths, not {value!r}")
    return tuple(p if p.is_absolute() else (base / p) for p in (Path(v) for v in items))


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionProblem(f"{name} must be a number, not {value!r}")
    if not (math.isfinite(value) and 0 <= value <= MAX_SPEED):
        raise OptionProblem(f"{name} must be between 0 and {MAX_SPEED:g}, not {value!r}")
    return float(value)


def _integer(name: str, value: Any, top: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OptionProblem(f"{name} must be a whole number >= 0, not {value!r}")
    if top is not None and value > top:
        raise OptionProblem(f"{name} must be at most {top}, not {value!r}")
    return value


def _seed(name: str, value: Any) -> int | None:
    return None if value is None else _integer(name, value)


def _clock(value: Any) -> ClockMode:
    from mock_oms.core.clock import ClockMode

    if value not in CLOCKS:
        raise OptionProblem(f"clock must be 'manual' or 'real', not {value!r}")
    return ClockMode(value)


def _credentials(value: Any) -> tuple[str, str]:
    from mock_oms.web.access import parse_credentials

    if isinstance(value, str):
        try:
            return parse_credentials(value)
        except ValueError as exc:
            raise OptionProblem(f"auth: {exc}") from None
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        user, password = value
        if user and ":" not in user:
            return user, password
    raise OptionProblem(f"auth must be 'USER:PASSWORD' or (USER, PASSWORD), not {value!r}")


def _changes(options: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """The ``Settings`` fields that the marker options change, checked."""
    changes: dict[str, Any] = {}
    if options.get("scenarios") is not None:
        changes["scenarios"] = _paths(options["scenarios"], base_dir)
    clock = options.get("clock")
    if options.get("speed") is not None:
        changes["speed"] = _number("speed", options["speed"])
        if clock is None:  # a speed means the clock runs
            clock = "real" if changes["speed"] > 0 else "manual"
    if clock is not None:
        changes["clock"] = _clock(clock)
    if "seed" in options:
        changes["seed"] = _seed("seed", options["seed"])
    if "journal_size" in options:
        changes["journal_size"] = _integer("journal_size", options["journal_size"])
    if "control_token" in options:
        token = options["control_token"]
        if token is not None and not (isinstance(token, str) and token):
            raise OptionProblem(f"control_token must be a non-empty string, not {token!r}")
        changes["control_token"] = token
    if options.get("auth") is not None:
        changes["auth"] = _credentials(options["auth"])
    return changes


def configure(base: Settings, request: pytest.FixtureRequest) -> Settings:
    """``base`` with the options of the test's ``mock_oms`` markers (the closest wins)."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail("@pytest.mark.mock_oms takes keyword arguments only", pytrace=False)
        options.update(marker.kwargs)
    if not options:
        return base
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        pytest.fail(
            f"@pytest.mark.mock_oms: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(OPTIONS)}",
            pytrace=False,
        )
    try:
        changes = _changes(options, request.path.parent)
    except OptionProblem as exc:
        problem = str(exc)
    else:
        settings = replace(base, **changes)
        # a configuration of its own needs a socket of its own
        return settings if settings == base else replace(settings, port=0)
    pytest.fail(f"@pytest.mark.mock_oms: {problem}", pytrace=False)


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
def mock_oms_seed() -> int | None:
    """Makes request IDs repeatable (they restart at every test's reset)."""
    return None


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
    from mock_oms.config import Settings

    try:
        settings = Settings(
            host=mock_oms_host,
            port=_integer("mock_oms_port", mock_oms_port, top=65535),
            scenarios=_paths(mock_oms_scenarios, pytestconfig.rootpath),
            clock=_clock(mock_oms_clock),
            speed=_number("mock_oms_speed", mock_oms_speed),
            seed=_seed("mock_oms_seed", mock_oms_seed),
            log_level="warning",
        )
    except OptionProblem as exc:
        problem = str(exc)
    else:
        return settings
    pytest.fail(f"mock-oms configuration fixtures: {problem}", pytrace=False)


# -- the fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mock_oms_servers() -> Iterator[Servers]:
    """The session's live servers (all stopped at the end of the session)."""
    servers = Servers()
    yield servers
    servers.close()


@pytest.fixture
def mock_oms(
    request: pytest.FixtureRequest, mock_oms_settings: Settings, mock_oms_servers: Servers
) -> Harness:
    """A live mock-oms server, reset for this test."""
    harness = mock_oms_servers.get(configure(mock_oms_settings, request))
    harness.reset()
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
