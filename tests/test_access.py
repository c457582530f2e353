from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from servers import MakeClient

from mock_oms import cli
from mock_oms.client import ControlClient, ControlError
from mock_oms.config import Settings
from mock_oms.serve import server
from mock_oms.web.access import parse_credentials
from mock_oms.web.app import create_app

TOKEN = "s3cret-token"
PROGRESS = "/api/omsp/v2/migrations/full-migration/progress"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- the control token ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
    ids=["none", "wrong", "longer", "other-scheme", "no-scheme"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_mock/clock"),
        ("POST", "/_mock/clock/advance"),
        ("GET", "/_mock/projects"),
        ("POST", "/_mock/reset"),
        ("GET", "/_mock/requests"),
        ("GET", "/_mock/no-such-thing"),
        ("GET", "/_mock"),
    ],
)
def test_control_calls_without_the_token_get_401(
    make_client: MakeClient, headers: dict[str, str], method: str, path: str
) -> None:
    app, client = make_client(control_token=TOKEN)
    response = client.http.request(method, path, headers=headers, json={"seconds": 5})
    assert response.status_code == 401
    body = response.json()
    assert (body["success"], body["code"], body["data"]) == (False, "UNAUTHORIZED", None)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert app.runtime.clock.now() == 0.0  # nothing happened


def test_control_calls_with_the_token_pass(make_client: MakeClient) -> None:
    _, client = make_client({"token": TOKEN}, control_token=TOKEN)
    assert client.advance(5)["now"] == 5.0
    assert (
        client.http.get("/_mock/clock", headers={"Authorization": f"bearer {TOKEN}"}).status_code
        == 200
    )  # the scheme is case-insensitive


def test_health_stays_open(make_client: MakeClient) -> None:
    _, client = make_client(control_token=TOKEN)
    assert client.health()["status"] == "ok"


def test_oms_endpoints_and_openapi_need_no_control_token(make_client: MakeClient) -> None:
    _, client = make_client(control_token=TOKEN)
    assert client.progress("full-migration")["success"]
    assert client.http.get("/openapi.json").status_code == 200


def test_the_client_raises_on_401(make_client: MakeClient) -> None:
    _, client = make_client({"token": "wrong"}, control_token=TOKEN)
    with pytest.raises(ControlError) as caught:
        client.projects()
    assert (caught.value.status, caught.value.code) == (401, "UNAUTHORIZED")


def test_without_a_token_everything_is_open(make_client: MakeClient) -> None:
    _, client = make_client()
    assert client.projects() == []


# -- HTTP Basic on the OMS endpoints -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "requires HTTP Basic credentials"),
        (basic("user", "wrong"), "wrong user name or password"),
        (basic("other", "pa:ss"), "wrong user name or password"),
        (basic("user", "pa:ss") + "=", "wrong user name or password"),
        ("Basic !!!not-base64!!!", "wrong user name or password"),
        ("Bearer pa:ss", "must use the Basic scheme"),
    ],
    ids=["none", "wrong-password", "wrong-user", "bad-padding", "garbage", "bearer"],
)
def test_oms_calls_without_the_right_credentials_get_401_in_band(
    make_client: MakeClient, header: str | None, reason: str
) -> None:
    _, client = make_client(auth=("user", "pa:ss"))
    headers = {"Authorization": header} if header else {}
    response = client.http.get(PROGRESS, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    body = response.json()
    assert (body["success"], body["code"], body["data"]) == (False, "UNAUTHORIZED", None)
    assert reason in body["message"]
    # refused polls are journaled, and count as polls of the project
    [entry] = client.requests()["entries"]
    assert (entry["projectId"], entry["httpStatus"], entry["code"]) == (
        "full-migration",
        401,
        "UNAUTHORIZED",
    )
    assert client.polls("full-migration")["errors"] == 1
    assert client.projects() == []  # a refused poll does not start the project


def test_oms_calls_with_the_credentials_pass(make_client: MakeClient) -> None:
    _, client = make_client({"auth": ("user", "pa:ss")}, auth=("user", "pa:ss"))
    assert client.progress("full-migration")["success"]
    # control calls need no Basic credentials (only the token, when one is set)
    assert client.http.get("/_mock/clock").status_code == 200


def test_a_401_envelope_is_schema_valid(make_client: MakeClient) -> None:
    from mock_oms import schemas

    _, client = make_client(auth=("u", "p"))
    body = client.http.get(PROGRESS).json()
    assert schemas.errors(schemas.MIGRATION_PROGRESS, body) == []


# -- settings and the command line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("u:p", ("u", "p")), ("u:p:q", ("u", "p:q")), ("u:", ("u", ""))],
)
def test_parse_credentials(text: str, expected: tuple[str, str]) -> None:
    assert parse_credentials(text) == expected


