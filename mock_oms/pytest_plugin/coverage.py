"""``--mock-oms-coverage``: the exposure coverage of a session, printed at its end.

Each server the session's fixtures used is asked for its report before it stops (a live
server when the session ends or when it is dropped for another; an in-process app when its
test ends); the reports are merged (:func:`mock_oms.coverage_view.merge`) and printed in
the terminal summary. ``--mock-oms-coverage-fail-under=PERCENT`` fails a session whose tests
passed when less was shown. Under pytest-xdist each worker sends its report to the
controller, which merges and prints them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_oms.harness import Harness
    from mock_oms.web.control.models import CoverageOut

__all__ = [
    "FAIL_UNDER_OPTION",
    "OPTION",
    "WORKER_KEY",
    "Collected",
    "add_options",
    "collect",
    "collected",
    "enabled",
    "finish",
    "node_down",
    "summary",
]

OPTION = "--mock-oms-coverage"
FAIL_UNDER_OPTION = "--mock-oms-coverage-fail-under"
WORKER_KEY = "mock_oms_coverage"  # a worker's reports, in workeroutput (pytest-xdist)


class Collected:
    """The reports of one session, and what became of them."""

    def __init__(self) -> None:
        self.reports: list[CoverageOut] = []
        self.problems: list[str] = []
        self.merged: CoverageOut | None = None
        self.failed = False


_KEY = pytest.StashKey[Collected]()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-oms")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="print which situations the session's mock-oms servers showed their clients "
        "(exposure coverage), and what would show the rest",
    )
    group.addoption(
        FAIL_UNDER_OPTION,
        type=float,
        default=None,
        metavar="PERCENT",
        help="fail the session when less than PERCENT of the situations were shown "
        f"(implies {OPTION})",
    )


def enabled(config: pytest.Config) -> bool:
    return bool(config.getoption(OPTION) or config.getoption(FAIL_UNDER_OPTION) is not None)


def collected(config: pytest.Config) -> Collected:
    found = config.stash.get(_KEY, None)
    if found is None:
        found = config.stash[_KEY] = Collected()
    return found


def collect(config: pytest.Config, harness: Harness) -> None:
    """Keep the report of the server behind ``harness`` (before it stops)."""
    if not enabled(config):
        return
    from mock_oms.client import ControlError

    try:
        report = harness.coverage()
    except ControlError as exc:  # --no-coverage, say
        collected(config).problems.append(str(exc))
    except Exception as exc:  # a server that no longer answers
        collected(config).problems.append(f"{type(exc).__name__}: {exc}")
    else:
        collected(config).reports.append(report)


def node_down(node: Any) -> None:
    """pytest-xdist: a worker's reports, merged into the controller's."""
    from mock_oms.web.control.models import CoverageOut

    sent = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if not sent:
        return
    mine = collected(node.config)
    mine.reports.extend(CoverageOut.model_validate(r) for r in sent["reports"])
    mine.problems.extend(sent["problems"])


def finish(session: pytest.Session) -> None:
    """At the end of the session: a worker sends its reports on; the controller (or a
    session without workers) merges them and fails the session under the threshold."""
    config = session.config
    if not enabled(config):
        return
    mine = collected(config)
    worker: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if worker is not None:
        worker[WORKER_KEY] = {
            "reports": [r.to_json() for r in mine.reports],
            "problems": mine.problems,
        }
        return
    if not mine.reports:
        return
    from mock_oms.coverage_view import fails_under, merge

    mine.merged = merge(mine.reports)
    threshold = config.getoption(FAIL_UNDER_OPTION)
    if threshold is not None and fails_under(mine.merged, threshold):
        mine.failed = True
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The merged report in the terminal summary."""
    if not enabled(config) or getattr(config, "workeroutput", None) is not None:
        return
    mine = collected(config)
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "mock-oms exposure coverage")
    for problem in mine.problems:
        write(f"a server gave no report: {problem}")
    if mine.merged is None:
        write("no mock-oms server served this session")
        return
    from mock_oms.coverage_view import render

    for line in render(mine.merged).splitlines():
        write(line)
    threshold = config.getoption(FAIL_UNDER_OPTION)
    if mine.failed:
        write(
            f"FAIL Required mock-oms exposure coverage of {threshold:g} % not reached: "
            f"{mine.merged.percent:.1f} %",
            red=True,
        )
    elif threshold is not None:
        write(f"Required mock-oms exposure coverage of {threshold:g} % reached.", green=True)
