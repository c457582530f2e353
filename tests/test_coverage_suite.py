"""Exposure coverage, end to end (issue 16): a sample client suite that only follows the
happy path is told how little it saw and what would show it the rest; following the hints
shows what they promise; what the report says of the bundled scenarios is what playing them
shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import httpx
import pytest
from exposure_clients import FINAL, budget, follow, v3_poll, v4_poll

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.coverage.shows import scenario_shows
from mock_oms.faults.model import KINDS
from mock_oms.scenarios.loader import load_bundled
from mock_oms.web.app import MockOms, create_app
from mock_oms.web.control.models import CoverageOut
from mock_oms.web.delivery import STATUS_CODES

BUNDLED = sorted(scenario.name for scenario in load_bundled())


def _app(library: Library, **settings: Any) -> MockOms:
    config = Settings(clock=ClockMode.MANUAL, seed=3, delays_follow_clock=True, max_fault_delay=1.0)
    return create_app(replace(config, **settings), library=library)


class Server(NamedTuple):
    app: MockOms
    control: ControlClient
    http: httpx.Client  # the sample client's

    def sleep(self, seconds: float) -> None:
        """The sample client's sleep: the manual clock moves (straight, for speed)."""
        self.app.runtime.store.advance(seconds)


@pytest.fixture
def server(bundled: Library) -> Iterator[Server]:
    """A fresh in-process server (short timeouts: a hang ends as the client's timeout)."""
    app = _app(bundled)
    with ControlClient.in_process(app, timeout=2.0) as control:
        yield Server(app, control, control.http)


def run(server: Server, library: Library, name: str) -> None:
    """The sample suite on one scenario: a V3 and a V4 client follow it to its end."""
    kind = library.scenarios[name].kind
    for poll, suffix in ((v3_poll, "v3"), (v4_poll, "v4")):
        project = f"{name}~{suffix}"
        follow(
            server.http,
            project,
            server.sleep,
            poll=poll,
            kind=kind,
            budget=budget(library, name),
            until=FINAL,
        )


def never(report: CoverageOut) -> set[str]:
    return set(report.never_shown)


def test_a_happy_path_suite_is_told_what_it_never_saw_and_what_would_show_it(
    server: Server, bundled: Library
) -> None:
    control = server.control
    run(server, bundled, "full-migration")
    report = control.coverage()
    assert report.percent < 20
    missing = never(report)
    assert {"v3 status FAILED", "v3 status SUSPEND", "v4 status FAILED"} <= missing
    assert {f"{api} fault {kind}" for api in ("v3", "v4") for kind in KINDS.values()} <= missing
    assert {"v3 status FINISHED", "v4 step FINISHED", "v3 change RUNNING->FINISHED"}.isdisjoint(
        missing
    )
    hints = {e.key: e.hint for e in report.elements if e.hint is not None}
    assert set(hints) == missing  # every element never shown has a hint
    assert hints["v3 status SUSPEND"].scenario == "suspend-resume"

    # the sample suite, on each scenario the hints name: every element they named is shown
    suggested = {h.scenario for h in hints.values() if h.scenario and not h.actions}
    promised = {key for key, h in hints.items() if h.scenario in suggested and not h.actions}
    assert len(suggested) <= 12 and len(promised) > 40
    for name in sorted(suggested):
        run(server, bundled, name)
    after = control.coverage()
    assert promised.isdisjoint(never(after)), sorted(promised & never(after))
    assert after.shown >= report.shown + len(promised)


