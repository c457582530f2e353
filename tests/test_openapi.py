"""The OpenAPI document says what the server answers, errors included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.web.app import create_app

ENVELOPE = "#/components/schemas/MigrationProgressResponse_ErrorEnvelope"


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with ControlClient.in_process(create_app(Settings(clock=ClockMode.MANUAL))) as client:
        document: dict[str, Any] = client.http.get("/openapi.json").json()
    validate(document)
    return document


def test_no_operation_promises_fastapis_422_validation_error(doc: dict[str, Any]) -> None:
    # malformed control requests are 400 PARAM_ERROR envelopes; the document said 422
    # with FastAPI's HTTPValidationError, which the server never sends
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            assert "HTTPValidationError" not in str(response), (method, path, status)


def test_control_errors_are_documented_as_envelopes(doc: dict[str, Any]) -> None:
    for method, path, op in operations(doc):
        if not path.startswith("/_mock") or path == "/_mock/health":
            continue
        if op.get("parameters") or op.get("requestBody"):
            assert "400" in op["responses"], (method, path)
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ENVELOPE}, (method, path, status)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/_mock/projects", {"400", "404", "409"}),
        ("get", "/_mock/projects/{project_id}", {"404"}),
        ("delete", "/_mock/projects/{project_id}", {"404"}),
        ("post", "/_mock/projects/{project_id}/reset", {"404"}),
        ("post", "/_mock/projects/{project_id}/faults", {"400", "404", "413"}),
        ("post", "/_mock/faults", {"400", "413"}),
        ("get", "/_mock/scenarios/{name}", {"404"}),
        ("post", "/_mock/scenarios", {"400", "413", "422"}),
        ("post", "/_mock/scenarios/reload", {"422"}),
        ("post", "/_mock/clock/advance", {"400"}),
    ],
)
def test_the_errors_each_call_can_answer_are_documented(
    doc: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert statuses <= set(doc["paths"][path][method]["responses"])


def test_the_scenario_upload_documents_its_body(doc: dict[str, Any]) -> None:
    body = doc["paths"]["/_mock/scenarios"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Scenario"
    }
    assert body["content"]["application/yaml"]["schema"] == {"type": "string"}


def test_the_docs_page_needs_no_network(client: ControlClient) -> None:
    """/docs loaded Swagger UI from a CDN, and was blank offline: every script, style and
    icon it names is served by mock-oms itself."""
    page = client.http.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    linked = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert len(linked) >= 3
    for url in linked:
        assert url.startswith("/"), f"{url}: not on this server"
        asset = client.http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "SwaggerUIBundle" in client.http.get("/docs/swagger-ui-bundle.js").text
    assert "url: '/openapi.json'" in page.text
    assert client.http.get("/docs/nothing.js").status_code == 404
