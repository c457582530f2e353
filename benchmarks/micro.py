"""In-process micro-benchmarks: one poll's evaluation in the engine and the store, and the
pieces of one progress request in mock-oms's own code (no sockets, no uvicorn).

Each figure is nanoseconds per call, the best of five interleaved ``timeit`` loops (the
best is the least disturbed by the other work on a shared machine).
"""

from __future__ import annotations

import contextlib
import math
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mock_oms.core import engine
from mock_oms.core.clock import Clock
from mock_oms.core.engine import Compiled, ProjectState
from mock_oms.core.kinds import Kind
from mock_oms.core.library import Library
from mock_oms.core.store import Store
from mock_oms.oms import envelope
from mock_oms.scenarios.loader import load_bundled, load_document

EPOCH = 1_700_000_000.0


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[[], object]
    note: str = ""


@dataclass(frozen=True)
class Timing:
    name: str
    ns: float  # per call
    note: str = ""


def _loops(timer: timeit.Timer, seconds: float) -> int:
    """How many calls take about ``seconds`` (like ``Timer.autorange``, to our budget)."""
    number = 1
    while True:
        took = timer.timeit(number)
        if took >= seconds / 5 or number >= 10_000_000:
            return max(1, int(number * seconds / max(took, 1e-9)))
        number *= 2 if took > seconds / 50 else 10


def measure(cases: Sequence[Case], budget: float, repeat: int = 5) -> list[Timing]:
    """Nanoseconds per call of each case: the best of ``repeat`` loops of ``budget / repeat``
    seconds, the loops of all cases interleaved so that a burst of work elsewhere on the
    machine spoils one loop of several cases rather than every loop of one."""
    timers = [timeit.Timer(case.fn) for case in cases]
    loops = [_loops(timer, budget / repeat) for timer in timers]
    best = [math.inf] * len(cases)
    for _ in range(repeat):
        for i, (timer, n) in enumerate(zip(timers, loops, strict=True)):
            best[i] = min(best[i], timer.timeit(n) / n)
    return [Timing(c.name, b * 1e9, c.note) for c, b in zip(cases, best, strict=True)]


