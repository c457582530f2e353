"""``check_client``: generated cases served to a client under test, its conclusion checked,
a failure shrunk, saved and raised."""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.strategies import SearchStrategy

from mock_oms.client import progress_path
from mock_oms.testing.cases import Case, Outcome, check_case, client_cases
from mock_oms.testing.saved import DEFAULT_SAVE_DIR, save_case
from mock_oms.testing.server import Server, serve
from mock_oms.testing.target import ClientTarget, Driver


class ClientFailure(AssertionError):
    """The client mishandled a case. ``scenario_file`` replays the minimal one."""

    def __init__(self, case: Case, reason: str, scenario_file: Path, text: str) -> None:
        self.case = case
        self.reason = reason
        self.scenario_file = scenario_file
        super().__init__(
            f"the client failed: {reason}\n"
            f"minimal case saved to {scenario_file} (replay: mock-oms serve --scenarios "
            f"{scenario_file}):\n{text}"
        )


class _Abandoned(BaseException):
    """Raised inside a driver thread that overran its time limit."""


def _interrupt(thread: threading.Thread) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned)
        )


def _run_case(
    server: Server,
    drive: Driver,
    case: Case,
    *,
    max_polls: int,
    time_limit: float,
    poll_interval: float,
) -> str | None:
    """Serve ``case`` to the driver; why the client failed, or None when it did well."""
    check_case(case)
    server.cases_run[0] += 1
    n = server.cases_run[0]
    if case.missing:
        project_id = f"harness-missing-{n}"
    else:
        server.control.add_scenario(case.document())
        project_id = f"{case.scenario['name']}~{n}"
    target = ClientTarget(
        base_url=server.base_url,
        project_id=project_id,
        kind=case.kind,
        path=progress_path(case.kind, project_id),
        max_polls=max_polls,
        poll_interval=poll_interval,
        transport=server.transport,
    )
    outcome: list[Outcome] = []
    error: list[BaseException] = []
    done = threading.Event()  # the driver returned, or its client went over budget
    server.budget.watch(project_id, done)

    def run() -> None:
        try:
            outcome.append(drive(target))
        except _Abandoned:
            pass
        except BaseException as exc:
            error.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True, name=f"mock-oms-client-{n}")
    thread.start()
    done.wait(time_limit)
    timed_out = thread.is_alive()
    if timed_out:
        server.budget.closed.add(project_id)
        _interrupt(thread)
        thread.join(1.0)
    polls = server.budget.polls.get(project_id, 0)
    server.budget.closed.add(project_id)
    if polls > max_polls:
        return f"it kept polling: more than {max_polls} polls (the bound) for one project"
    if timed_out:
        return f"it did not return within {time_limit:g} s"
    if error:
        exc = error[0]
        return f"it raised {type(exc).__name__}: {exc}"
    truth = case.truth()
    if outcome[0] not in truth:
        said = sorted(repr(t) for t in truth)
        return f"it concluded {outcome[0]!r}; the truth is one of {', '.join(said)}"
    return None


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
    ``client_cases(max_faults=0)`` for none). ``live``: serve over a socket (a uvicorn
    thread on 127.0.0.1) instead of in process, for clients that cannot take an httpx
    transport. ``time_limit`` bounds each case, and every fault delay or hang with it.
    ``save_dir``: where the failing case is written (default ``./mock-oms-failures``).
    ``hypothesis_settings`` overrides the hypothesis settings (``max_examples`` and
    ``seed`` are shortcuts).
    """
    strategy = cases if cases is not None else client_cases()
    failures: list[tuple[Case, str]] = []
    with serve(live, max_polls, time_limit) as server:

        def attempt(case: Case) -> None:
            reason = _run_case(
                server,
                drive,
                case,
                max_polls=max_polls,
                time_limit=time_limit,
                poll_interval=poll_interval,
            )
            if reason is not None:
                failures.append((case, reason))
                raise AssertionError(reason)

        configured = hypothesis_settings or settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            report_multiple_bugs=False,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        test = configured(given(case=strategy)(attempt))
        if seed is not None:
            test = hypothesis_seed(seed)(test)
        try:
            test()
        except Exception:
            if not failures:
                raise
            case, reason = failures[-1]
            path, text = save_case(case, reason, save_dir or DEFAULT_SAVE_DIR)
            raise ClientFailure(case, reason, path, text) from None
