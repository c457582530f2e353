from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from servers import MakeClient

from mock_oms.client import ControlClient, ControlError
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.scenarios.loader import MAX_FILE_BYTES
from mock_oms.web.app import create_app

SCENARIO = """\
name: tiny
kind: migration
flags: {struct: false}
timeline:
  - {status: INIT, seconds: 1}
  - {status: RUNNING, step: FULL_MIGRATION, seconds: 10, progress: {full: [0, 100]}}
  - {status: FINISHED}
"""


def test_health_clock_and_advance(client: ControlClient) -> None:
    assert client.health()["status"] == "ok"
    clock = client.clock()
    assert (clock["now"], clock["mode"], clock["unixNow"]) == (0, "manual", 1_700_000_000)
    assert client.advance(12.5)["now"] == 12.5
    assert client.set_speed(60)["mode"] == "accelerated"
    assert client.set_speed(0)["mode"] == "manual"


@pytest.mark.parametrize(
    "body",
    [{"seconds": -1}, {"seconds": "soon"}, {}, {"seconds": 1, "x": 2}, {"seconds": True}],
)
def test_bad_clock_requests_are_400_envelopes(client: ControlClient, body: object) -> None:
    response = client.http.post("/_mock/clock/advance", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "PARAM_ERROR"
    assert client.clock()["now"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_mock/clock/advance", {"seconds": 1e308}),
        ("/_mock/clock/advance", {"seconds": 2e12}),
        ("/_mock/clock/speed", {"speed": 1e308}),
        ("/_mock/clock/speed", {"speed": 2e6}),
    ],
)
def test_the_clock_stays_within_bounds(client: ControlClient, path: str, body: object) -> None:
    # scenario time went to infinity: clock, journal and projects answered null
    for _ in range(2):
        response = client.http.post(path, json=body)
        assert (response.status_code, response.json()["code"]) == (400, "PARAM_ERROR")
    assert client.clock()["now"] == 0
    assert client.clock()["speed"] == 0


def test_a_body_that_is_not_json_is_a_400_envelope(client: ControlClient) -> None:
    response = client.http.post(
        "/_mock/clock/advance", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["code"]) == (400, "PARAM_ERROR")


@pytest.mark.parametrize(
    "path",
    ["/_mock/projects", "/_mock/clock/advance", "/_mock/projects/full-migration/actions/fail"],
)
def test_a_body_nested_too_deeply_is_a_param_error(client: ControlClient, path: str) -> None:
    # FastAPI answers it with HTTPException(400), which came out as HTTP_ERROR, advising
    # the client that mock-oms had a bug
    nested = b"[" * 100_000 + b"]" * 100_000
    response = client.http.post(path, content=nested, headers={"content-type": "application/json"})
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "PARAM_ERROR")
    assert "bug" not in body["advice"]


@pytest.mark.parametrize("path", ["/_mock/scenarios", "/_mock/faults"])
def test_a_body_larger_than_a_scenario_file_may_be_is_refused_unread(
    client: ControlClient, path: str
) -> None:
    # it was read whole and parsed, however large: the loader refuses files over 16 MiB
    huge = b"#" * (MAX_FILE_BYTES + 1)
    response = client.http.post(path, content=huge)
    assert (response.status_code, response.json()["code"]) == (413, "PARAM_ERROR")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds all the same
        for _ in range(17):
            yield b"#" * (1024 * 1024)

    response = client.http.post(path, content=chunks())
    assert (response.status_code, response.json()["code"]) == (413, "PARAM_ERROR")


def test_scenarios_are_listed_with_a_summary(client: ControlClient) -> None:
    listed = {s["name"]: s for s in client.scenarios()}
    assert listed["release"]["statuses"] == ["INIT", "RUNNING", "FINISHED", "RELEASING", "RELEASED"]
    assert listed["sync-project"]["kind"] == "sync"
    assert listed["full-migration"]["projects"] == ["np_4w3a0001"]


def test_a_scenario_loaded_at_run_time_is_served(client: ControlClient) -> None:
    assert client.add_scenario(SCENARIO)["name"] == "tiny"
    client.progress("tiny")
    client.advance(6)
    assert client.progress("tiny")["data"]["fullMigrationProgress"] == 50


def test_a_broken_scenario_is_refused_and_the_set_is_kept(client: ControlClient) -> None:
    before = client.scenarios()
    with pytest.raises(ControlError) as refused:
        client.add_scenario(SCENARIO.replace("FULL_MIGRATION", "INCR_SYNC"))
    assert refused.value.status == 422
    assert refused.value.code == "SCENARIO_INVALID"
    assert "<request body>:6: timeline[1].step" in refused.value.envelope["message"]
    assert client.scenarios() == before


