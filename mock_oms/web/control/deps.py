"""What the control routes depend on: the server's runtime, and request bodies read with a
bound (those that FastAPI does not parse: YAML scenarios, injections checked against the
JSON Schema). Every body has passed :class:`~mock_oms.web.bodies.BodyLimit` first."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from mock_oms import schemas
from mock_oms.core.errors import BadRequest, TooLarge, dotted
from mock_oms.scenarios.loader import MAX_FILE_BYTES
from mock_oms.web.runtime import Runtime

__all__ = [
    "InjectionBody",
    "RuntimeDep",
    "injection_body",
    "not_json_object",
    "read_body",
    "runtime",
]


async def runtime(request: Request) -> Runtime:
    """The runtime of the server the request reached (set by ``app.build``). Async: FastAPI
    would run a plain ``def`` dependency on a worker thread, at every request."""
    found: Runtime = request.app.state.runtime
    return found


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def read_body(request: Request, limit: int = MAX_FILE_BYTES) -> bytes:
    """The body of a request the handler parses itself, refused (:class:`TooLarge`) past
    ``limit`` bytes, the bound of a scenario file, before more of it is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
    return bytes(body)


async def injection_body(request: Request) -> dict[str, Any]:
    """A fault injection, checked against ``scenario.schema.json`` ``$defs/Injection`` (the
    one definition of it; a pydantic copy would drift)."""
    raw = await read_body(request)
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        said = not_json_object(request.headers.get("content-type", ""))
        if said == not_json_object(""):  # not a form: just not JSON
            said = "the body is not JSON"
        raise BadRequest(said.replace("a JSON object", "JSON")) from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    odd = [f"{dotted(p)}: {r}" for p, r in schemas.json_problems(doc)]
    if odd:  # NaN or Infinity (which Python's parser reads), or too deep to check
        raise BadRequest("; ".join(odd[:10]))
    validator = schemas.definition_validator(schemas.SCENARIO, "Injection")
    errors = [leaf for e in validator.iter_errors(doc) for leaf in schemas.leaves(e)]
    if errors:
        errors.sort(key=lambda e: list(map(str, e.absolute_path)))
        raise BadRequest(
            "; ".join(f"{dotted(tuple(e.absolute_path))}: {e.message}" for e in errors[:10])
        )
    result: dict[str, Any] = doc
    return result


InjectionBody = Annotated[dict[str, Any], Depends(injection_body)]


def not_json_object(content_type: str) -> str:
    """Why a body that is not a JSON object was refused, naming what was sent instead."""
    sent = content_type.split(";", maxsplit=1)[0].strip().lower()
    if sent in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return (
            f"the body must be a JSON object with Content-Type: application/json, not a "
            f"form ({sent})"
        )
    return "the body must be a JSON object"
