"""The V4 API's protocol: envelope, in-band errors, actions, the CreateProject rule, paging,
faults and recordings on the reads, the journal, credentials (in process, manual clock)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from servers import EPOCH, MakeClient

from mock_oms import schemas
from mock_oms.client import ControlClient
from mock_oms.config import DEFAULT_V4_SCENARIO, Settings, SettingsError
from mock_oms.core.library import assemble
from mock_oms.scenarios.loader import load_text
from mock_oms.web.app import MockOms

SUCCESS_KEYS = [
    "success",
    "errorDetail",
    "code",
    "message",
    "advice",
    "requestId",
    "pageNumber",
    "pageSize",
    "totalCount",
    "cost",
    "data",
]
ERROR_KEYS = {"code", "errorDetail", "message", "requestId", "success"}


def post(client: ControlClient, action: str | None, body: Any = None, **kwargs: Any) -> Any:
    url = "/api/v2" if action is None else f"/api/v2?Action={action}"
    return client.http.post(url, json=body if body is not None else {}, **kwargs)


def call(client: ControlClient, action: str, body: Any = None) -> Any:
    response = post(client, action, body)
    assert response.status_code == 200, response.text
    document = response.json()
    assert schemas.errors(schemas.V4_ACTIONS[action], document) == []
    return document


def data(client: ControlClient, action: str, body: Any = None) -> Any:
    document = call(client, action, body)
    assert document["success"] is True, document
    return document["data"]


def refused(client: ControlClient, action: str | None, body: Any = None, **kwargs: Any) -> Any:
    response = post(client, action, body, **kwargs)
    document = response.json()
    assert document["success"] is False, document
    assert set(document) == ERROR_KEYS  # advice, paging, cost, data absent, as real errors
    assert document["message"].startswith(f"[{document['code']}]: ")
    assert document["errorDetail"]["code"] == document["code"]
    assert document["errorDetail"]["requestId"] == document["requestId"]
    assert schemas.errors(schemas.V4_COMMON, document) == []
    return response.status_code, document


def created(client: ControlClient, **body: Any) -> str:
    project_id = data(client, "CreateProject", body)
    assert isinstance(project_id, str)
    return project_id


# -- the envelope -----------------------------------------------------------------------------


def test_a_success_is_the_v4_envelope_with_nulls_and_no_paging(client: ControlClient) -> None:
    document = call(client, "DescribeProjectProgress", {"id": "full-migration", "uid": "u1"})
    assert list(document) == SUCCESS_KEYS
    for key in ("errorDetail", "code", "message", "advice", "pageNumber", "pageSize"):
        assert document[key] is None
    assert document["totalCount"] is None
    assert document["cost"].endswith(" ms")
    progress = document["data"]
    assert progress["projectId"] == "full-migration"
    assert progress["currentStep"] == "TRANSFER_PRECHECK"
    assert progress["alarmLevel"] == "LOW"
    assert progress["incrSyncCheckpoint"] is None  # incremental sync not enabled
    assert progress["reverseIncrTransferCheckpoint"] is None


def test_the_trailing_slash_is_the_same_endpoint(client: ControlClient) -> None:
    response = client.http.post("/api/v2/?Action=DescribeProjectProgress", json={"id": "release"})
    assert response.json()["data"]["projectId"] == "release"


def test_an_unknown_action_is_refused_in_band_naming_the_supported_ones(
    client: ControlClient,
) -> None:
    status, document = refused(client, "DescribeEverything", {"id": "x"})
    assert status == 200
    assert document["code"] == "PARAM_ERROR"
    assert "DescribeEverything" in document["message"]
    for action in schemas.V4_ACTIONS:
        assert action in document["message"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "id"),
        ({"id": 7}, "id"),
        ({"id": "has space"}, "id"),
        ({"id": "ok", "uid": 3}, "uid"),
    ],
)
def test_a_malformed_body_is_a_param_error_saying_where(
    client: ControlClient, body: dict[str, Any], words: str
) -> None:
    status, document = refused(client, "DescribeProjectProgress", body)
    assert status == 200
    assert document["code"] == "PARAM_ERROR"
    assert words in document["message"]


def test_a_body_that_is_not_a_json_object_is_a_param_error(client: ControlClient) -> None:
    for content in (b"{not json", b"[1, 2]", b'"id"'):
        response = client.http.post("/api/v2?Action=StartProject", content=content)
        assert response.status_code == 200
        assert response.json()["code"] == "PARAM_ERROR"


def test_the_action_is_required(client: ControlClient) -> None:
    status, document = refused(client, None, {"id": "release"})
    assert (status, document["code"]) == (200, "PARAM_ERROR")
    assert "Action" in document["message"]


def test_only_post_is_allowed(client: ControlClient) -> None:
    response = client.http.get("/api/v2?Action=DescribeProjectProgress")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_a_path_below_the_endpoint_is_a_404(client: ControlClient) -> None:
    response = client.http.post("/api/v2/projects?Action=ListProjects", json={})
    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_a_body_over_a_mebibyte_is_a_413(client: ControlClient) -> None:
    response = client.http.post(
        "/api/v2?Action=ListProjects", content=b'{"searchKey": "' + b"x" * 1_100_000 + b'"}'
    )
    assert response.status_code == 413
    assert response.json()["success"] is False


def test_an_unknown_project_is_ghana_project000001_in_band(client: ControlClient) -> None:
    for action in ("DescribeProjectProgress", "DescribeProjectSteps", "StartProject"):
        status, document = refused(client, action, {"id": "np_nosuchthing"})
        assert status == 200
        assert "GHANA-PROJECT000001" in document["message"]  # what ODC looks for


def test_basic_credentials_guard_the_v4_api_as_they_guard_v3(make_client: MakeClient) -> None:
    _, client = make_client(auth=("oms", "s3cret"))
    response = post(client, "DescribeProjectProgress", {"id": "release"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert set(response.json()) == ERROR_KEYS
    good = post(client, "DescribeProjectProgress", {"id": "release"}, auth=("oms", "s3cret"))
    assert good.json()["success"] is True


# -- the lifecycle ----------------------------------------------------------------------------


def test_a_created_project_waits_in_init_for_its_start(client: ControlClient) -> None:
    project_id = created(client, name="full-migration")
    client.advance(3600)
    assert data(client, "DescribeProjectProgress", {"id": project_id})["status"] == "INIT"
    assert data(client, "StartProject", {"id": project_id}) is None
    assert data(client, "DescribeProjectProgress", {"id": project_id})["status"] == "RUNNING"
    client.advance(600)
    assert data(client, "DescribeProjectProgress", {"id": project_id})["status"] == "FINISHED"


def test_the_lifecycle_table_holds_in_band(client: ControlClient) -> None:
    project_id = created(client, name="incremental-sync")
    status, document = refused(client, "ReleaseProject", {"id": project_id})
    assert (status, document["code"]) == (200, "GHANA-OPERAT000001")
    assert "INIT" in document["message"]
    data(client, "StartProject", {"id": project_id})
    _, document = refused(client, "ReleaseProject", {"id": project_id})  # stop first
    assert "RUNNING" in document["message"]
    for action, status_after in [
        ("StopProject", "SUSPEND"),
        ("ResumeProject", "RUNNING"),
        ("StopProject", "SUSPEND"),
        ("ReleaseProject", "RELEASING"),
    ]:
        data(client, action, {"id": project_id})
        progress = data(client, "DescribeProjectProgress", {"id": project_id})
        assert progress["status"] == status_after, action
    client.advance(10)
    assert data(client, "DescribeProjectProgress", {"id": project_id})["status"] == "RELEASED"
    data(client, "DeleteProject", {"id": project_id})
    assert data(client, "DescribeProjectProgress", {"id": project_id})["status"] == "DELETED"


# -- CreateProject ----------------------------------------------------------------------------


def scenario_of(client: ControlClient, project_id: str) -> str:
    return client.project(project_id).scenario


def test_create_plays_the_scenario_the_name_or_a_label_names(client: ControlClient) -> None:
    assert scenario_of(client, created(client, name="release")) == "release"
    assert scenario_of(client, created(client, name="release~nightly")) == "release"
    labelled = created(client, name="odc_1", labelIds=["scenario:suspend-resume"])
    assert scenario_of(client, labelled) == "suspend-resume"
    assert scenario_of(client, created(client, name="odc_2", labelIds=["deleted"])) == "deleted"
    assert scenario_of(client, created(client, name="odc_3", labelIds=["l_42"])) == (
        DEFAULT_V4_SCENARIO
    )
    assert scenario_of(client, created(client)) == DEFAULT_V4_SCENARIO


def test_create_keeps_the_name_and_takes_an_id_when_given(client: ControlClient) -> None:
    project_id = created(client, id="np_mine0001", name="odc_osc_42")
    assert project_id == "np_mine0001"
    project = data(client, "DescribeProject", {"id": project_id})
    assert (project["id"], project["name"]) == (project_id, "odc_osc_42")
    assert project["type"] == "MIGRATION"
    _, document = refused(client, "CreateProject", {"id": "np_mine0001"})
    assert document["code"] == "PARAM_ERROR"


def test_create_refuses_a_label_naming_no_scenario_and_a_replay(client: ControlClient) -> None:
    _, document = refused(client, "CreateProject", {"labelIds": ["scenario:nope"]})
    assert "scenario:nope" in document["message"]
    _, document = refused(client, "CreateProject", {"name": "recorded-outage"})
    assert "recording" in document["message"]


def test_the_default_scenario_is_configurable(make_client: MakeClient) -> None:
    _, client = make_client(v4_scenario="release")
    assert scenario_of(client, created(client, name="odc_x")) == "release"
    _, missing = make_client(v4_scenario="not-loaded")
    _, document = refused(missing, "CreateProject", {"name": "odc_x"})
    assert "not-loaded" in document["message"]
    assert "--v4-scenario" in document["errorDetail"]["proposal"]
    with pytest.raises(SettingsError):
        Settings(v4_scenario="no spaces allowed")


def test_the_cli_takes_the_default_scenario_from_its_option_and_environment() -> None:
    from click.testing import CliRunner

    from mock_oms.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--v4-scenario" in result.output
    bad = CliRunner().invoke(main, ["serve", "--port", "0"], env={"MOCK_OMS_V4_SCENARIO": "a b"})
    assert bad.exit_code != 0
    assert "v4-scenario" in bad.output


# -- the reads --------------------------------------------------------------------------------


def test_list_projects_pages_and_filters(client: ControlClient) -> None:
    ids = [created(client, name=f"release~{n}") for n in range(5)]
    data(client, "StartProject", {"id": ids[0]})
    document = call(client, "ListProjects", {"pageNumber": 1, "pageSize": 2})
    assert (document["pageNumber"], document["pageSize"], document["totalCount"]) == (1, 2, 5)
    assert [p["id"] for p in document["data"]] == [ids[4], ids[3]]  # newest first
    second = call(client, "ListProjects", {"pageNumber": 3, "pageSize": 2, "order": "asc"})
    assert [p["id"] for p in second["data"]] == [ids[4]]
    running = call(client, "ListProjects", {"status": ["RUNNING"]})
    assert [p["id"] for p in running["data"]] == [ids[0]]
    assert call(client, "ListProjects", {"status": "INIT"})["totalCount"] == 4
    assert call(client, "ListProjects", {"searchKey": "RELEASE~3"})["totalCount"] == 1
    assert call(client, "ListProjects", {"type": "SYNC"})["totalCount"] == 0
    _, document = refused(client, "ListProjects", {"pageSize": 151})
    assert "pageSize" in document["message"]


def test_verification_results_follow_the_verifier(make_client: MakeClient) -> None:
    text = """
