"""Server settings, built by the CLI (or by tests) and injected; never read from globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mock_oms.core.clock import ClockMode
from mock_oms.core.store import DEFAULT_MAX_PROJECTS
from mock_oms.faults.model import DEFAULT_MAX_DELAY
from mock_oms.journal.requests import DEFAULT_SIZE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089
DEFAULT_JOURNAL_SIZE = DEFAULT_SIZE
MAX_EPOCH = 1e11  # Unix seconds (the year 5138): checkpoints stay exact integers


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

    @property
    def effective_speed(self) -> float:
        return 0.0 if self.clock is ClockMode.MANUAL else self.speed