@pytest.mark.parametrize("text", ["nopassword", ":p", ""])
def test_parse_credentials_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="USER:PASSWORD"):
        parse_credentials(text)


def test_secrets_are_not_in_the_settings_repr() -> None:
    text = repr(Settings(control_token=TOKEN, auth=("user", "pa:ss")))
    assert TOKEN not in text
    assert "pa:ss" not in text


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings `mock-oms serve` would have served with (nothing is served)."""
    seen: list[Settings] = []

    def fake_serve(settings: Settings, **kwargs: Any) -> None:
        seen.append(settings)

    monkeypatch.setattr(server, "serve", fake_serve)
    return seen


def test_serve_options(served: list[Settings]) -> None:
    result = CliRunner().invoke(
        cli.main,
        ["serve", "--control-token", TOKEN, "--auth", "user:pa:ss", "--journal-size", "5"],
    )
    assert result.exit_code == 0, result.output
    [settings] = served
    assert (settings.control_token, settings.auth, settings.journal_size) == (
        TOKEN,
        ("user", "pa:ss"),
        5,
    )
    assert settings.host == "127.0.0.1"


def test_serve_options_from_the_environment(served: list[Settings]) -> None:
    env = {
        "MOCK_OMS_CONTROL_TOKEN": TOKEN,
        "MOCK_OMS_AUTH": "user:pw",
        "MOCK_OMS_JOURNAL_SIZE": "7",
    }
    result = CliRunner().invoke(cli.main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    [settings] = served
    assert (settings.control_token, settings.auth, settings.journal_size) == (
        TOKEN,
        ("user", "pw"),
        7,
    )


def test_serve_defaults_are_open(served: list[Settings]) -> None:
    result = CliRunner().invoke(cli.main, ["serve"], env={})
    assert result.exit_code == 0, result.output
    [settings] = served
    assert (settings.control_token, settings.auth, settings.journal_size) == (None, None, 10_000)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--auth", "nocolon"], "USER:PASSWORD"),
        (["--journal-size", "-1"], "-1"),
    ],
)
def test_serve_refuses_bad_options(served: list[Settings], args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli.main, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert served == []


def test_a_live_server_enforces_both(tmp_path: Path) -> None:
    from mock_oms.serve.live import LiveServer

    settings = Settings(port=0, control_token=TOKEN, auth=("u", "p"), log_level="warning")
    with LiveServer(settings) as live:
        assert live.host == "127.0.0.1"
        with ControlClient(live.base_url) as anonymous:
            assert anonymous.http.get(PROGRESS).status_code == 401
            assert anonymous.http.get("/_mock/projects").status_code == 401
            assert anonymous.health()["status"] == "ok"
        with ControlClient(live.base_url, token=TOKEN, auth=("u", "p")) as client:
            assert client.progress("full-migration")["success"]
            assert client.requests()["total"] == 2


def test_openapi_documents_the_credentials(make_client: MakeClient) -> None:
    from openapi_spec_validator import validate

    _, client = make_client()
    doc = client.http.get("/openapi.json").json()
    validate(doc)
    schemes = doc["components"]["securitySchemes"]
    assert (schemes["controlToken"]["scheme"], schemes["omsBasic"]["scheme"]) == ("bearer", "basic")
    paths = doc["paths"]
    assert paths["/_mock/requests"]["get"]["security"] == [{"controlToken": []}, {}]
    assert "401" in paths["/_mock/projects/{project_id}/polls"]["get"]["responses"]
    assert "security" not in paths["/_mock/health"]["get"]
    oms = paths["/api/omsp/v2/migrations/{projectId}/progress"]["get"]
    assert oms["security"] == [{"omsBasic": []}, {}]


def test_the_guard_lets_lifespan_through() -> None:
    import asyncio

    from mock_oms.web.access import ControlGuard

    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    app = create_app(Settings(control_token=TOKEN))
    guard = ControlGuard(inner, app.runtime, TOKEN)

    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        pass

    asyncio.run(guard({"type": "lifespan"}, nothing, ignore))
    assert seen == ["lifespan"]