name: checked
kind: migration
flags: {struct: false, full: true, incr: true, verify: true}
rows: 1000
verification: {differences: 10}
timeline:
  - {status: RUNNING, step: FULL_MIGRATION, seconds: 10, progress: {full: [0, 100]}}
  - status: RUNNING
    step: INCR_SYNC
    seconds: 10
    steps: {FULL_VERIFIER: {status: RUNNING, progress: [0, 100]}}
  - {status: RUNNING, step: INCR_SYNC}
"""
    _, client = make_client(library=assemble([load_text(text)]))
    body = {"projectId": "checked"}
    before = data(client, "ListProjectFullVerifyResult", body)
    assert before == {"differentNumber": 0, "fullVerifyTableStatistics": []}
    client.advance(15)
    half = data(client, "ListProjectFullVerifyResult", body)
    assert half["differentNumber"] == 5
    assert half["fullVerifyTableStatistics"][0]["resultType"] == "RUNNING"
    client.advance(10)
    done = call(client, "ListProjectFullVerifyResult", body)
    assert done["totalCount"] == 1
    table = done["data"]["fullVerifyTableStatistics"][0]
    assert done["data"]["differentNumber"] == 10
    assert (table["mismatchedCount"], table["consistentCount"]) == (10, 990)
    assert (table["status"], table["resultType"]) == ("FINISHED", "INCONSISTENT")


def test_a_project_without_verification_has_no_result(client: ControlClient) -> None:
    result = data(client, "ListProjectFullVerifyResult", {"projectId": "full-migration"})
    assert result == {"differentNumber": 0, "fullVerifyTableStatistics": []}


def test_describe_project_says_what_the_calls_say(client: ControlClient) -> None:
    project_id = created(client, name="incremental-sync")
    data(client, "StartProject", {"id": project_id})
    client.advance(200)
    project = data(client, "DescribeProject", {"id": project_id})
    progress = data(client, "DescribeProjectProgress", {"id": project_id})
    assert project["status"] == progress["status"] == "RUNNING"
    assert project["importance"] == progress["alarmLevel"]
    assert project["steps"] == data(client, "DescribeProjectSteps", {"id": project_id})
    extra = project["extraInfo"]
    assert extra["runningStep"] == "INCR_TRANSFER"
    assert extra["monitoringIncr"] is True
    assert extra["incrSyncTimestamp"] == progress["incrSyncCheckpoint"]
    assert extra["syncDelay"] == int(EPOCH) + 200 - progress["incrSyncCheckpoint"] == 2


# -- faults, recordings, the journal ------------------------------------------------------------


def test_an_injected_status_fault_answers_in_the_v4_error_form(client: ControlClient) -> None:
    client.inject_fault({"status": {"code": 503, "body": "envelope"}}, project_id="release")
    response = post(client, "DescribeProjectProgress", {"id": "release"})
    assert response.status_code == 503
    assert set(response.json()) == ERROR_KEYS
    client.clear_faults()


def test_a_business_error_fault_is_in_band_and_actions_are_never_faulted(
    client: ControlClient,
) -> None:
    project_id = created(client, name="release")
    busy = {"error": {"code": "INNER_ERROR", "message": "busy"}}
    client.inject_fault(busy, project_id=project_id)
    _, document = refused(client, "DescribeProjectSteps", {"id": project_id})
    assert document["message"] == "[INNER_ERROR]: busy"
    assert data(client, "StartProject", {"id": project_id}) is None  # not faulted
    assert client.project(project_id).status == "RUNNING"


def test_a_deviation_declared_in_v3_names_reaches_the_v4_field(client: ControlClient) -> None:
    deviation = {"deviation": {"field": "data.fullMigrationProgress", "change": "out-of-range"}}
    client.inject_fault(deviation, project_id="full-migration", count=1)
    progress = post(client, "DescribeProjectProgress", {"id": "full-migration"}).json()["data"]
    assert progress["fullTransferProgress"] == 101
    fault = client.requests().entries[-1].fault
    assert fault == "deviation:out-of-range:data.fullMigrationProgress"


def test_a_recording_is_served_in_v4_names(client: ControlClient) -> None:
    first = data(client, "DescribeProjectProgress", {"id": "recorded-outage"})
    assert first["projectId"] == "recorded-outage"
    assert first["status"] == "INIT"
    assert first["currentStep"] == "TRANSFER_PRECHECK"
    client.advance(8.5)  # the recording's 502 gateway page
    response = post(client, "DescribeProjectProgress", {"id": "recorded-outage"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


def test_the_journal_keeps_the_action_and_counts_only_progress_as_polls(
    client: ControlClient,
) -> None:
    project_id = created(client, name="release")
    data(client, "StartProject", {"id": project_id})
    data(client, "DescribeProjectProgress", {"id": project_id})
    data(client, "DescribeProjectSteps", {"id": project_id})
    refused(client, "ResumeProject", {"id": project_id})
    entries = client.requests(project_id).entries
    assert [e.path for e in entries] == [
        "/api/v2?Action=CreateProject",
        "/api/v2?Action=StartProject",
        "/api/v2?Action=DescribeProjectProgress",
        "/api/v2?Action=DescribeProjectSteps",
        "/api/v2?Action=ResumeProject",
    ]
    assert entries[2].project_status == "RUNNING"
    assert entries[-1].code == "GHANA-OPERAT000001"
    polls = client.polls(project_id)
    assert (polls.count, polls.shown) == (1, 1)


def test_the_openapi_document_describes_every_action(app: MockOms, client: ControlClient) -> None:
    paths = client.http.get("/openapi.json").json()["paths"]
    for action in schemas.V4_ACTIONS:
        operation = paths[f"/api/v2?Action={action}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "_Request"
        )
        assert set(operation["responses"]) == {"200", "401", "405", "413", "500"}


def test_the_v4_schemas_inline_into_standalone_documents() -> None:
    for name in (*schemas.V4_ACTIONS.values(), schemas.V4_COMMON):
        document = schemas.standalone(name)
        assert "v4-common" not in str(document).replace(document["$id"], "")
        schemas.validator(name)  # a valid schema, every reference resolved


def test_an_unexpected_error_is_a_500_in_the_v4_form(
    client: ControlClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mock_oms.web import v4_actions

    def broken(*_: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setitem(v4_actions.ACTIONS, "ListProjects", broken)
    response = post(client, "ListProjects", {})
    assert response.status_code == 500
    assert response.json()["code"] == "INNER_ERROR"
    assert "boom" not in response.text


def test_a_live_server_serves_v4_over_a_socket(make_client: MakeClient) -> None:
    from mock_oms.serve.live import LiveServer

    with LiveServer(Settings(port=0, log_level="warning")) as server:
        response = httpx.post(
            f"{server.base_url}/api/v2?Action=DescribeProjectProgress", json={"id": "release"}
        )
    assert response.json()["data"]["projectId"] == "release"


def test_the_control_api_shows_the_step_list(client: ControlClient) -> None:
    project_id = created(client, name="full-transfer-failure")
    data(client, "StartProject", {"id": project_id})
    client.advance(100)
    project = client.project(project_id)
    steps = {step.name: step for step in project.steps}
    assert list(steps) == [
        "TRANSFER_PRECHECK",
        "TRANSFER_INCR_LOG_PULL",
        "FULL_TRANSFER",
        "INCR_TRANSFER",
        "TRANSFER_APP_SWITCH",
    ]
    full = steps["FULL_TRANSFER"]
    assert (full.v3_name, full.status, full.progress) == ("FULL_MIGRATION", "FAILED", 40)
    assert full.error_code == "CONNECTOR-READ-0003"
    assert project.status == "RUNNING"
    v4_steps = data(client, "DescribeProjectSteps", {"id": project_id})
    assert [(s["name"], s["status"], s["progress"]) for s in v4_steps] == [
        (s.name, s.status, s.progress) for s in project.steps
    ]
    summary = next(s for s in client.scenarios() if s.name == "online-schema-change")
    assert summary.flags["verify"] is True


@pytest.mark.parametrize("name", ["incremental-sync", "sync-project", "reverse-sync", "release"])
def test_one_story_two_dialects_over_http(client: ControlClient, name: str) -> None:
    """The same project polled through V3 and V4 at the same scenario times shows the same
    status, figures and checkpoints, each in its own names."""
    kind = client.scenarios()
    segment = "sync" if next(s for s in kind if s.name == name).kind == "sync" else "migrations"
    for _ in range(40):
        old = client.http.get(f"/api/omsp/v2/{segment}/{name}/progress").json()["data"]
        new = data(client, "DescribeProjectProgress", {"id": name})
        assert (new["status"], new["alarmLevel"]) == (old["status"], old["importance"])
        assert new["structTransferProgress"] == old["structMigrationProgress"]
        assert new["fullTransferProgress"] == old["fullMigrationProgress"]
        if new["enableIncrSync"]:
            assert new["incrSyncCheckpoint"] == int(old["incrSyncCheckpoint"])
        else:  # V3 shows 0, V4 null: no incremental sync
            assert (new["incrSyncCheckpoint"], int(old["incrSyncCheckpoint"])) == (None, 0)
        if segment == "migrations":
            assert new["reverseIncrTransferCheckpoint"] in (None, old["reverseIncrSyncCheckpoint"])
        steps = data(client, "DescribeProjectSteps", {"id": name})
        current = [s for s in steps if s["name"] == new["currentStep"]]
        assert len(current) == 1  # the step list names the progress call's current step
        client.advance(15)


def test_the_same_poll_body_again_is_answered_the_same_way(client: ControlClient) -> None:
    body = b'{"id":"release","uid":null}'
    first = client.http.post("/api/v2?Action=DescribeProjectProgress", content=body).json()
    again = client.http.post("/api/v2?Action=DescribeProjectProgress", content=body).json()
    assert first["data"] == again["data"]
    bad = b'{"id":"no good"}'
    for _ in range(2):  # a refused body is never remembered as good
        answer = client.http.post("/api/v2?Action=DescribeProjectProgress", content=bad).json()
        assert answer["code"] == "PARAM_ERROR"
