"""A V4 client written from the documentation only (``v4_doc_client``) against a live
mock-oms: it creates, starts, follows through DescribeProjectProgress and
DescribeProjectSteps, and releases a project of every bundled scenario, and every response
it gets is valid against the published V4 schemas (the files of ``schemas/``, read with a
plain JSON Schema registry, not through mock-oms). The steps-deciding client (ODC's step
checker, paraphrased) reaches the verdicts the issue names.

Time is the mock's manual clock, moved through the control API between polls: nothing
here waits for real time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from servers import Live
from v4_doc_client import Client, OmsError, StepChecker, TransportError, Verdict

from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.library import Library
from mock_oms.serve.live import LiveServer

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
POLL = 20.0  # scenario seconds between two polls
SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("v4-*.schema.json"):
        document = json.loads(path.read_text("utf-8"))
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


REGISTRY = _registry()
ACTION_FILES = {
    "".join(part.title() for part in path.name.removesuffix(".schema.json")[3:].split("-")): path
    for path in SCHEMAS.glob("v4-*.schema.json")
    if path.name != "v4-common.schema.json"
}


def validator(action: str) -> Draft202012Validator:
    document = json.loads(ACTION_FILES[action].read_text("utf-8"))
    return Draft202012Validator(document, registry=REGISTRY)


VALIDATORS = {action: validator(action) for action in ACTION_FILES}


class Checked:
    """Every response the client got, checked against its action's published schema."""

    def __init__(self, *, text_allowed: bool = False) -> None:
        self.count = 0
        self.problems: list[str] = []
        self.text_allowed = text_allowed  # a gateway page is no answer of the API

    def __call__(self, action: str, status: int, document: Any) -> None:
        self.count += 1
        if document is None:
            if not self.text_allowed:
                self.problems.append(f"{action}: HTTP {status}, not JSON")
            return
        for error in VALIDATORS[action].iter_errors(document):
            self.problems.append(f"{action}: {error.json_path}: {error.message}")


USER, PASSWORD = "oms", "s3cret"


@pytest.fixture(scope="module")
def live(bundled: Library) -> Iterator[Live]:
    """A live server requiring HTTP Basic credentials on the OMS APIs, as a private
    deployment of OMS does."""
    settings = Settings(
        port=0,
        clock=ClockMode.MANUAL,
        seed=7,
        max_fault_delay=0.01,
        auth=(USER, PASSWORD),
        log_level="warning",
    )
    with LiveServer(settings, library=bundled) as running:
        server = Live(running.app, running.base_url)
        yield server
    kept = _CONTROL.pop(server.base_url, None)
    if kept is not None:
        kept.close()


_CONTROL: dict[str, httpx.Client] = {}


def control(live: Live) -> httpx.Client:
    """One kept-alive connection to the control API per server."""
    if live.base_url not in _CONTROL:
        _CONTROL[live.base_url] = httpx.Client(base_url=live.base_url)
    return _CONTROL[live.base_url]


def advance(live: Live, seconds: float) -> float:
    """Move the mock's clock; the Unix time it shows now."""
    clock = control(live).post("/_mock/clock/advance", json={"seconds": seconds}).json()
    return float(clock["unixNow"])


def unix_now(live: Live) -> float:
    return float(control(live).get("/_mock/clock").json()["unixNow"])


def follow(client: Client, live: Live, project_id: str, budget: float) -> list[str]:
    """Start the project and poll it until it settles or ``budget`` scenario seconds pass;
    the statuses seen."""
    client.start(project_id)
    seen: list[str] = []
    waited = 0.0
    while True:
        progress = client.progress(project_id)
        steps = client.steps(project_id)
        status = progress.get("status")  # a broken body (a deliberate fault) says nothing
        if isinstance(status, str):
            assert progress["projectId"] == project_id
            assert [s["order"] for s in steps] == sorted(s["order"] for s in steps)
            if not seen or seen[-1] != status:
                seen.append(status)
        if status in SETTLED or waited >= budget:
            return seen
        advance(live, POLL)
        waited += POLL


def plain_scenarios(bundled: Library) -> list[str]:
    return sorted(s.name for s in bundled if s.plain)


def test_the_bundled_scenarios_include_the_v4_ones(bundled: Library) -> None:
    names = set(plain_scenarios(bundled))
    assert {"online-schema-change", "full-transfer-failure-recovers", "full-transfer-failure"} <= (
        names
    )


@pytest.mark.timeout(300)
def test_a_documented_client_runs_every_plain_scenario_with_valid_responses(
    live: Live, bundled: Library
) -> None:
    checked = Checked()
    anonymous = Client(live.base_url, retries=0)
    with pytest.raises(TransportError, match="401"):  # no credentials, no answer
        anonymous.progress("full-migration")
    anonymous.close()
    client = Client(live.base_url, USER, PASSWORD, observe=checked)
    try:
        for name in plain_scenarios(bundled):
            scenario = bundled.scenarios[name]
            budget = (scenario.duration or 600.0) + 4 * POLL
            project_id = client.create_project(name)
            assert project_id.startswith("np_"), project_id
            assert client.progress(project_id)["status"] == "INIT"  # waits for its start
            seen = follow(client, live, project_id, budget)
            assert seen[0] in ("RUNNING", "INIT"), (name, seen)
            described = client.describe(project_id)
            assert described["name"] == name
            assert described["steps"] == client.steps(project_id)
            client.release_fully(project_id)
            advance(live, 60)
            assert client.progress(project_id)["status"] in ("RELEASED", "DELETED"), name
    finally:
        client.close()
    assert checked.count > 300
    assert checked.problems == []


