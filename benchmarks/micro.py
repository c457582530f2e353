"""In-process micro-benchmarks: one poll's evaluation in the engine and the store, and the
pieces of one progress request in mock-oms's own code (no sockets, no uvicorn).

Each figure is nanoseconds per call, the best of a few repeats of a ``timeit`` loop (the
best is the least disturbed by the other work on a shared machine).
"""

from __future__ import annotations

import contextlib
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_oms import engine, envelope
from mock_oms.clock import Clock
from mock_oms.engine import Compiled, ProjectState
from mock_oms.loader import Library, load_bundled, load_document
from mock_oms.steps import Kind
from mock_oms.store import Store

EPOCH = 1_700_000_000.0


@dataclass(frozen=True)
class Timing:
    name: str
    ns: float  # per call
    note: str = ""


def measure(fn: Callable[[], object], budget: float, repeat: int = 3) -> float:
    """Nanoseconds per call of ``fn``: best of ``repeat`` loops of about ``budget`` s each."""
    timer = timeit.Timer(fn)
    number = 1
    while True:  # like Timer.autorange, but to a budget of our choosing
        took = timer.timeit(number)
        if took >= budget / 5 or number >= 10_000_000:
            break
        number *= 2 if took > budget / 50 else 10
    loops = max(1, int(number * budget / max(took, 1e-9)))
    return min(timer.repeat(repeat, loops)) / loops * 1e9


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


def engine_timings(library: Library, budget: float) -> list[Timing]:
    full = engine.compile_scenario(library.scenarios["full-migration"])
    incr = engine.compile_scenario(library.scenarios["incremental-sync"])
    out = [
        Timing(
            "engine.poll full-migration", measure(_Polling(full, 200.0), budget), "mid full load"
        ),
        Timing(
            "engine.poll incremental-sync",
            measure(_Polling(incr, 500.0), budget),
            "checkpoint follows clock",
        ),
    ]
    for n in (10, 1000):
        compiled = many_phases(n)
        out.append(
            Timing(
                f"engine.poll {n}-phase run",
                measure(_Polling(compiled, n / 2), budget),
                "bisect over offsets",
            )
        )
    return out


def store_timings(library: Library, budget: float, many: int) -> list[Timing]:
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
        Timing("Store.poll one project", measure(one, budget), "lock + dict + clock + engine"),
        Timing(f"Store.poll over {many:,} projects", measure(rotating, budget), "rotating IDs"),
    ]


def request_timings(library: Library, budget: float) -> list[Timing]:
    """Where mock-oms's own code spends one progress request, piece by piece."""
    from mock_oms.app import Runtime
    from mock_oms.config import Settings
    from mock_oms.oms_api import OmsApi, decode_project_id, match
    from mock_oms.store import check_project_id

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

    return [
        Timing("OmsApi.__call__ (whole ASGI app)", measure(asgi_call, budget), "no server"),
        Timing("  OmsApi.answer", measure(lambda: api.answer("GET", raw), budget)),
        Timing(
            "    match + decode + check id",
            measure(
                lambda: check_project_id(decode_project_id(match(raw)[1])),  # type: ignore[index]
                budget,
            ),
        ),
        Timing(
            "    Store.poll", measure(lambda: store.poll("full-migration", Kind.MIGRATION), budget)
        ),
        Timing("    RequestIds.next", measure(runtime.ids.next, budget), "random + uuid.UUID"),
        Timing(
            "    envelope.data + success",
            measure(
                lambda: envelope.success(envelope.data(Kind.MIGRATION, flags, snap), "x", "0 ms"),
                budget,
            ),
        ),
        Timing("    envelope.encode", measure(lambda: envelope.encode(document), budget), "json"),
        Timing(
            "    perf_counter x2 + cost_text",
            measure(lambda: envelope.cost_text(time.perf_counter() - time.perf_counter()), budget),
        ),
    ]


def run(budget: float = 0.1, many: int = 10_000) -> list[Timing]:
    library = load_bundled()
    return [
        *engine_timings(library, budget),
        *store_timings(library, budget, many),
        *request_timings(library, budget),
    ]


if __name__ == "__main__":
    for timing in run():
        print(f"{timing.name:40} {timing.ns:10,.0f} ns  {timing.note}")
