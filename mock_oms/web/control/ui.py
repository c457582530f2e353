"""``/_mock/ui``: the dashboard, a page and two static files shipped in the package
(``web/assets/``): no CDN, no build step, works offline.

The page is rendered here from the server's own vocabulary (the statuses and their colours,
the fault forms of ``scenario.schema.json``), every value escaped; it holds no data. Its
script asks the control API for everything, with the control token when the server has one
(so the page itself is open, like ``/_mock/health``: see :mod:`mock_oms.web.access`).
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from typing import Any

from fastapi import APIRouter

from mock_oms import __version__, schemas
from mock_oms.core.errors import NotFound
from mock_oms.core.lifecycle import Status
from mock_oms.web import writer
from mock_oms.web.access import UI_ASSETS, UI_PATH

__all__ = ["ASSETS", "HEADERS", "PAGE", "asset", "fault_presets", "page", "render", "router"]

PAGE = UI_PATH
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ASSETS = {name: _TYPES[name[name.rindex(".") :]] for name in UI_ASSETS}
# the page runs only its own script and style, and talks only to its own server
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> bytes:
    return files("mock_oms.web").joinpath("assets", name).read_bytes()


def fault_presets() -> list[tuple[str, str]]:
    """The faults the page offers to inject, as (label, injection JSON): every bare fault
    name and HTTP status of ``scenario.schema.json``, and a latency."""
    defs: dict[str, Any] = schemas.load(schemas.SCENARIO)["$defs"]
    bare: list[str] = defs["Fault"]["oneOf"][0]["enum"]
    codes: list[int] = defs["HttpFaultStatus"]["enum"]
    found: list[tuple[str, Any]] = [(f"HTTP {code}", {"status": code}) for code in codes]
    found += [(name, name) for name in bare]
    found.append(("latency 2 s", {"latency": 2}))
    return [(label, json.dumps(fault, separators=(",", ":"))) for label, fault in found]


def render() -> bytes:
    """The page: the template with the vocabulary filled in, each value escaped."""
    legend = "".join(
        f'<span class="badge st-{escape(s.value)}">{escape(s.value)}</span>' for s in Status
    )
    options = "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>'
        for label, value in fault_presets()
    )
    template = Template(_read("ui.html").decode("utf-8"))
    text = template.substitute(
        version=escape(__version__), legend=legend, fault_options=options, base=escape(PAGE)
    )
    return text.encode("utf-8")


@router.get(PAGE)
async def page() -> writer.Answer:
    return writer.Answer(_page(), media_type="text/html; charset=utf-8", headers=HEADERS)


@cache
def _page() -> bytes:
    return render()


@router.get(PAGE + "/{name}")
async def asset(name: str) -> writer.Answer:
    if name not in ASSETS:
        raise NotFound(f"nothing at {PAGE}/{name[:100]!r}")
    return writer.Answer(_read(name), media_type=ASSETS[name], headers=HEADERS)