@pytest.mark.timeout(300)
def test_a_documented_client_gets_through_the_faulty_scenarios(
    live: Live, bundled: Library
) -> None:
    """Faults reach the reads (503 pages, resets, 429s, slow and broken bodies): a client
    that retries as documented still creates, follows and releases. Every answer it could
    parse is valid, except the deliberate deviations the journal marks."""
    checked = Checked(text_allowed=True)

    # a retry waits 10 s of scenario time: the outage lasts two minutes
    def wait(_: float) -> None:
        advance(live, 10.0)

    client = Client(live.base_url, USER, PASSWORD, observe=checked, retries=30, wait=wait)
    faulty = sorted(s.name for s in bundled if not s.plain and s.replay is None)
    assert faulty
    try:
        for name in faulty:
            project_id = client.create_project(name)
            follow(client, live, project_id, 600.0)
            client.release_fully(project_id)
    finally:
        client.close()
    deviations = sum(
        1
        for entry in httpx.get(f"{live.base_url}/_mock/requests").json()["entries"]
        if (entry["fault"] or "").startswith(("deviation", "not-json", "truncate"))
    )
    assert len(checked.problems) <= deviations, checked.problems[:5]


def test_a_recording_cannot_be_created_but_is_read_in_v4_names(
    live: Live, bundled: Library
) -> None:
    client = Client(live.base_url, USER, PASSWORD, retries=0)
    with pytest.raises(OmsError) as refused:
        client.create_project("recorded-outage")
    assert refused.value.code == "PARAM_ERROR"
    try:
        data = client.progress("recorded-outage")
    except TransportError:
        data = None  # the recording begins... or not: only its first entry is a body
    assert data is None or data["projectId"] == "recorded-outage"
    client.close()


# -- the steps-deciding client ----------------------------------------------------------------


def decide(
    live: Live, scenario: str, *, verify: bool, budget: float = 900.0, name: str | None = None
) -> tuple[Verdict, list[Verdict]]:
    """Run ODC's step checker on a fresh project of ``scenario`` until it decides."""
    client = Client(live.base_url, USER, PASSWORD)
    checker = StepChecker(enable_full_verify=verify, now=lambda: unix_now(live))
    project_id = client.create_project(name or scenario)
    client.start(project_id)
    verdicts: list[Verdict] = []
    waited = 0.0
    try:
        while waited <= budget:
            verdict = checker.check(client.progress(project_id), client.steps(project_id))
            verdicts.append(verdict)
            if verdict.status != "RUNNING":
                return verdict, verdicts
            advance(live, 10.0)  # ODC polls every 10 s
            waited += 10.0
        raise AssertionError(f"{scenario}: no verdict in {budget} s: {verdicts[-1]}")
    finally:
        client.release_fully(project_id)
        client.close()


@pytest.mark.parametrize("verify", [True, False])
def test_odc_reaches_done_on_online_schema_change(live: Live, verify: bool) -> None:
    # the default scenario: ODC names its projects odc_<uuid>
    verdict, verdicts = decide(live, "online-schema-change", verify=verify, name="odc_3f2a")
    assert verdict.status == "DONE"
    assert verdict.percentage == pytest.approx(90.0)  # 10 + 80, or 10 + 40 + 40
    assert len(verdicts) > 5  # it did not decide at once: the story took its time
    assert all(a.percentage <= b.percentage for a, b in itertools.pairwise(verdicts))


def test_odc_tolerates_the_failed_full_transfer_that_recovers(live: Live) -> None:
    verdict, verdicts = decide(live, "full-transfer-failure-recovers", verify=False)
    assert verdict.status == "DONE"
    failing = [v for v in verdicts if v.error is not None]
    assert failing, "the checker never saw FULL_TRANSFER fail"
    assert all(v.status == "RUNNING" for v in failing)
    assert "connection reset" in (failing[0].error or "")


def test_odc_gives_up_on_the_full_transfer_that_stays_failed(live: Live) -> None:
    verdict, verdicts = decide(live, "full-transfer-failure", verify=False)
    assert verdict.status == "FAILED"
    assert "GEOMETRY" in (verdict.error or "")
    failing = [v for v in verdicts if v.error is not None]
    # tolerated for two minutes (polled every 10 s), then failed
    assert len(failing) >= 12
    assert all(v.status == "RUNNING" for v in failing[:-1])


def test_odc_fails_on_a_failed_precheck_with_its_message(live: Live) -> None:
    verdict, _ = decide(live, "precheck-failure", verify=False)
    assert verdict.status == "FAILED"
    assert "CREATE privilege" in (verdict.error or "")
