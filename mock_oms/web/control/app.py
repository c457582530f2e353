"""The FastAPI app of the control API: the routers, the runtime they depend on, and the one
place where every error of the FastAPI side becomes an envelope (through ``writer``).

Handlers are ``async def`` so that they run on the event loop, one at a time, never on a
worker thread beside a poll; what may take long (reading a scenario, a page of projects) is
handed to a thread by :mod:`mock_oms.web.work`, and touches the store only under its lock.
Every body is read with a bound first (:mod:`mock_oms.web.bodies`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from mock_oms import __version__
from mock_oms.core.errors import (
    BadRequest,
    HttpError,
    InnerError,
    MethodNotAllowed,
    MockOmsError,
    NotFound,
)
from mock_oms.scenarios.loader import MAX_FILE_BYTES
from mock_oms.web import writer
from mock_oms.web.access import install_control_guard
from mock_oms.web.bodies import BodyLimit, Scope
from mock_oms.web.control import (
    clock,
    coverage,
    docs,
    faults,
    index,
    journal,
    projects,
    scenarios,
    ui,
)
from mock_oms.web.control.deps import not_json_object
from mock_oms.web.openapi import install_openapi
from mock_oms.web.runtime import Runtime

__all__ = ["ROUTERS", "build", "log"]

log = logging.getLogger("mock_oms")

ROUTERS = (
    docs.router,
    index.router,
    clock.router,
    scenarios.router,
    projects.router,
    faults.router,
    journal.router,
    coverage.router,
    ui.router,
)


def build(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="mock-oms",
        version=__version__,
        description="A scenario-driven fake of the OceanBase Migration Service progress API, "
        "and the control API that steers it.",
        docs_url=None,  # web/control/docs.py serves it, offline
        redoc_url=None,
        default_response_class=writer.Answer,
    )
    app.state.runtime = runtime
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app, runtime)
    install_openapi(app)
    # the body bound first, then the token outside it: a caller without the token is
    # refused before any of its body is read
    app.add_middleware(BodyLimit, runtime=runtime, limit=_body_limit(runtime))
    install_control_guard(app, runtime)
    return app


def _body_limit(runtime: Runtime) -> Callable[[Scope], tuple[int, bool]]:
    """A scenario upload may be as large as a scenario file and is read by its route (in
    its work slot); every other control body is JSON of at most ``--max-body`` bytes."""
    most = runtime.settings.max_body

    def limit(scope: Scope) -> tuple[int, bool]:
        if scope["path"] == "/_mock/scenarios" and scope["method"] == "POST":
            return MAX_FILE_BYTES, True
        return most, False

    return limit


def _answer(runtime: Runtime, exc: MockOmsError) -> writer.Answer:
    status, body, _ = writer.error_answer(exc, runtime.ids.next(), control=True)
    extra = {k.decode(): v.decode() for k, v in writer.error_headers(exc)}
    return writer.Answer(body, status_code=status, headers=extra or None)


# pydantic's words for a value it refused, said as a user would understand them
_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this body",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "finite_number": "must be a finite number",
    "json_invalid": "is not valid JSON",
}
# ... and those whose words need the limit pydantic names in ``ctx``
_BOUNDED = {
    "greater_than_equal": ("must be >= {ge}", "ge"),
    "greater_than": ("must be > {gt}", "gt"),
    "less_than_equal": ("must be <= {le}", "le"),
    "less_than": ("must be < {lt}", "lt"),
    "string_too_long": ("must be at most {max_length} characters", "max_length"),
    "enum": ("must be one of {expected}", "expected"),
    "literal_error": ("must be one of {expected}", "expected"),
}
_NOT_AN_OBJECT = ("model_attributes_type", "dict_type", "model_type")
_PLACES = ("body", "query", "path", "header")  # where FastAPI says a value came from


def _problem(error: dict[str, Any], content_type: str = "") -> str:
    """One refused value of a control request, in plain words: where, and what is wrong."""
    where = [str(p) for p in error.get("loc", ()) if p not in _PLACES]
    kind = str(error.get("type", ""))
    place = ".".join(where)
    if kind in _NOT_AN_OBJECT and not where:
        return not_json_object(content_type)
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind in _BOUNDED:
        words, key = _BOUNDED[kind]
        limit = (error.get("ctx") or {}).get(key)
        if limit is not None:
            shown = f"{limit:g}" if isinstance(limit, float) else str(limit)
            return f"{place or 'the body'} {words.format(**{key: shown})}"
    text = _PLAIN.get(kind)
    if text is not None:
        return f"{place or 'the body'} {text}"
    return f"{place or 'the body'}: {error.get('msg', 'is invalid')}"


def _install_error_handlers(app: FastAPI, runtime: Runtime) -> None:
    @app.exception_handler(MockOmsError)
    async def on_mock_oms_error(request: Request, exc: MockOmsError) -> writer.Answer:
        return _answer(runtime, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> writer.Answer:
        path = request.url.path[:200]
        if exc.status_code == 404:
            return _answer(runtime, NotFound(f"nothing at {path!r}"))
        if exc.status_code == 405:
            allowed = _allowed(app, request)
            message = f"{request.method} is not allowed on {path!r}"
            return _answer(runtime, MethodNotAllowed(message, allowed))
        if exc.status_code == 400:  # a body FastAPI could not parse (say, nested too deeply)
            return _answer(runtime, BadRequest(str(exc.detail)))
        return _answer(runtime, HttpError(str(exc.detail), exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> writer.Answer:
        sent = request.headers.get("content-type", "")
        details = "; ".join(dict.fromkeys(_problem(e, sent) for e in exc.errors()[:10]))
        return _answer(runtime, BadRequest(details or "invalid request"))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> writer.Answer:
        log.error(
            "unexpected error answering %s %s", request.method, request.url.path, exc_info=exc
        )
        return _answer(runtime, InnerError("unexpected error in mock-oms"))


def _allowed(app: FastAPI, request: Request) -> list[str]:
    """Every method some route accepts at the request's path (Starlette's own 405 names
    only those of the first route whose path matched)."""
    methods: set[str] = set()
    # the app's own routes (OpenAPI, docs) and the routers' (which FastAPI may wrap)
    routes = [*app.router.routes, *(route for router in ROUTERS for route in router.routes)]
    for route in routes:
        if (
            isinstance(route, Route)
            and route.methods
            and route.matches(request.scope)[0] is not Match.NONE
        ):
            methods |= route.methods
    return sorted(methods)
