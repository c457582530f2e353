"""Server settings, built by the CLI (or by tests) and injected; never read from globals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mock_oms.clock import ClockMode
from mock_oms.faults import DEFAULT_MAX_DELAY
from mock_oms.store import DEFAULT_MAX_PROJECTS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8089


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
    access_log: bool = False
    max_fault_delay: float = DEFAULT_MAX_DELAY  # seconds: no fault delays or hangs longer

    @property
    def effective_speed(self) -> float:
        return 0.0 if self.clock is ClockMode.MANUAL else self.speed
