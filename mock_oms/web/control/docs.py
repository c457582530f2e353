"""``/docs``: the Swagger UI of both APIs, its scripts and styles served from an installed
package (``fastapi-offline``'s copy of swagger-ui-dist, Apache-2.0) rather than a CDN, so
that the page works on a machine without network access."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html

from mock_oms.core.errors import NotFound
from mock_oms.web import writer

__all__ = ["ASSETS", "DOCS", "asset", "docs", "router"]

DOCS = "/docs"
# the files /docs needs, and their types; from the package that carries them
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return files("fastapi_offline").joinpath("static", name).read_bytes()


@router.get(DOCS)
async def docs() -> writer.Answer:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="mock-oms: OMS endpoints and control API",
        swagger_js_url=f"{DOCS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS}/favicon.png",
    )
    return writer.Answer(bytes(page.body), media_type="text/html; charset=utf-8")


@router.get(DOCS + "/{name}")
async def asset(name: str) -> writer.Answer:
    if name not in ASSETS:
        raise NotFound(f"nothing at {DOCS}/{name[:100]!r}")
    return writer.Answer(
        _read(name), media_type=ASSETS[name], headers={"cache-control": "max-age=86400"}
    )