def many_phases(n: int) -> Compiled:
    """A migration of ``n`` phases: INIT, ``n - 2`` one-second RUNNING phases moving the
    full progress from 0 to 100, FINISHED. One run, so a poll bisects over ``n`` offsets."""
    running = n - 2
    timeline: list[dict[str, Any]] = [{"status": "INIT", "step": "PRE_CHECK", "seconds": 1}]
    for i in range(running):
        timeline.append(
            {
                "status": "RUNNING",
                "step": "FULL_MIGRATION",
                "seconds": 1,
                "progress": {"full": [i * 100 // running, (i + 1) * 100 // running]},
            }
        )
    timeline.append({"status": "FINISHED", "step": "APP_SWITCH"})
    doc = {
        "name": f"phases-{n}",
        "kind": "migration",
        "flags": {"struct": False, "full": True, "incr": False, "reverse": False},
        "timeline": timeline,
    }
    return engine.compile_scenario(load_document(doc))


class _Polling:
    """A project polled again and again as time moves on: the state threads through."""

    def __init__(self, compiled: Compiled, t: float, step: float = 1e-6) -> None:
        self.state: ProjectState = engine.start(compiled, "p", 0.0, EPOCH)
        self.t = t
        self.step = step

    def __call__(self) -> None:
        self.t += self.step
        self.state, _ = engine.poll(self.state, self.t)


def engine_cases(library: Library) -> list[Case]:
    full = engine.compile_scenario(library.scenarios["full-migration"])
    incr = engine.compile_scenario(library.scenarios["incremental-sync"])
    out = [
        Case("engine.poll full-migration", _Polling(full, 200.0), "mid full load"),
        Case("engine.poll incremental-sync", _Polling(incr, 500.0), "checkpoint follows clock"),
    ]
    for n in (10, 1000):
        out.append(
            Case(f"engine.poll {n}-phase run", _Polling(many_phases(n), n / 2), "bisect offsets")
        )
    return out


def store_cases(library: Library, many: int) -> list[Case]:
    store = Store(library, Clock(time.monotonic), EPOCH)
    store.poll("full-migration", Kind.MIGRATION)

    def one() -> None:
        store.poll("full-migration", Kind.MIGRATION)

    ids = [f"full-migration~{i}" for i in range(1, many + 1)]
    big = Store(library, Clock(time.monotonic), EPOCH)
    for pid in ids:
        big.poll(pid, Kind.MIGRATION)
    cursor = iter(ids * 1000)

    def rotating() -> None:
        big.poll(next(cursor), Kind.MIGRATION)

    return [
        Case("Store.poll one project", one, "lock + dict + clock + engine"),
        Case(f"Store.poll over {many:,} projects", rotating, "rotating IDs"),
    ]


def bare_call(body: bytes) -> Callable[[], None]:
    """One request to the benchmark's baseline (a bare Starlette route) in process: what the
    web framework costs when a server runs none of mock-oms's code."""
    import baseline

    app = baseline.build(body)
    raw = b"/api/omsp/v2/migrations/full-migration/progress"
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw.decode(),
        "raw_path": raw,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "server": ("127.0.0.1", 8089),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    def call() -> None:
        coro = app(dict(scope), receive, send)
        with contextlib.suppress(StopIteration):
            coro.send(None)
        if len(sent) != 2 or sent[1]["body"] != body:  # it ran to the end, in one step
            raise RuntimeError(f"the baseline app did not answer in one step: {sent!r}")
        sent.clear()

    call()
    return call


def request_cases(library: Library) -> list[Case]:
    """Where mock-oms's own code spends one progress request, piece by piece."""
    from mock_oms.config import Settings
    from mock_oms.core.store import check_project_id
    from mock_oms.web.oms_api import OmsApi, decode_project_id, match
    from mock_oms.web.runtime import Runtime

    store = Store(library, Clock(time.monotonic), EPOCH)
    runtime = Runtime(Settings(), store, envelope.RequestIds())
    api = OmsApi(runtime)
    raw = b"/api/omsp/v2/migrations/full-migration/progress"
    project, snap = store.poll("full-migration", Kind.MIGRATION)
    flags = project.state.scenario.flags
    payload = envelope.data(Kind.MIGRATION, flags, snap)
    document = envelope.success(payload, runtime.ids.next(), "0 ms")
    scope = {"type": "http", "method": "GET", "path": raw.decode(), "raw_path": raw}
    sent: list[object] = []

    async def send(message: object) -> None:
        sent.append(message)

    def asgi_call() -> None:
        coro = api(scope, None, send)
        with contextlib.suppress(StopIteration):
            coro.send(None)
        sent.clear()

    body = envelope.encode(document)
    journal = runtime.journal
    bare = bare_call(body)
    v4_call, v4_answer = v4_cases(runtime)

    def record() -> None:
        journal.record(EPOCH, 1.0, "GET", raw, 200, body, "full-migration", None, 1e-5, snap.status)

    def route() -> None:
        found = match(raw)
        assert found is not None
        api.project_id(found[1])

    def route_unchecked() -> None:
        found = match(raw)
        assert found is not None
        check_project_id(decode_project_id(found[1]))

    return [
        Case("baseline.py's Starlette app", bare, "the same bytes, precomputed"),
        Case("OmsApi.__call__ (whole ASGI app)", asgi_call, "no server"),
        Case("V4Api.__call__ (whole ASGI app)", v4_call, "DescribeProjectProgress"),
        Case("  V4Api.answer", v4_answer, "JSON body, action, store, template"),
        Case("  Journal.record", record, "ring buffer + poll stats"),
        Case("  OmsApi.answer", lambda: api.answer("GET", raw)),
        Case("    match + remembered id", route),
        Case("    (match + decode + check id)", route_unchecked, "a project's first poll"),
        Case("    Store.poll", lambda: store.poll("full-migration", Kind.MIGRATION)),
        Case("    RequestIds.next", runtime.ids.next, "random, formatted as a UUID"),
        Case(
            "    envelope.success_body",
            lambda: envelope.success_body(Kind.MIGRATION, flags, snap, "x", "0 ms"),
            "%-template",
        ),
        Case(
            "    (envelope.data + success + encode)",
            lambda: envelope.encode(
                envelope.success(envelope.data(Kind.MIGRATION, flags, snap), "x", "0 ms")
            ),
            "json: what the template replaces",
        ),
        Case(
            "    perf_counter x2 + cost_text",
            lambda: envelope.cost_text(time.perf_counter() - time.perf_counter()),
        ),
    ]


def v4_cases(runtime: Any) -> tuple[Callable[[], None], Callable[[], object]]:
    """DescribeProjectProgress of the same project through the V4 app: the whole ASGI
    call (the body read from ``receive``), and its answer alone."""
    from mock_oms.web.v4_api import V4Api

    api = V4Api(runtime)
    query = b"Action=DescribeProjectProgress"
    body = b'{"id":"full-migration"}'
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v2",
        "raw_path": b"/api/v2",
        "query_string": query,
    }
    message = {"type": "http.request", "body": body, "more_body": False}
    sent: list[object] = []

    async def receive() -> dict[str, Any]:
        return message

    async def send(item: object) -> None:
        sent.append(item)

    def asgi_call() -> None:
        coro = api(scope, receive, send)
        with contextlib.suppress(StopIteration):
            coro.send(None)
        sent.clear()

    def answer() -> object:
        return api.answer("POST", "/api/v2", query, body, time.perf_counter())

    return asgi_call, answer


def run(budget: float = 0.2, many: int = 10_000) -> list[Timing]:
    """Every case, ``budget`` seconds each."""
    library = load_bundled()
    cases = [*engine_cases(library), *store_cases(library, many), *request_cases(library)]
    return measure(cases, budget)


if __name__ == "__main__":
    for timing in run():
        print(f"{timing.name:40} {timing.ns:10,.0f} ns  {timing.note}")