def test_following_the_other_hints_shows_what_they_promise(
    server: Server, bundled: Library
) -> None:
    """Hints that take an operator action, and faults to inject."""
    control, http = server.control, server.http
    report = control.coverage()
    acted = [e for e in report.elements if e.hint and e.hint.scenario and e.hint.actions]
    injected = [e for e in report.elements if e.hint and e.hint.fault is not None]
    assert {e.key for e in acted} >= {"v3 change SUSPEND->RELEASING", "v4 change RELEASED->DELETED"}
    assert {e.value for e in injected if e.category == "fault"} == {"hang", "close"}
    for n, element in enumerate(acted):
        hint = element.hint
        assert hint is not None and hint.scenario is not None
        poll = v3_poll if element.api == "v3" else v4_poll
        follow(
            http,
            f"{hint.scenario}~act{n}",
            server.sleep,
            poll=poll,
            kind=bundled.scenarios[hint.scenario].kind,
            budget=budget(bundled, hint.scenario) + 60,
            actions=[(a.action, a.when) for a in hint.actions],
            act=control.act,
            until=FINAL,
        )
        assert element.key not in never(control.coverage()), element.key
    for n, element in enumerate(injected):
        hint = element.hint
        assert hint is not None
        project = f"full-migration~inject{n}"
        control.inject_fault(hint.fault, project_id=project, count=1)
        poll = v3_poll if element.api == "v3" else v4_poll
        poll(http, project, bundled.scenarios["full-migration"].kind)
        assert element.key not in never(control.coverage()), element.key


def test_what_each_code_trigger_says_a_client_does_shows_its_code(bundled: Library) -> None:
    app = _app(bundled, auth=("user", "secret"))
    with ControlClient.in_process(app, auth=("user", "secret")) as control:
        http, auth = control.http, httpx.BasicAuth("user", "secret")
        triggers = {
            e.key: e.hint.trigger
            for e in control.coverage().elements
            if e.hint is not None and e.hint.trigger
        }
        v3 = "/api/omsp/v2/migrations"
        v4 = "/api/v2?Action="
        http.get(f"{v3}/a%2Fb/progress", auth=auth)  # PARAM_ERROR
        http.post(f"{v4}DescribeProjectProgress", json={}, auth=auth)
        http.get(f"{v3}/no-such-project/progress", auth=auth)  # GHANA-PROJECT000001
        http.post(f"{v4}DescribeProjectProgress", json={"id": "no-such-project"}, auth=auth)
        http.get("/api/omsp/v2/nothing", auth=auth)  # NOT_FOUND
        http.post("/api/v2/nothing", json={}, auth=auth)
        http.post(f"{v3}/full-migration/progress", auth=auth)  # METHOD_NOT_ALLOWED
        http.get(f"{v4}DescribeProjectProgress", auth=auth)
        http.get(f"{v3}/full-migration/progress")  # UNAUTHORIZED
        http.post(f"{v4}DescribeProjectProgress", json={"id": "full-migration"})
        control.advance(600)  # full-migration is FINISHED: it cannot be stopped
        http.post(f"{v4}StopProject", json={"id": "full-migration"}, auth=auth)
        http.post(f"{v4}ListProjects", content=b"{" + b" " * 1024 * 1024 + b"}", auth=auth)
        report = control.coverage()
    assert set(triggers).isdisjoint(report.never_shown), sorted(
        set(triggers) & set(report.never_shown)
    )
    assert "v4 code UNAUTHORIZED" in triggers  # with --auth it is in the space


@pytest.mark.parametrize("name", BUNDLED)
def test_what_a_scenario_shows_by_itself_is_what_playing_it_shows(
    name: str, bundled: Library
) -> None:
    """The hints read the scenarios rather than play them: playing each bundled one with
    the sample clients shows exactly what the reading says it shows by itself (an
    unknown-project poll aside, which the clients never make)."""
    app = _app(bundled)
    with ControlClient.in_process(app, timeout=2.0) as control:
        run(Server(app, control, control.http), bundled, name)
        report = control.coverage()
    shown = {e.key for e in report.elements if e.count} | {e.key for e in report.extra}
    claimed = {
        element.key
        for element, way in scenario_shows(bundled.scenarios[name], STATUS_CODES).items()
        if not way.actions
    }
    assert shown == claimed