def test_reload_is_all_or_nothing(tmp_path: Path) -> None:
    good = tmp_path / "tiny.yaml"
    good.write_text(SCENARIO)
    app = create_app(Settings(clock=ClockMode.MANUAL, scenarios=(tmp_path,)))
    with ControlClient.in_process(app) as client:
        assert [s["name"] for s in client.scenarios()] == ["tiny"]
        (tmp_path / "more.yaml").write_text(SCENARIO.replace("tiny", "more"))
        assert [s["name"] for s in client.reload_scenarios()] == ["more", "tiny"]
        good.write_text(SCENARIO.replace("status: FINISHED", "status: FINISHEDD"))
        with pytest.raises(ControlError) as refused:
            client.reload_scenarios()
        assert f"{good}:7:" in refused.value.envelope["message"]
        assert [s["name"] for s in client.scenarios()] == ["more", "tiny"]
        assert client.progress("tiny")["success"]


def test_projects_are_created_inspected_and_deleted(client: ControlClient) -> None:
    created = client.create("suspend-resume", "mine")
    assert (created["projectId"], created["status"], created["path"]) == (
        "mine",
        "INIT",
        "/api/omsp/v2/migrations/mine/progress",
    )
    client.advance(20)
    seen = client.project("mine")
    assert (seen["status"], seen["currentStep"], seen["scenarioTime"]) == (
        "RUNNING",
        "STRUCT_MIGRATION",
        20,
    )
    assert seen["events"] == [
        {
            "at": 5.0,
            "source": "script",
            "action": None,
            "from": "INIT",
            "to": "RUNNING",
            "phase": 1,
            "detail": "",
        }
    ]
    assert [p["projectId"] for p in client.projects()] == ["mine"]
    with pytest.raises(ControlError) as exists:
        client.create("suspend-resume", "mine")
    assert exists.value.status == 409
    client.delete("mine")
    with pytest.raises(ControlError) as gone:
        client.project("mine")
    assert (gone.value.status, gone.value.code) == (404, "GHANA-PROJECT000001")
    with pytest.raises(ControlError) as again:
        client.delete("mine")
    assert again.value.status == 404


@pytest.mark.parametrize("project_id", ["é", "x" * 129, "-dash", "a/b"])
def test_a_malformed_project_id_is_a_400(client: ControlClient, project_id: str) -> None:
    # PARAM_ERROR is answered in band (HTTP 200) on the OMS endpoints, and so it was here:
    # a client took the refusal for the created project
    with pytest.raises(ControlError) as refused:
        client.create("full-migration", project_id)
    assert (refused.value.status, refused.value.code) == (400, "PARAM_ERROR")
    assert client.projects() == []


def test_too_many_projects_is_a_400(make_client: MakeClient) -> None:
    _, client = make_client(max_projects=1)
    client.create("full-migration", "one")
    with pytest.raises(ControlError) as refused:
        client.create("full-migration", "two")
    assert (refused.value.status, refused.value.code) == (400, "PARAM_ERROR")


def test_unknown_scenario_is_a_404(client: ControlClient) -> None:
    with pytest.raises(ControlError) as refused:
        client.create("nope")
    assert (refused.value.status, refused.value.code) == (404, "NOT_FOUND")


def test_actions_answer_in_band(client: ControlClient) -> None:
    client.create("full-migration", "p")
    client.advance(60)
    refused = client.act("p", "release")
    assert (refused["success"], refused["code"]) == (False, "GHANA-OPERAT000001")
    assert "RUNNING" in refused["message"] and "stop, fail" in refused["message"]
    done = client.act("p", "stop", message="maintenance window")
    assert (done["success"], done["data"]["status"]) == (True, "SUSPEND")
    assert done["data"]["events"][-1]["detail"] == "maintenance window"
    assert client.progress("p")["data"]["status"] == "SUSPEND"
    failed = client.act("p", "resume")
    assert failed["data"]["status"] == "RUNNING"
    assert client.act("p", "fail", step="PRE_CHECK")["data"]["currentStep"] == "PRE_CHECK"
    assert client.act("p", "fail")["code"] == "GHANA-OPERAT000001"


def test_an_unknown_action_is_a_400(client: ControlClient) -> None:
    client.create("full-migration", "p")
    response = client.http.post("/_mock/projects/p/actions/explode")
    assert (response.status_code, response.json()["code"]) == (400, "PARAM_ERROR")


