"""Exposure coverage (issue 16): the space, the counts, the report and its API.

The report's figures are checked against an independent count over the journal
(``GET /_mock/requests``), made here from the entries alone, under concurrent clients."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx
import pytest

from mock_oms.client import ControlClient, ControlError
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.errors import NotFound, ParamError
from mock_oms.core.kinds import Api, Kind
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import EDGES, Importance, Status
from mock_oms.core.steps import StepStatus
from mock_oms.coverage.elements import Category, Element
from mock_oms.coverage.hints import FAULT_EXAMPLES
from mock_oms.coverage.space import space_of
from mock_oms.coverage_view import fails_under, merge, render
from mock_oms.faults.model import KINDS
from mock_oms.faults.spec import parse_fault
from mock_oms.journal.exposure import Exposure
from mock_oms.scenarios.loader import load_text
from mock_oms.serve.live import LiveServer
from mock_oms.web.app import create_app
from mock_oms.web.control.models import CoverageOut, EntryOut
from mock_oms.web.delivery import STATUS_CODES

V3 = "/api/omsp/v2/migrations/{}/progress"
V4 = "/api/v2?Action={}"


def _client(library: Library, **settings: Any) -> ControlClient:
    config = Settings(clock=ClockMode.MANUAL, seed=5, **settings)
    return ControlClient.in_process(create_app(config, library=library))


def _keys(report: CoverageOut) -> dict[str, int]:
    return {e.key: e.count for e in [*report.elements, *report.extra] if e.count}


# -- the space ---------------------------------------------------------------------------------


def test_the_space_is_derived_from_the_tables(bundled: Library) -> None:
    space = space_of(bundled, auth=False, status_codes=STATUS_CODES)
    by: dict[tuple[Api, Category], list[str]] = {}
    for e in space.elements:
        by.setdefault((e.api, e.category), []).append(e.value)
    for api in Api:
        assert by[api, Category.STATUS] == [s.value for s in Status]
        assert by[api, Category.LEVEL] == [i.value for i in Importance]
        assert by[api, Category.FAULT] == list(dict.fromkeys(KINDS.values()))
        assert {f"{a.value}->{b.value}" for a, b in EDGES} <= set(by[api, Category.CHANGE])
        codes = set(by[api, Category.CODE])
        assert set(STATUS_CODES.values()) <= codes
        assert {"PARAM_ERROR", "GHANA-PROJECT000001", "NOT_FOUND", "INNER_ERROR"} <= codes
        assert "UNAUTHORIZED" not in codes  # the server requires no credentials
    assert by[Api.V4, Category.STEP] == [s.value for s in StepStatus]
    assert (Api.V3, Category.STEP) not in by
    assert "GHANA-OPERAT000001" in by[Api.V4, Category.CODE]  # V3 has no actions
    assert "GHANA-OPERAT000001" not in by[Api.V3, Category.CODE]
    with_auth = space_of(bundled, auth=True, status_codes=STATUS_CODES)
    assert Element(Api.V3, Category.CODE, "UNAUTHORIZED") in with_auth


def test_the_space_takes_what_the_scenarios_add(bundled: Library) -> None:
    """A code a scenario's fault sends, and a change a recording shows (a poller that
    missed RELEASING), join the space; the hint names the scenario."""
    odd = load_text(
        """
name: odd-error
kind: migration
flags: {struct: true, full: false}
faults:
  - {fault: {error: {code: GHANA-OPERIE000000}}, every: 2}
timeline:
  - {status: INIT, step: PRE_CHECK, seconds: 5}
  - {status: RUNNING, step: STRUCT_MIGRATION}
""",
        "odd.yaml",
    )
    jump = load_text(
        """
name: jump
kind: replay
endpoint: migration
mode: poll
entries:
  - {at: 0, body: {success: true, code: success, data: {status: FINISHED, importance: LOW}}}
  - {at: 1, body: {success: true, code: success, data: {status: RELEASED, importance: LOW}}}
