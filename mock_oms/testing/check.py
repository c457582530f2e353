"""``check_client``: generated cases served to a client under test, its conclusion checked,
a failure shrunk, saved and raised."""

from __future__ import annotations

import random
import traceback
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from mock_oms.testing.case import Case
from mock_oms.testing.cases import classics_of, client_cases
from mock_oms.testing.saved import DEFAULT_SAVE_DIR, save_case
from mock_oms.testing.server import serve
from mock_oms.testing.target import Driver
from mock_oms.testing.verdict import Verdict, run_case

__all__ = [
    "HARNESS_HEALTH_CHECKS",
    "HARNESS_SETTINGS",
    "SETTING_NAMES",
    "TRACEBACK_TITLE",
    "ClientFailure",
    "check_client",
    "client_traceback",
    "merged_settings",
]

# What the harness needs of hypothesis: no deadline (a case takes as long as the client),
# no example database (no .hypothesis/ folder in the working directory), one bug at a time.
HARNESS_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "report_multiple_bugs": False,
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
}
HARNESS_HEALTH_CHECKS = (HealthCheck.too_slow, HealthCheck.data_too_large)
TRACEBACK_TITLE = "Where the client raised it (most recent call last):"
SETTING_NAMES = (
    "backend",
    "database",
    "deadline",
    "derandomize",
    "max_examples",
    "phases",
    "print_blob",
    "report_multiple_bugs",
    "stateful_step_count",
    "suppress_health_check",
    "verbosity",
)


def client_traceback(error: BaseException) -> str:
    """The client's own frames of ``error``'s traceback (the harness's first frame left out)."""
    frames = traceback.extract_tb(error.__traceback__)[1:]
    lines = traceback.format_list(frames) + traceback.format_exception_only(error)
    return "".join(lines).rstrip("\n")


class ClientFailure(AssertionError):
    """The client mishandled a case. ``scenario_file`` replays the minimal one; ``error``
    is what the client raised, if it raised (also this exception's ``__cause__``);
    ``seed`` repeats the run: ``check_client(..., seed=seed)``."""

    def __init__(
        self,
        case: Case,
        reason: str,
        scenario_file: Path,
        text: str,
        *,
        error: BaseException | None = None,
        seed: int | None = None,
    ) -> None:
        self.case = case
        self.reason = reason
        self.scenario_file = scenario_file
        self.error = error
        self.seed = seed
        parts = [f"the client failed: {reason}"]
        parts.append(
            f"minimal case saved to {scenario_file} (replay: mock-oms serve --scenarios "
            f"{scenario_file}):\n{text}"
        )
        if seed is not None:
            parts.append(f"check_client(..., seed={seed}) serves the same cases again")
        super().__init__("\n".join(parts))


def merged_settings(max_examples: int, given_settings: settings | None) -> settings:
    """The harness's settings with ``given_settings`` over them: each value the caller
    changed from the current profile's wins, health checks suppressed by either stay
    suppressed, and the rest is the harness's."""
    ours = settings(
        max_examples=max_examples,
        suppress_health_check=list(HARNESS_HEALTH_CHECKS),
        **HARNESS_SETTINGS,
    )
    if given_settings is None:
        return ours
    profile = settings()
    changed = {
        name: getattr(given_settings, name)
        for name in SETTING_NAMES
        if getattr(given_settings, name) != getattr(profile, name)
    }
    checks = {*HARNESS_HEALTH_CHECKS, *given_settings.suppress_health_check}
    changed["suppress_health_check"] = sorted(checks, key=lambda c: c.value)
    return settings(ours, **changed)


def check_client(
    drive: Driver,
    *,
    live: bool = False,
    cases: SearchStrategy[Case] | None = None,
    max_examples: int = 50,
    max_polls: int = 50,
    time_limit: float = 10.0,
    poll_interval: float = 0.0,
    save_dir: Path | None = None,
    seed: int | None = None,
    hypothesis_settings: settings | None = None,
) -> None:
    """Serve generated cases to ``drive`` and raise :class:`ClientFailure` on the first
    (shrunk) case the client mishandles.

    ``cases``: what to serve (default :func:`client_cases`, faults included; give
    ``client_cases(max_faults=0)`` for none). The classic cases of a strategy made by
    :func:`client_cases` come first: one small case for each classic client bug.
    ``live``: serve over a socket (a uvicorn thread on 127.0.0.1) instead of in process,
    for clients that cannot take an httpx transport. ``time_limit`` bounds each case, and
    every fault delay or hang with it.
    ``save_dir``: where the failing case is written (default ``./mock-oms-failures``).
    ``seed``: the run's random seed (default: a fresh one, which a failure reports).
    ``hypothesis_settings`` adds to the harness's settings: what it changes wins.
    """
    strategy = cases if cases is not None else client_cases()
    configured = merged_settings(max_examples, hypothesis_settings)
    if seed is None and not configured.derandomize:
        seed = random.SystemRandom().getrandbits(32)
    failures: list[tuple[Case, Verdict]] = []
    known: dict[str, Verdict | None] = {}  # case -> verdict: a case is served once
    with serve(live, max_polls, time_limit) as server:

        def attempt(case: Case) -> None:
            key = repr(case)
            if key not in known:
                known[key] = run_case(
                    server,
                    drive,
                    case,
                    max_polls=max_polls,
                    time_limit=time_limit,
                    poll_interval=poll_interval,
                )
            verdict = known[key]
            if verdict is not None:
                failures.append((case, verdict))
                raise AssertionError(verdict.reason)

        test = given(case=strategy)(attempt)
        for classic in reversed(classics_of(strategy)):  # served first, in their order
            test = example(case=classic)(test)
        test = configured(test)
        if seed is not None:
            test = hypothesis_seed(seed)(test)
        try:
            test()
        except Exception:
            if not failures:
                raise
            case, verdict = failures[-1]
            where = ""
            if verdict.error is not None:
                where = f"{TRACEBACK_TITLE}\n{client_traceback(verdict.error)}"
            path, text = save_case(case, verdict.reason, save_dir or DEFAULT_SAVE_DIR, where)
            failure = ClientFailure(
                case, verdict.reason, path, text, error=verdict.error, seed=seed
            )
            raise failure from verdict.error
