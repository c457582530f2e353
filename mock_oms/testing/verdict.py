"""One case served to the driver, and the verdict on how its client did."""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from itertools import pairwise

from mock_oms.client import progress_path
from mock_oms.testing.case import Case, Outcome, check_case
from mock_oms.testing.server import CaseLog, Server
from mock_oms.testing.target import ClientTarget, Driver

__all__ = ["RETRY_AFTER_SLACK", "Verdict", "polling_problem", "run_case"]

RETRY_AFTER_SLACK = 0.01  # a client may come back this share of Retry-After early (rounding)


@dataclass(frozen=True)
class Verdict:
    """Why the client failed a case, and the exception it raised, if it did."""

    reason: str
    error: BaseException | None = None


class _Abandoned(BaseException):
    """Raised inside a driver thread that overran its time limit."""


def _interrupt(thread: threading.Thread) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned)
        )


def _too_slow(log: CaseLog, time_limit: float, poll_interval: float) -> str:
    polls = log.polls
    said = f"it did not return within {time_limit:g} s"
    if not polls:
        return f"{said}, and never polled"
    gaps = [b.arrived - (a.answered or a.arrived) for a, b in pairwise(polls)]
    longest = max(gaps, default=0.0)
    return (
        f"{said}: it polled {len(polls)} time(s), waiting up to {longest:.3g} s between "
        f"polls. The cases are counted in polls: wait target.poll_interval "
        f"({poll_interval:g} s) between polls, and wait through target.sleep(), which "
        "returns at once"
    )


def polling_problem(log: CaseLog) -> str | None:
    """A poll the client should not have made: after a settled status it was shown, or
    before the Retry-After it was sent had passed."""
    polls = log.polls
    for n, poll in enumerate(polls, 1):
        if poll.settled is not None and n < len(polls):
            more = len(polls) - n
            return (
                f"it kept polling after poll {n} showed {poll.settled}: "
                f"{more} more poll{'s' if more > 1 else ''}"
            )
    for n, (poll, after) in enumerate(pairwise(polls), 1):
        wait = poll.retry_after
        if wait and poll.answered is not None:
            waited = after.arrived - poll.answered
            if waited < wait * (1 - RETRY_AFTER_SLACK):
                return (
                    f"it ignored Retry-After: poll {n} was answered {poll.status} with "
                    f"Retry-After: {wait:g}, and poll {n + 1} came {waited:.3g} s later"
                )
    return None


def run_case(
    server: Server,
    drive: Driver,
    case: Case,
    *,
    max_polls: int,
    time_limit: float,
    poll_interval: float,
) -> Verdict | None:
    """Serve ``case`` to the driver; why the client failed, or None when it did well."""
    check_case(case)
    server.cases_run[0] += 1
    n = server.cases_run[0]
    if case.missing:
        project_id = f"harness-missing-{n}"
    else:
        server.control.add_scenario(case.document())
        project_id = f"{case.scenario['name']}~{n}"
    log = server.watch.log(project_id)
    target = ClientTarget(
        base_url=server.base_url,
        project_id=project_id,
        kind=case.kind,
        path=progress_path(case.kind, project_id),
        max_polls=max_polls,
        poll_interval=poll_interval,
        transport=server.transport,
        sleeper=log.sleep,
    )
    outcome: list[Outcome] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(drive(target))
        except _Abandoned:
            pass
        except BaseException as exc:
            error.append(exc)
        finally:
            log.done.set()

    thread = threading.Thread(target=run, daemon=True, name=f"mock-oms-client-{n}")
    thread.start()
    log.done.wait(time_limit)
    timed_out = thread.is_alive()
    log.closed = True  # any later poll of this project is over budget
    if timed_out:
        _interrupt(thread)
        thread.join(1.0)
    if len(log.polls) > max_polls:
        return Verdict(f"it kept polling: more than {max_polls} polls (the bound) for one project")
    if timed_out:
        return Verdict(_too_slow(log, time_limit, poll_interval))
    if error:
        exc = error[0]
        return Verdict(f"it raised {type(exc).__name__}: {exc}", exc)
    problem = polling_problem(log)
    if problem is not None:
        return Verdict(problem)
    truth = case.truth()
    if outcome[0] not in truth:
        said = sorted(repr(t) for t in truth)
        return Verdict(f"it concluded {outcome[0]!r}; the truth is one of {', '.join(said)}")
    return None