def test_reset_restarts_everything(client: ControlClient) -> None:
    client.create("full-migration", "p")
    client.progress("release")
    client.advance(100)
    assert client.reset()["reset"] == 2
    assert client.project("p")["scenarioTime"] == 0
    client.advance(10)
    client.reset("p")
    assert client.project("p")["scenarioTime"] == 0


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/_mock/projects", {"GET", "POST"}),
        ("PUT", "/_mock/projects/p1", {"GET", "DELETE"}),
        ("GET", "/_mock/scenarios/reload", None),  # routed: GET /_mock/scenarios/{name}
        ("DELETE", "/_mock/scenarios/reload", {"GET", "POST"}),
        ("PATCH", "/_mock/faults", {"GET", "POST", "DELETE"}),
    ],
)
def test_allow_names_every_method_of_the_path(
    client: ControlClient, method: str, path: str, allowed: set[str] | None
) -> None:
    # it named those of the first route whose path matched: "GET" for both
    # /_mock/projects (GET and POST) and /_mock/scenarios/reload (POST only)
    response = client.http.request(method, path)
    if allowed is None:
        assert response.status_code == 404
        return
    assert (response.status_code, response.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].split(", ")) == allowed


_SEGMENTS = st.one_of(
    st.sampled_from(["full-migration", "sync-project", "reload", "x~1", "..", "%2F", "%ff", ""]),
    st.text(max_size=12),
)
_KEYS = st.sampled_from(
    ["fault", "seconds", "speed", "count", "scenario", "projectId", "step", "importance", "name"]
)
_NUMBERS = st.one_of(
    st.sampled_from([math.nan, math.inf, 2.0, 503.0, 1e308, -1, 3, 2**63]),
    st.integers(-(2**70), 2**70),
    st.floats(),
)
_VALUES = st.recursive(
    st.none() | st.booleans() | _NUMBERS | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=10,
)
_FAULTS = st.one_of(
    st.sampled_from(["reset", "hang", {"status": 503}]),
    st.builds(lambda n: {"truncate": {"bytes": n}}, _NUMBERS),
    st.builds(lambda n: {"status": n}, _NUMBERS),
    st.builds(lambda n: {"latency": n}, _NUMBERS),
)
_INJECTIONS = st.fixed_dictionaries(
    {"fault": _FAULTS, "seconds": _NUMBERS},
    optional={"count": _NUMBERS, "probability": _NUMBERS},
)
_SCENARIOS = st.builds(
    lambda seconds, polls, full, fault: {
        "name": "fuzzed",
        "kind": "migration",
        "timeline": [
            {"status": "INIT", "seconds": seconds},
            {"status": "RUNNING", "step": "FULL_MIGRATION", "polls": polls, "progress": full},
            {"status": "RUNNING", "step": "FULL_MIGRATION", "progress": {"full": 100}},
        ],
        "faults": [{"fault": fault}],
    },
    _NUMBERS,
    _NUMBERS,
    st.builds(lambda a, b: {"full": [a, b]}, _NUMBERS, _NUMBERS) | st.just({"full": 50.0}),
    _FAULTS,
)
_ANY_BODY = st.one_of(
    st.none(),
    _VALUES.map(lambda v: json.dumps(v).encode()),  # NaN and Infinity included
    st.sampled_from([70, 990, 5000]).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from([b"a: &a [*a]", b"<<: *x", b"{name: x, kind: migration, timeline: 1}"]),
    st.binary(max_size=40),
)
# each path with the bodies that reach furthest into it, and any other body
_CALLS: dict[str, st.SearchStrategy[Any]] = {
    "/_mock/clock/advance": st.builds(lambda n: {"seconds": n}, _NUMBERS),
    "/_mock/clock/speed": st.builds(lambda n: {"speed": n}, _NUMBERS),
    "/_mock/scenarios": _SCENARIOS,
    "/_mock/scenarios/{}": _VALUES,
    "/_mock/projects": st.fixed_dictionaries({"scenario": _SEGMENTS, "projectId": _SEGMENTS}),
    "/_mock/projects/{}": _VALUES,
    "/_mock/projects/{}/actions/{}": st.fixed_dictionaries(
        {}, optional={"step": _VALUES, "message": _VALUES, "importance": _VALUES}
    ),
    "/_mock/projects/{}/reset": _VALUES,
    "/_mock/projects/{}/polls": _VALUES,
    "/_mock/projects/{}/faults": _INJECTIONS,
    "/_mock/faults": _INJECTIONS,
    "/_mock/reset": _VALUES,
    "/_mock/requests": _VALUES,
    "/_mock/coverage": _VALUES,
    "/_mock/coverage/marks": _VALUES,
    "/_mock/{}": _VALUES,
}


FAULT_STATUSES = {200, 408, 429, 500, 502, 503, 504}  # what a status fault may answer


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[ControlClient]:
    """One server for every fuzzed call (what one call leaves, the next one meets)."""
    app = create_app(Settings(clock=ClockMode.MANUAL, seed=1, max_fault_delay=0.01))
    with ControlClient.in_process(app) as client:
        yield client


