"""The OpenAPI document: FastAPI's description of the control API plus the OMS endpoints,
whose schemas are the JSON Schemas of ``schemas/`` embedded as they are (OpenAPI 3.1 speaks
JSON Schema 2020-12), not a second copy written by hand."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from mock_oms import schemas
from mock_oms.core.store import PROJECT_ID

__all__ = ["JSON", "OMS_TAG", "V4_TAG", "build", "install_openapi"]

JSON = dict[str, Any]
OMS_TAG = "OMS API (V3.3.0)"
V4_TAG = "OMS API (V4: OMS 4.1 and later)"

_ENDPOINTS = (
    (
        "/api/omsp/v2/migrations/{projectId}/progress",
        schemas.MIGRATION_PROGRESS,
        "getMigrationProgress",
        "Obtain the status of a migration project",
    ),
    (
        "/api/omsp/v2/sync/{projectId}/progress",
        schemas.SYNC_PROGRESS,
        "getSyncProgress",
        "Obtain the status of a data synchronization project",
    ),
)


def _embed(name: str, components: JSON) -> str:
    """Put schema ``name`` and its $defs into ``components``; return its component name.
    A reference into another schema file points at that file's components (which the
    caller embeds too)."""
    schema = copy.deepcopy(schemas.load(name))
    title: str = schema["title"]
    prefix = f"#/components/schemas/{title}_"

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                out["$ref"] = prefix + ref.removeprefix("#/$defs/")
            elif isinstance(ref, str) and "#/$defs/" in ref:
                other, _, definition = ref.partition("#/$defs/")
                out["$ref"] = f"#/components/schemas/{schemas.load(other)['title']}_{definition}"
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for def_name, definition in schema.get("$defs", {}).items():
        components[f"{title}_{def_name}"] = rewrite(definition)
    components[title] = rewrite(schema)
    return title


def build(app: FastAPI) -> JSON:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        openapi_version="3.1.0",
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    paths = doc.setdefault("paths", {})
    errors: JSON = {}  # the content of an error response: an envelope (the same for both)
    for path, schema_name, operation_id, summary in _ENDPOINTS:
        title = _embed(schema_name, components)
        error_ref = {"$ref": f"#/components/schemas/{title}_ErrorEnvelope"}
        errors = errors or {"application/json": {"schema": error_ref}}

        def content(schema: JSON) -> JSON:
            return {"application/json": {"schema": schema}}

        paths[path] = {
            "get": {
                "tags": [OMS_TAG],
                "operationId": operation_id,
                "summary": summary,
                "description": "Business errors come in band: HTTP 200 with success false "
                "(GHANA-PROJECT000001 for an unknown project, PARAM_ERROR for a "
                "malformed ID).",
                "parameters": [
                    {
                        "name": "projectId",
                        "in": "path",
                        "required": True,
                        "description": "The project ID: 1 to 128 letters, digits and _ - . ~, "
                        "starting with a letter or digit.",
                        "schema": {
                            "type": "string",
                            "pattern": f"^{PROJECT_ID.pattern}$",
                        },
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The progress, or an in-band business error.",
                        "content": content({"$ref": f"#/components/schemas/{title}"}),
                    },
                    "401": {
                        "description": "Missing or wrong credentials (when the server "
                        "requires them).",
                        "content": content(error_ref),
                    },
                    "405": {"description": "Only GET is allowed.", "content": content(error_ref)},
                    "500": {
                        "description": "An unexpected error inside mock-oms (INNER_ERROR).",
                        "content": content(error_ref),
                    },
                },
            }
        }
    _embed(schemas.SCENARIO, components)
    _document_v4(paths, components)
    _document_control_errors(doc, errors)
    _document_access(doc, errors)
    doc["tags"] = [
        {"name": OMS_TAG, "description": "The endpoints of the real service, as documented."},
        {
            "name": V4_TAG,
            "description": "POST /api/v2?Action=NAME with a JSON body: one path here per "
            "action (the query names it). The same scenarios as V3, in V4 names (docs/v4.md).",
        },
        {
            "name": "mock-oms control API",
            "description": "Steers the fake: clock, scenarios, projects, actions. Not part of OMS.",
        },
    ]
    return doc


def _document_v4(paths: JSON, components: JSON) -> None:
    """One operation per V4 action, at ``/api/v2?Action=NAME``, with its request and
    response schemas from ``schemas/v4-*.schema.json``."""
    common = _embed(schemas.V4_COMMON, components)
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{common}"}}}
    for action, name in schemas.V4_ACTIONS.items():
        title = _embed(name, components)
        description = schemas.load(name)["description"]
        paths[f"/api/v2?Action={action}"] = {
            "post": {
                "tags": [V4_TAG],
                "operationId": action[0].lower() + action[1:],
                "summary": action,
                "description": description,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{title}_Request"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "The answer, or an in-band business error.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/{title}"}
                            }
                        },
                    },
                    "401": {"description": "Missing or wrong credentials.", "content": error},
                    "405": {"description": "Only POST is allowed.", "content": error},
                    "413": {"description": "A body over 1 MiB.", "content": error},
                    "500": {"description": "A bug of mock-oms (INNER_ERROR).", "content": error},
                },
            }
        }


def _document_control_errors(doc: JSON, content: JSON) -> None:
    """A malformed control request is a 400 envelope: FastAPI documents a 422 with its own
    validation body, which mock-oms never sends. (Each route documents its other errors on
    its decorator.)"""
    for path, operations in doc["paths"].items():
        if not path.startswith("/_mock"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]
            if operation.get("parameters") or operation.get("requestBody"):
                responses["400"] = {
                    "description": "A malformed request (PARAM_ERROR).",
                    "content": content,
                }
    components = doc["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)


def _document_access(doc: JSON, errors: JSON) -> None:
    """Both credentials are optional: a server requires them only when started with
    ``--control-token`` / ``--auth`` (an empty requirement ``{}`` means none needed)."""
    doc["components"]["securitySchemes"] = {
        "controlToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "Required on /_mock (but /_mock/health) with --control-token.",
        },
        "omsBasic": {
            "type": "http",
            "scheme": "basic",
            "description": "Required on the OMS endpoints with --auth USER:PASSWORD.",
        },
    }
    for path, operations in doc["paths"].items():
        if path.startswith("/_mock") and path != "/_mock/health":
            scheme = "controlToken"
        elif path.startswith(("/api/omsp/", "/api/v2")):
            scheme = "omsBasic"
        else:
            continue
        for operation in operations.values():
            operation["security"] = [{scheme: []}, {}]
            if scheme == "controlToken":
                operation.setdefault("responses", {})["401"] = {
                    "description": "Missing or wrong control token (when the server requires "
                    "one): UNAUTHORIZED.",
                    "content": errors,
                }


def install_openapi(app: FastAPI) -> None:
    cached: list[JSON] = []

    def openapi() -> JSON:
        if not cached:
            cached.append(build(app))
        return cached[0]

    app.openapi = openapi  # type: ignore[method-assign]
