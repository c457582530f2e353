"""Server settings, built by the CLI, the pytest plugin or tests, and injected; never read
from globals. A :class:`Settings` checks itself when made: the bounds of every field are
stated once, in :data:`BOUNDS`, and the CLI's option types are made from them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from mock_oms.core.clock import MAX_SPEED, ClockMode
from mock_oms.core.store import DEFAULT_MAX_PROJECTS
from mock_oms.faults.injections import DEFAULT_MAX_INJECTIONS
from mock_oms.faults.model import DEFAULT_MAX_DELAY
from mock_oms.journal.requests import DEFAULT_SIZE

__all__ = [
    "BOUNDS",
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_HEADER_TIMEOUT",
    "DEFAULT_HOST",
    "DEFAULT_JOURNAL_SIZE",
    "DEFAULT_KEEP_ALIVE",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_PORT",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "DEFAULT_V4_SCENARIO",
    "LOG_LEVELS",
    "MAX_EPOCH",
    "MAX_WAIT",
    "Bound",
    "Settings",
    "SettingsError",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089
DEFAULT_JOURNAL_SIZE = DEFAULT_SIZE
DEFAULT_V4_SCENARIO = "online-schema-change"  # what a V4 CreateProject plays unless told
_SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_EPOCH = 1e11  # Unix seconds (the year 5138): checkpoints stay exact integers
MAX_WAIT = 86_400.0  # a day: the longest fault delay or summary interval
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

# The connection layer's limits (docs/reliability.md says what a client sees at each).
# ODC polls every 10 s with a 1 s connect and a 60 s read timeout: a poller sends its request
# at once and is never near these.
DEFAULT_KEEP_ALIVE = 5  # seconds an idle keep-alive connection stays open (uvicorn's own)
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds for a request's headers to arrive, from connect or idle
DEFAULT_BODY_TIMEOUT = 30.0  # seconds for its body to arrive, once the headers have
DEFAULT_MAX_CONNECTIONS = 1000  # open at once (kept below the descriptor limit)
DEFAULT_SHUTDOWN_TIMEOUT = 5  # seconds requests in flight get after SIGTERM or Ctrl-C
DEFAULT_MAX_BODY = 2 * 1024 * 1024  # bytes of a control call's JSON body


class Bound(NamedTuple):
    """The numbers a field takes: ``low`` to ``high`` (None: no bound); ``low_open``:
    ``low`` itself excluded; ``whole``: integers only."""

    low: float | None
    high: float | None = None
    low_open: bool = False
    whole: bool = False

    def problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, not {value!r}"
        if self.whole and not isinstance(value, int):
            return f"must be a whole number, not {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, not {value!r}"
        below = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        if below or (self.high is not None and value > self.high):
            return f"must be {self.describe()}, not {value!r}"
        return None

    def describe(self) -> str:
        low = "" if self.low is None else f"{'>' if self.low_open else '>='} {self.low:g}"
        high = "" if self.high is None else f"<= {self.high:g}"
        return " and ".join(part for part in (low, high) if part) or "any number"


BOUNDS: dict[str, Bound] = {
    "port": Bound(0, 65535, whole=True),
    "speed": Bound(0, MAX_SPEED, low_open=True),
    "seed": Bound(None, whole=True),
    "epoch": Bound(0, MAX_EPOCH),
    "max_projects": Bound(1, whole=True),
    "max_fault_delay": Bound(0, MAX_WAIT, low_open=True),
    "log_summary": Bound(0, MAX_WAIT),
    "journal_size": Bound(0, whole=True),
    "keep_alive_timeout": Bound(1, 3600, whole=True),
    "header_timeout": Bound(0, 3600, low_open=True),
    "body_timeout": Bound(0, 3600, low_open=True),
    "max_connections": Bound(1, 1_000_000, whole=True),
    "shutdown_timeout": Bound(0, 3600, whole=True),
    "max_body": Bound(1024, 1024**3, whole=True),
    "max_injections": Bound(1, 1_000_000, whole=True),
}


class SettingsError(ValueError):
    """Settings that cannot serve; ``problems`` names each field and why."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name} {reason}" for name, reason in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    scenarios: tuple[Path, ...] = ()  # empty: the bundled library
    clock: ClockMode = ClockMode.REAL
    speed: float = 1.0  # with the real clock: 1 is real time, N is N times faster
    seed: int | None = None  # makes request IDs (and seeded faults) repeatable
    epoch: float | None = None  # Unix time at scenario time 0 (default: when the server starts)
    max_projects: int = DEFAULT_MAX_PROJECTS
    log_level: str = "info"
    access_log: bool = False  # uvicorn's own access log: every request, at half the speed
    log_requests: bool = False  # a line each OMS request, written in batches from the journal
    log_summary: float = 10.0  # seconds between summary lines while requests arrive (0: none)
    journal_size: int = DEFAULT_JOURNAL_SIZE  # OMS requests kept by GET /_mock/requests
    # When set, every /_mock call but /_mock/health needs `Authorization: Bearer TOKEN`.
    control_token: str | None = field(default=None, repr=False)
    # When set, the OMS endpoints need HTTP Basic credentials (user, password).
    auth: tuple[str, str] | None = field(default=None, repr=False)
    max_fault_delay: float = DEFAULT_MAX_DELAY  # seconds: no fault delays or hangs longer
    # Under the manual clock, fault delays (latency, a rule's delay, a recording's) take no
    # real time: time stands still unless a test moves it. A hang still waits, for the
    # client's own timeout to fire. (The pytest plugin and check_client set it.)
    delays_follow_clock: bool = False
    # The scenario a V4 CreateProject plays when its name and labels name none.
    v4_scenario: str = DEFAULT_V4_SCENARIO
    keep_alive_timeout: int = DEFAULT_KEEP_ALIVE
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    shutdown_timeout: int = DEFAULT_SHUTDOWN_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY
    max_injections: int = DEFAULT_MAX_INJECTIONS  # fault injections active at once
    coverage: bool = True  # count what the clients were shown (GET /_mock/coverage)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SettingsError(problems)

    def problems(self) -> list[tuple[str, str]]:
        """Each field that cannot serve, and why."""
        found: list[tuple[str, str]] = []
        for name, bound in BOUNDS.items():
            value = getattr(self, name)
            if value is None and name in ("seed", "epoch"):
                continue
            if (reason := bound.problem(value)) is not None:
                found.append((name, reason))
        if not (isinstance(self.host, str) and self.host):
            found.append(("host", f"must be a non-empty address, not {self.host!r}"))
        if not all(isinstance(p, Path) for p in self.scenarios):
            found.append(("scenarios", "must be paths"))
        if self.clock not in (ClockMode.REAL, ClockMode.MANUAL):
            found.append(("clock", f"must be 'real' or 'manual', not {self.clock!r}"))
        if self.log_level not in LOG_LEVELS:
            found.append(("log_level", f"must be one of {', '.join(LOG_LEVELS)}"))
        if self.control_token is not None and not (
            isinstance(self.control_token, str) and self.control_token
        ):
            found.append(("control_token", "must be a non-empty string"))
        if self.auth is not None and not _credentials(self.auth):
            found.append(("auth", "must be (USER, PASSWORD) with a USER without ':'"))
        if not (isinstance(self.v4_scenario, str) and _SCENARIO_NAME.fullmatch(self.v4_scenario)):
            found.append(("v4_scenario", f"must be a scenario name, not {self.v4_scenario!r}"))
        return found

    @property
    def effective_speed(self) -> float:
        return 0.0 if self.clock is ClockMode.MANUAL else self.speed


def _credentials(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
        and bool(value[0])
        and ":" not in value[0]
    )