@pytest.mark.parametrize("template", sorted(_CALLS))
def test_no_control_request_gets_a_500_or_a_bare_error(
    fuzzed: ControlClient, template: str
) -> None:
    """Every error of the control API is an envelope, and no answer holds NaN, whatever
    the method, path, query and body (schemathesis over /openapi.json agrees)."""
    client = fuzzed

    @settings(max_examples=50)
    @given(
        st.sampled_from(["POST"] * 5 + ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        st.tuples(_SEGMENTS, _SEGMENTS),
        st.one_of(_CALLS[template].map(lambda v: json.dumps(v).encode()), _ANY_BODY),
        st.dictionaries(
            st.sampled_from(["fresh", "project", "since", "after", "limit"]),
            st.text(max_size=6),
            max_size=2,
        ),
        st.sampled_from([None, "application/json", "text/plain", "application/yaml"]),
    )
    def check(
        method: str,
        segments: tuple[str, str],
        body: bytes,
        query: dict[str, str],
        content_type: str | None,
    ) -> None:
        path = template.format(*(quote(segment, safe="%~") for segment in segments))
        headers = {"content-type": content_type} if content_type else {}
        response = client.http.request(method, path, content=body, params=query, headers=headers)
        assert response.status_code < 500, (method, path, body, response.text[:300])
        if response.status_code >= 400:
            envelope = response.json()
            assert (envelope["success"], envelope["data"]) == (False, None)
            assert envelope["message"].startswith(f"[{envelope['code']}]: ")
        elif response.content:  # (a 204 has none)
            json.dumps(response.json(), allow_nan=False)  # never NaN or Infinity
        try:  # and the OMS endpoint still answers
            poll = client.http.get("/api/omsp/v2/migrations/fuzzed/progress")
        except httpx.TransportError:  # a fault the fuzzed scenario or injection asked for
            return
        if poll.status_code == 200 and poll.headers["content-type"] == "application/json":
            with contextlib.suppress(ValueError):  # a not-json fault
                json.dumps(poll.json(), allow_nan=False)
        else:
            assert poll.status_code in FAULT_STATUSES, poll.text[:300]
        assert b"unexpected error in mock-oms" not in poll.content

    check()


def test_the_control_prefix_answers_an_index_of_every_control_route(client: ControlClient) -> None:
    """The start-up banner links to /_mock: it used to be a 404."""
    response = client.http.get("/_mock")
    assert response.status_code == 200
    index = client.index()
    assert (index.docs, index.openapi) == ("/docs", "/openapi.json")
    listed = {(r.method, r.path) for r in index.routes}
    documented = {
        (method.upper(), path)
        for path, operations in client.http.get("/openapi.json").json()["paths"].items()
        if path.startswith("/_mock")
        for method in operations
    }
    assert listed == documented
    assert ("POST", "/_mock/clock/advance") in listed
    assert all(r.summary for r in index.routes)


@pytest.mark.parametrize(
    "path", ["/_mock/clock/advance", "/_mock/projects", "/_mock/faults", "/_mock/projects/p/faults"]
)
def test_a_form_body_is_refused_in_plain_words(client: ControlClient, path: str) -> None:
    """It said pydantic's `Input should be a valid dictionary or object ...`."""
    response = client.http.post(path, data={"seconds": "5"})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "Content-Type: application/json, not a form (application/x-www-form-urlencoded)" in (
        message
    )
    assert "Input should" not in message


@pytest.mark.parametrize(
    ("path", "body", "said"),
    [
        ("/_mock/clock/advance", {"seconds": -1}, "seconds must be >= 0"),
        ("/_mock/clock/speed", {"speed": 2e6}, "speed must be <= 1e+06"),
        (
            "/_mock/projects/full-migration/actions/fail",
            {"importance": "X"},
            "importance must be one of 'IGNORE', 'LOW', 'MEDIUM' or 'HIGH'",
        ),
        (
            "/_mock/projects/full-migration/actions/fail",
            {"message": "x" * 1001},
            "message must be at most 1000 characters",
        ),
        ("/_mock/projects/full-migration/actions/flail", None, "action must be one of 'start'"),
    ],
)
def test_refused_values_are_said_plainly(
    client: ControlClient, path: str, body: object, said: str
) -> None:
    response = client.http.post(path, json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"[PARAM_ERROR]: {said}")


def test_an_unknown_scenario_gets_a_did_you_mean(client: ControlClient) -> None:
    with pytest.raises(ControlError, match="no scenario named 'ful-migration'; did you mean"):
        client.create("ful-migration")