""",
        "jump.yaml",
    )
    space = space_of(bundled.with_scenario(odd).with_scenario(jump), auth=False, status_codes={})
    code = Element(Api.V4, Category.CODE, "GHANA-OPERIE000000")
    change = Element(Api.V3, Category.CHANGE, "FINISHED->RELEASED")
    assert code in space and change in space
    assert space.hints[code].scenario == "odd-error"
    assert space.hints[change].scenario == "jump"
    assert change not in space_of(bundled, auth=False, status_codes={})


@pytest.mark.parametrize("kind", sorted(set(KINDS.values())))
def test_each_fault_kind_has_an_example_to_inject(kind: str) -> None:
    problems: list[Any] = []
    fault = parse_fault(FAULT_EXAMPLES[kind], (), tuple(Kind), problems)
    assert not problems
    assert KINDS[type(fault)] == kind


# -- the counts --------------------------------------------------------------------------------


def _add(exposure: Exposure, project: str | None, status: Status | None, **kw: Any) -> None:
    exposure.add(
        kw.get("wall", 1.0),
        kw.get("now", 0.0),
        project,
        kw.get("api", Api.V3),
        status,
        kw.get("level"),
        kw.get("steps"),
        kw.get("fault"),
        kw.get("code"),
    )


def test_a_change_is_counted_per_project_and_api() -> None:
    exposure = Exposure()
    _add(exposure, "p", Status.INIT)
    _add(exposure, "p", Status.RUNNING)
    _add(exposure, "p", Status.RUNNING, api=Api.V4)  # V4's first sighting: no change
    _add(exposure, "q", Status.RUNNING)
    _add(exposure, "p", None, fault="reset")  # shows no status: the last one stands
    _add(exposure, "p", Status.RUNNING)  # the same again: counted the quick way
    _add(exposure, "p", Status.SUSPEND)
    _add(exposure, "p", Status.RUNNING)  # back to what it showed twice in a row before
    _add(exposure, "p", Status.FINISHED)
    exposure.forget("p")  # the project was reset
    _add(exposure, "p", Status.INIT)
    changes = [k[4] for k in exposure.tallies().keys if k[4] is not None]
    assert changes == [
        ("INIT", "RUNNING"),
        ("RUNNING", "SUSPEND"),
        ("SUSPEND", "RUNNING"),
        ("RUNNING", "FINISHED"),
    ]


def test_marks_cut_the_count_and_stay_bounded() -> None:
    exposure = Exposure(max_segments=3)
    _add(exposure, "p", Status.INIT)
    first = exposure.mark(2.0, 1.0).number
    _add(exposure, "p", Status.RUNNING, wall=3.0)
    second = exposure.mark(4.0, 2.0).number
    _add(exposure, "p", Status.RUNNING, wall=5.0)
    assert exposure.tallies().responses == 3
    assert exposure.tallies(first).responses == 2
    assert exposure.tallies(second).responses == 1
    third = exposure.mark(6.0, 3.0).number  # four segments: the two oldest merge
    assert [m.number for m in exposure.marks()] == [second, third]
    with pytest.raises(NotFound, match="can no longer be asked for"):
        exposure.tallies(first)
    with pytest.raises(NotFound, match="the last one set is 3"):
        exposure.tallies(4)
    with pytest.raises(ParamError):
        exposure.tallies(-1)
    assert exposure.tallies().responses == 3  # merging loses no count
    assert exposure.tallies(second).keys  # nor a first sighting
    exposure.clear()
    assert exposure.tallies().responses == 0
    with pytest.raises(NotFound):
        exposure.tallies(third)


def test_past_the_bound_of_keys_a_sighting_is_counted_without_its_project() -> None:
    exposure = Exposure(max_keys=2)
    _add(exposure, "a", Status.INIT)
    _add(exposure, "b", Status.INIT)
    _add(exposure, "c", Status.INIT)
    _add(exposure, "d", Status.INIT)
    tallies = exposure.tallies()
    assert tallies.responses == 4 and tallies.folded == 2
    assert sum(t.seen for k, t in tallies.keys.items() if k[0] is None) == 2


# -- what a response shows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "shown"),
    [
        ("truncate", {"v3 fault truncate"}),  # cut short: nothing of the body
        ("reset", {"v3 fault reset"}),
        ("close", {"v3 fault close"}),
        ("not-json", {"v3 fault not-json"}),
        ({"latency": [1, 1]}, {"v3 fault latency", "v3 status INIT", "v3 level LOW"}),
        ({"status": 429}, {"v3 fault status", "v3 code TOO_MANY_REQUESTS"}),
        ({"status": 503}, {"v3 fault status"}),  # a gateway page: no envelope
        (
            {"deviation": {"field": "data.status", "change": "missing"}},
            {
                "v3 fault deviation",
                "v3 level LOW",
            },
        ),
        (
            {"deviation": {"field": "data.importance", "change": "null"}},
            {
                "v3 fault deviation",
                "v3 status INIT",
            },
        ),
    ],
)
def test_a_response_shows_what_reached_the_client(
    bundled: Library, fault: Any, shown: set[str]
) -> None:
    with _client(bundled, delays_follow_clock=True) as client:
        client.inject_fault(fault, project_id="full-migration", count=1)
        with contextlib.suppress(httpx.TransportError):
            client.poll("full-migration")
        assert set(_keys(client.coverage())) == shown


def test_a_head_request_shows_no_body(bundled: Library) -> None:
    with _client(bundled) as client:
        assert client.http.head(V3.format("full-migration")).status_code == 200
        client.inject_fault("reset", project_id="full-migration", count=1)
        with pytest.raises(httpx.TransportError):
            client.http.head(V3.format("full-migration"))
        assert _keys(client.coverage()) == {"v3 fault reset": 1}


def test_a_hang_shows_the_hang(bundled: Library) -> None:
    with _client(bundled) as client:
        client.inject_fault({"hang": 5}, project_id="full-migration", count=1)
        with pytest.raises(httpx.TimeoutException):
            client.http.get(V3.format("full-migration"), timeout=0.2)
        assert set(_keys(client.coverage())) == {"v3 fault hang"}


def test_resets_keep_the_coverage_and_show_no_change(bundled: Library) -> None:
    """A reset is not a status change: INIT after RUNNING is counted as no change; what was
    shown stays through the resets a test suite makes between tests."""
    with _client(bundled) as client:
        client.progress("full-migration")
        client.advance(15)
        client.progress("full-migration")
        client.reset("full-migration")
        client.progress("full-migration")
        client.reset(fresh=True)
        client.progress("full-migration")
        report = client.coverage()
        assert _keys(report) == {
            "v3 status INIT": 3,
            "v3 status RUNNING": 1,
            "v3 level LOW": 4,
            "v3 change INIT->RUNNING": 1,
        }
        client.clear_coverage()
        assert client.coverage().responses == 0


def test_v4_reads_show_statuses_levels_and_steps(bundled: Library) -> None:
    with _client(bundled) as client:
        for action in ("DescribeProjectProgress", "DescribeProjectSteps", "DescribeProject"):
            client.http.post(V4.format(action), json={"id": "online-schema-change"})
        client.http.post(V4.format("ListProjects"), json={})
        client.advance(200)
        client.http.post(V4.format("DescribeProjectSteps"), json={"id": "online-schema-change"})
        keys = _keys(client.coverage())
    assert keys == {
        "v4 status INIT": 2,  # the progress and the project (not the list of projects)
        "v4 level LOW": 2,
        "v4 step INIT": 3,  # each step list, once however many steps show it
        "v4 step FINISHED": 1,
        "v4 step MONITORING": 1,  # incremental transfer, caught up
        "v4 step RUNNING": 1,  # verification, beside it
    }


# -- the report against the journal ------------------------------------------------------------


def independent(entries: Iterable[EntryOut]) -> tuple[Counter[str], dict[str, float]]:
    """Each element's count and first time, from the journal's entries alone."""
    counts: Counter[str] = Counter()
    first: dict[str, float] = {}
    last: dict[tuple[str, str], str] = {}
    for e in sorted(entries, key=lambda e: e.seq):
        api = "v4" if e.path.startswith("/api/v2") else "v3"
        keys = []
        if e.project_status is not None:
            keys.append(f"{api} status {e.project_status}")
            if e.project_id is not None:
                before = last.get((e.project_id, api))
                if before is not None and before != e.project_status:
                    keys.append(f"{api} change {before}->{e.project_status}")
                last[e.project_id, api] = e.project_status
        if e.alert_level is not None:
            keys.append(f"{api} level {e.alert_level}")
        keys += [f"{api} step {s}" for s in e.step_statuses or ()]
        if e.fault is not None:
            keys.append(f"{api} fault {e.fault.split(':')[0]}")
        if e.success is False and e.code is not None:
            keys.append(f"{api} code {e.code}")
        for key in keys:
            counts[key] += 1
            first[key] = min(first.get(key, e.time), e.time)
    return counts, first


PROJECTS = (
    "full-migration",
    "flaky-network",
    "malformed-body",
    "rate-limited",
    "suspend-resume",
    "precheck-failure",
    "online-schema-change",
    "no-such-project",
)


def _v3_client(base_url: str, n: int) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as http:
        for i in range(120):
            project = f"{PROJECTS[i % len(PROJECTS)]}~c{n}"
            with contextlib.suppress(httpx.TransportError):
                http.get(V3.format(project))


def _v4_client(base_url: str, n: int) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as http:
        for i in range(60):
            project = f"{PROJECTS[i % len(PROJECTS)]}~c{n}"
            for action in ("DescribeProjectProgress", "DescribeProjectSteps"):
                with contextlib.suppress(httpx.TransportError):
                    http.post(V4.format(action), json={"id": project})


def test_the_report_equals_an_independent_count_over_the_journal_under_concurrent_clients(
    bundled: Library,
) -> None:
    settings = Settings(
        port=0, clock=ClockMode.MANUAL, seed=11, max_fault_delay=0.05, journal_size=100_000
    )
    with LiveServer(settings, library=bundled) as server, ControlClient(server.base_url) as oms:
        workers = [
            threading.Thread(target=target, args=(server.base_url, n))
            for n, target in enumerate([_v3_client, _v4_client] * 3)
        ]
        for worker in workers:
            worker.start()
        while any(w.is_alive() for w in workers):  # the stories move on meanwhile
            oms.advance(7)
        for worker in workers:
            worker.join()
        found = oms.requests()
        report = oms.coverage()
        mark = oms.mark_coverage().mark
        _v3_client(server.base_url, 9)  # one more client, after the mark
        since = oms.coverage(since=mark)
        after = oms.requests(after=found.total)
        project = oms.coverage("malformed-body~c0")
    assert found.dropped == 0 and report.responses == found.total == 6 * 120
    counts, first = independent(found.entries)
    assert _keys(report) == dict(counts)
    assert len(counts) > 40
    for e in [*report.elements, *report.extra]:
        if e.count:
            assert e.first is not None and e.first.time == first[e.key], e.key
    assert _keys(since) == dict(independent(after.entries)[0])
    mine = [e for e in found.entries if e.project_id == "malformed-body~c0"]
    assert _keys(project) == dict(independent(mine)[0])
    assert project.responses == len(mine)


# -- the API -----------------------------------------------------------------------------------


def test_the_api_refuses_a_mark_it_cannot_answer_for(bundled: Library) -> None:
    with _client(bundled) as client:
        with pytest.raises(ControlError) as caught:
            client.coverage(since=1)
        assert (caught.value.status, caught.value.code) == (404, "NOT_FOUND")
        assert client.mark_coverage().mark == 1
        assert [m.mark for m in client.coverage_marks()] == [1]
        assert client.coverage(since=1).since == 1
        assert client.http.get("/_mock/coverage", params={"since": -1}).status_code == 400
    with _client(bundled, coverage=False) as client:
        client.progress("full-migration")
        for call in (client.coverage, client.mark_coverage, client.clear_coverage):
            with pytest.raises(ControlError) as caught:
                call()
            assert caught.value.status == 409


# -- for people and CI -------------------------------------------------------------------------


def test_reports_of_several_servers_merge(bundled: Library) -> None:
    reports = []
    for project in ("full-migration", "suspend-resume"):
        with _client(bundled) as client:
            for _ in range(60):
                client.progress(project)
                client.advance(10)
            reports.append(client.coverage())
    merged = merge(reports)
    assert merged.responses == 120
    one, two = (_keys(r) for r in reports)
    assert _keys(merged) == dict(Counter(one) + Counter(two))
    assert "v3 status SUSPEND" not in merged.never_shown
    assert merged.shown == len(_keys(merged))
    assert merged.percent == round(100 * merged.shown / merged.total, 2)
    for e in merged.elements:
        assert (e.hint is None) == bool(e.count)
    text = render(merged)
    assert text.splitlines()[0] == (
        f"mock-oms exposure coverage: {merged.shown} of {merged.total} situations shown "
        f"({merged.percent:.1f} %), in 120 responses"
    )
    assert "  status  4/8   0/8" in text.splitlines()
    assert fails_under(merged, merged.percent + 0.01)
    assert not fails_under(merged, merged.percent)
