"""The control API for faults: /_mock/faults and /_mock/projects/{id}/faults."""

from __future__ import annotations

import httpx
import pytest
from servers import MakeClient

from mock_oms.client import ControlClient, ControlError
from mock_oms.core.library import assemble
from mock_oms.scenarios.loader import load_text

PLAIN = """\
name: plain
kind: migration
timeline:
  - {status: RUNNING, step: FULL_MIGRATION, progress: {full: 40}}
"""


@pytest.fixture
def control(make_client: MakeClient) -> ControlClient:
    return make_client(library=assemble([load_text(PLAIN)]), seed=11)[1]


def test_inject_list_and_clear_a_project_fault(control: ControlClient) -> None:
    active = control.inject_fault({"status": 503}, project_id="plain", count=2, note="release")
    assert active["projectId"] == "plain"
    assert active["fault"] == "status:503"
    assert active["note"] == "release"
    listed = control.faults("plain")
    assert [a["id"] for a in listed] == [active["id"]]
    assert control.faults()["seed"] == 11
    assert control.clear_faults("plain") == 1
    assert control.faults("plain") == []


def test_a_project_that_will_start_at_its_first_poll_takes_faults(control: ControlClient) -> None:
    control.inject_fault("reset", project_id="plain~later", count=1)
    with pytest.raises(httpx.ReadError, match="reset by peer"):
        control.progress("plain~later")


def test_an_unknown_project_is_a_404_like_every_control_call(control: ControlClient) -> None:
    with pytest.raises(ControlError) as refused:
        control.inject_fault("reset", project_id="nope")
    assert (refused.value.status, refused.value.code) == (404, "GHANA-PROJECT000001")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"fault": {"status": 501}}, "fault"),
        ({"fault": "reset", "count": 0}, "count"),
        ({"fault": "reset", "extra": 1}, "extra"),
        ({}, "'fault' is a required property"),
        ({"fault": {"deviation": {"field": "data.nope", "change": "null"}}}, "no field"),
    ],
)
def test_bad_injections_are_refused(control: ControlClient, body: object, words: str) -> None:
    with pytest.raises(ControlError, match=words) as caught:
        control._call("POST", "/_mock/faults", json=body)
    assert caught.value.status == 400


def test_a_body_that_is_not_json_is_refused(control: ControlClient) -> None:
    with pytest.raises(ControlError, match="not JSON"):
        control._call("POST", "/_mock/faults", content="{")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"fault": "reset", "seconds": NaN}', "seconds: nan is not a finite number"),
        ('{"fault": {"latency": Infinity}}', "fault.latency: inf is not a finite number"),
        ('{"fault": {"truncate": {"bytes": 3.0}}}', "not of type 'integer'"),
        ('{"fault": {"status": 503.0}}', "fault"),
        ('{"fault": "reset", "count": 2.0}', "not of type 'integer'"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"fault": ' + "[" * 990 + "]" * 990 + "}", "nested"),
        (
            '{"fault": {"deviation": {"field": "data.status", "change": "value", "value": '
            + "[" * 100
            + "]" * 100
            + "}}}",
            "nested more than 64 levels deep",
        ),
    ],
)
@pytest.mark.parametrize("path", ["/_mock/faults", "/_mock/projects/plain/faults"])
def test_odd_numbers_and_deep_nesting_are_refused(
    control: ControlClient, path: str, content: str, words: str
) -> None:
    # each was a 500 (or a fault that crashed the poll it hit, or a NaN in the answer)
    with pytest.raises(ControlError, match=words) as caught:
        control._call("POST", path, content=content)
    assert (caught.value.status, caught.value.code) == (400, "PARAM_ERROR")
    assert control.faults()["active"] == []


def test_a_global_fault_hits_every_oms_request(control: ControlClient) -> None:
    control.inject_fault({"status": 503}, count=3)
    assert control.http.get("/api/omsp/v2/migrations/plain/progress").status_code == 503
    assert control.http.get("/api/omsp/v2/migrations/unknown/progress").status_code == 503
    assert control.http.get("/api/omsp/v2/nowhere").status_code == 503
    answer = control.http.get("/api/omsp/v2/migrations/unknown/progress")
    assert answer.status_code == 200
    assert answer.json()["code"] == "GHANA-PROJECT000001"


def test_a_fault_for_some_seconds_follows_scenario_time(control: ControlClient) -> None:
    active = control.inject_fault({"status": 500}, project_id="plain", seconds=30)
    assert active["secondsLeft"] == 30
    assert control.http.get("/api/omsp/v2/migrations/plain/progress").status_code == 500
    control.advance(29)
    assert control.http.get("/api/omsp/v2/migrations/plain/progress").status_code == 500
    control.advance(1)
    assert control.http.get("/api/omsp/v2/migrations/plain/progress").status_code == 200
    assert control.faults()["active"] == []


def test_delete_all_clears_project_faults_too(control: ControlClient) -> None:
    control.inject_fault("reset", project_id="plain")
    control.inject_fault({"status": 502})
    assert control.clear_faults() == 2
    assert control.progress("plain")["success"] is True


def test_openapi_describes_the_injection_body(control: ControlClient) -> None:
    doc = control.http.get("/openapi.json").json()
    post = doc["paths"]["/_mock/projects/{project_id}/faults"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"]
    assert "/_mock/faults" in doc["paths"]


def test_resets_clear_injected_faults(control: ControlClient) -> None:
    for project in ("plain~a", "plain~b"):
        control.progress(project)
        control.inject_fault({"status": 503}, project_id=project)
    control.reset("plain~a")
    assert control.faults("plain~a") == []
    assert len(control.faults("plain~b")) == 1
    control.inject_fault({"status": 502})
    control.reset()
    assert control.faults()["active"] == []
    assert control.progress("plain~b")["success"]


def test_after_a_fresh_reset_injected_faults_fall_as_on_a_new_server(
    control: ControlClient,
) -> None:
    # what the pytest plugin relies on before each test: the faults a test injects do not
    # depend on what earlier tests injected
    def pattern() -> list[int]:
        control.inject_fault({"status": 503}, project_id="plain", probability=0.5)
        seen = [control.http.get("/api/omsp/v2/migrations/plain/progress") for _ in range(30)]
        return [r.status_code for r in seen]

    first = pattern()
    control.inject_fault("reset", project_id="plain~other")
    control.reset(fresh=True)
    assert pattern() == first
    assert set(first) == {200, 503}
