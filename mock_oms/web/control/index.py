"""``GET /_mock``: an index of the control API, so that the link the server prints on start
leads somewhere: every control route with its one-line summary, and where the docs are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from mock_oms import __version__
from mock_oms.web.control.models import IndexOut, RouteOut

__all__ = ["CONTROL_PREFIX", "index", "router", "routes"]

CONTROL_PREFIX = "/_mock"

router = APIRouter(tags=["mock-oms control API"])


def routes(request: Request) -> list[RouteOut]:
    """The control routes of the app that serves ``request``, read from its OpenAPI
    document (the one list of them, whatever FastAPI wraps its routers in)."""
    found = []
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    for path, operations in paths.items():
        if path != CONTROL_PREFIX and not path.startswith(CONTROL_PREFIX + "/"):
            continue
        for method, operation in operations.items():
            text = operation.get("description") or operation.get("summary") or ""
            summary = " ".join(text.strip().split("\n\n")[0].split())
            found.append(RouteOut(method=method.upper(), path=path, summary=summary))
    return found


@router.get(CONTROL_PREFIX)
async def index(request: Request) -> IndexOut:
    """This index: every control route, and where the API is described."""
    return IndexOut(
        service="mock-oms",
        version=__version__,
        docs="/docs",
        openapi="/openapi.json",
        routes=routes(request),
    )
