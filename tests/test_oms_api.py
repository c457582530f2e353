from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from documented import MIGRATION_DATA_FIELDS, SYNC_DATA_FIELDS
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_oms import schemas
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.kinds import Kind
from mock_oms.web.app import MockOms, create_app
from mock_oms.web.oms_api import match

MIGRATION = "/api/omsp/v2/migrations/{}/progress"
SYNC = "/api/omsp/v2/sync/{}/progress"

ENVELOPE_KEYS = [
    "success",
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


def get(client: ControlClient, path: str, method: str = "GET") -> tuple[int, dict[str, Any]]:
    response = client.http.request(method, path)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def test_a_migration_project_answers_every_documented_field(client: ControlClient) -> None:
    status, body = get(client, MIGRATION.format("full-migration"))
    assert status == 200
    assert list(body) == ENVELOPE_KEYS
    assert list(body["data"]) == list(MIGRATION_DATA_FIELDS)
    assert (body["success"], body["pageNumber"], body["pageSize"], body["totalCount"]) == (
        True,
        1,
        1,
        1,
    )
    assert schemas.errors(schemas.MIGRATION_PROGRESS, body) == []


def test_a_sync_project_has_its_own_fields_and_a_text_checkpoint(client: ControlClient) -> None:
    client.advance(60)
    get(client, SYNC.format("sync-project"))
    client.advance(120)
    _status, body = get(client, SYNC.format("sync-project"))
    assert list(body["data"]) == list(SYNC_DATA_FIELDS)
    # the clock shows epoch + 180 now; the checkpoint follows it one second behind
    assert body["data"]["incrSyncCheckpoint"] == str(1_700_000_000 + 180 - 1)
    assert schemas.errors(schemas.SYNC_PROGRESS, body) == []


def test_request_ids_are_fresh_and_repeatable_with_a_seed() -> None:
    def ids(seed: int) -> list[str]:
        app = create_app(Settings(clock=ClockMode.MANUAL, seed=seed))
        with ControlClient.in_process(app) as c:
            return [c.progress("full-migration")["requestId"] for _ in range(5)]

    first, again, other = ids(1), ids(1), ids(2)
    assert len(set(first)) == 5
    assert first == again
    assert first != other


def test_an_unknown_project_is_an_in_band_error(client: ControlClient) -> None:
    status, body = get(client, MIGRATION.format("no-such-project"))
    assert status == 200
    assert (body["success"], body["code"], body["data"]) == (False, "GHANA-PROJECT000001", None)
    assert body["message"].startswith("[GHANA-PROJECT000001]: ")
    assert body["advice"]
    assert schemas.errors(schemas.MIGRATION_PROGRESS, body) == []


@pytest.mark.parametrize("project_id", ["full-migration", "incremental-sync"])
def test_a_migration_project_is_unknown_on_the_sync_endpoint(
    client: ControlClient, project_id: str
) -> None:
    body = get(client, SYNC.format(project_id))[1]
    assert body["code"] == "GHANA-PROJECT000001"
    # the advice says where it is served
    assert body["advice"] == (
        f"'{project_id}' exists as a migration project: poll it at "
        f"/api/omsp/v2/migrations/{project_id}/progress"
    )
    client.progress(project_id)  # started: the same advice
    assert get(client, SYNC.format(project_id))[1]["advice"] == body["advice"]


def test_a_misspelt_scenario_in_a_project_id_gets_a_did_you_mean(client: ControlClient) -> None:
    body = get(client, MIGRATION.format("ful-migration~a"))[1]
    assert body["code"] == "GHANA-PROJECT000001"
    assert body["advice"].startswith("No scenario named 'ful-migration'; did you mean")
    assert "'full-migration'" in body["advice"]
    plain = get(client, MIGRATION.format("qqqqq"))[1]  # nothing close: the usual advice
    assert "did you mean" not in plain["advice"]


# (a bare ".." is resolved away by the HTTP client itself; the raw fuzz below sends it)
@pytest.mark.parametrize(
    "raw",
    [
        "",
        "%20",
        "a%2Fb",
        "a/b",
        "%2E%2E",
        "%2E%2E%2Ffull-migration",
        "x" * 129,
        "%C3%A9t%C3%A9",
        "%ff",
        "a%00b",
        "*",
        "a;b",
    ],
)
def test_malformed_ids_are_param_errors(client: ControlClient, raw: str) -> None:
    status, body = get(client, MIGRATION.format(raw))
    assert (status, body["code"], body["success"]) == (200, "PARAM_ERROR", False), body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_with_405_and_allow(client: ControlClient, method: str) -> None:
    response = client.http.request(method, MIGRATION.format("full-migration"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_head_answers_headers_only(client: ControlClient) -> None:
    response = client.http.head(MIGRATION.format("full-migration"))
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 100


@pytest.mark.parametrize(
    "path",
    [
        "/api/omsp/v2/migrations/x",
        "/api/omsp/v3/migrations/x/progress",
        "/api/omsp/",
        "/nothing",
        "/_mock/nothing",
        "/",
    ],
)
def test_unknown_paths_are_404_envelopes(client: ControlClient, path: str) -> None:
    status, body = get(client, path)
    assert (status, body["code"], body["success"], body["data"]) == (404, "NOT_FOUND", False, None)


def test_a_query_string_is_ignored(client: ControlClient) -> None:
    status, body = get(client, MIGRATION.format("full-migration") + "?verbose=1&x=%2F")
    assert (status, body["success"]) == (200, True)


def test_an_unexpected_error_is_an_inner_error_envelope(
    app: MockOms, client: ControlClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.runtime.store, "poll", boom)
    status, body = get(client, MIGRATION.format("full-migration"))
    assert (status, body["code"], body["success"]) == (500, "INNER_ERROR", False)
    assert "boom" not in json.dumps(body) and "Traceback" not in json.dumps(body)


def test_every_response_of_every_bundled_story_is_valid(client: ControlClient) -> None:
    # the scenarios that misbehave on purpose (faults, replays) are tested in test_delivery
    kinds = {s["name"]: s["kind"] for s in client.scenarios() if s["plain"]}
    for _ in range(60):
        for name, kind in kinds.items():
            body = client.progress(name, kind)
            name_ = schemas.MIGRATION_PROGRESS if kind == "migration" else schemas.SYNC_PROGRESS
            assert schemas.errors(name_, body) == [], (name, body)
        client.advance(20)


# -- thousands of odd project ids ----------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=600),
    st.sampled_from(
        [
            "..",
            ".",
            "%2e%2e",
            "%2F",
            "//",
            "\\",
            "%00",
            "~",
            "full-migration~",
            "a" * 5000,
            "%",
            "%%",
            "%zz",
            "?",
            "#",
            "full-migration/../x",
        ]
    ),
    st.lists(
        st.sampled_from(["..", "%2F", "/", "a", "~", "%25", "é", "\x00", " ", "%ff"]), max_size=20
    ).map("".join),
)


@pytest.fixture(scope="module")
def shared_app() -> MockOms:
    return create_app(Settings(clock=ClockMode.MANUAL, seed=3))


@settings(max_examples=2000)
@given(
    raw=odd_text,
    kind=st.sampled_from(Kind),
    encode=st.booleans(),
    method=st.sampled_from(["GET", "GET", "HEAD", "POST"]),
)
def test_odd_project_ids_get_envelopes_never_a_5xx(
    shared_app: MockOms, raw: str, kind: Kind, encode: bool, method: str
) -> None:
    segment = quote(raw, safe="") if encode else raw
    template = MIGRATION if kind is Kind.MIGRATION else SYNC
    path = template.format(segment).encode("utf-8", "surrogatepass")
    reply = shared_app.oms.answer(method, path)
    assert reply.status < 500
    body = json.loads(reply.body)
    assert list(body) == ENVELOPE_KEYS
    assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], body) == [], body
    if match(path) is not None and method != "POST":
        assert reply.status == 200
        assert body["success"] or body["code"] in ("PARAM_ERROR", "GHANA-PROJECT000001")
