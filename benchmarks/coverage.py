"""What counting exposure coverage costs a poll (issue 16), with and without, in one run.

    python benchmarks/coverage.py            # in process, then 2 servers, 3 rounds of 10 s
    python benchmarks/coverage.py --quick    # rounds of 3 s
    python benchmarks/coverage.py --json out.json

1. In process (no sockets), in pairs of short loops, coverage on and off side by side: the
   median ratio of the pairs, and the median nanoseconds per call of each. The whole
   V3 ASGI app (``OmsApi.__call__``) on a runtime that counts what its clients are shown
   and on one that does not (``--no-coverage``), polling one project and rotating over
   1,000 (the counts grow a key per project); the V4 progress call the same way; the
   journal's ``record`` alone.
2. Over HTTP: two ``mock-oms serve`` processes, one with ``--no-coverage``, loaded in turn
   round after round with the same V3 mix as ``run.py`` (wrk when installed, else the
   Python client); the server's CPU time per request and the requests per second.

The ratio on/off of each pair is printed; the in-process ratio of the V3 call is the figure
of the issue. Everything listens on 127.0.0.1 and is stopped before it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import load
import micro
import procs
import run
from micro import EPOCH

from mock_oms.config import Settings
from mock_oms.core.clock import Clock
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.core.store import Store
from mock_oms.journal.requests import Journal
from mock_oms.oms import envelope
from mock_oms.scenarios.loader import load_bundled
from mock_oms.web.oms_api import OmsApi
from mock_oms.web.runtime import Runtime
from mock_oms.web.v4_api import V4Api

ROTATION = 1_000  # projects a rotating poller goes over
PAIRED = 101  # pairs of loops (coverage on, off) a case is timed in


def _runtime(library: Library, coverage: bool) -> Runtime:
    store = Store(library, Clock(time.monotonic), EPOCH)
    journal = Journal(max_tracked=100_000, exposure=coverage)
    return Runtime(Settings(coverage=coverage), store, envelope.RequestIds(), journal=journal)


def _drive(app: Callable[..., Any], scope: dict[str, Any], body: bytes = b"") -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: object) -> None:
        pass

    coro = app(scope, receive, send)
    with contextlib.suppress(StopIteration):
        coro.send(None)


def v3_call(runtime: Runtime, rotate: bool) -> Callable[[], None]:
    api = OmsApi(runtime)
    paths = [
        f"/api/omsp/v2/migrations/full-migration{f'~{i}' if rotate else ''}/progress"
        for i in range(ROTATION if rotate else 1)
    ]
    scopes = [{"type": "http", "method": "GET", "path": p, "raw_path": p.encode()} for p in paths]
    for scope in scopes:  # every project exists before the timing
        _drive(api, scope)
    turn = iter(range(10**12))

    def call() -> None:
        _drive(api, scopes[next(turn) % len(scopes)])

    return call


def v4_call(runtime: Runtime) -> Callable[[], None]:
    api = V4Api(runtime)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v2",
        "query_string": b"Action=DescribeProjectProgress",
    }
    body = b'{"id": "full-migration"}'
    _drive(api, scope, body)
    return lambda: _drive(api, scope, body)


def record_call(coverage: bool) -> Callable[[], None]:
    journal = Journal(exposure=coverage)
    raw = b"/api/omsp/v2/migrations/full-migration/progress"

    def record() -> None:
        journal.record(
            EPOCH,
            1.0,
            "GET",
            raw,
            200,
            b"",
            "full-migration",
            None,
            1e-5,
            Status.RUNNING,
            level=Importance.LOW,
        )

    return record


PAIRS = (
    ("OmsApi.__call__, one project", "v3"),
    (f"OmsApi.__call__, {ROTATION:,} projects", "v3-rotating"),
    ("V4Api.__call__ DescribeProjectProgress", "v4"),
    ("Journal.record", "record"),
)


def paired(on: Callable[[], None], off: Callable[[], None], budget: float) -> dict[str, float]:
    """``on`` against ``off`` in short loops, side by side, the order swapped each time: the
    median of the ratios of neighbouring loops (a burst of work elsewhere on the machine
    slows both of a pair alike), and the median ns per call of each."""
    timers = (timeit.Timer(on), timeit.Timer(off))
    number = max(1, micro._loops(timers[0], budget / PAIRED / 2))
    ratios: list[float] = []
    took: tuple[list[float], list[float]] = ([], [])
    for i in range(PAIRED):
        for j in (0, 1) if i % 2 == 0 else (1, 0):
            took[j].append(timers[j].timeit(number) / number)
        ratios.append(took[0][-1] / took[1][-1])
    return {
        "on_ns": statistics.median(took[0]) * 1e9,
        "off_ns": statistics.median(took[1]) * 1e9,
        "ratio": statistics.median(ratios),
    }


def in_process(library: Library, budget: float) -> list[dict[str, Any]]:
    """Each pair's ns per call, coverage on and off, and the ratio."""
    out = []
    for name, what in PAIRS:
        calls = []
        for coverage in (True, False):
            if what == "record":
                calls.append(record_call(coverage))
            elif what == "v4":
                calls.append(v4_call(_runtime(library, coverage)))
            else:
                calls.append(v3_call(_runtime(library, coverage), rotate=what == "v3-rotating"))
        out.append({"case": name, **paired(calls[0], calls[1], budget)})
    return out


def over_http(options: run.Options, library: Library) -> dict[str, Any]:
    paths = run.project_paths(library, options.instances)
    checked = run.Checked()
    specs = [
        ("coverage on", procs.mock_oms_command()),
        ("coverage off", procs.mock_oms_command(["--no-coverage"])),
    ]
    with procs.servers(specs) as (on, off):
        for server in (on, off):
            load.touch_all(server.host, server.port, paths)
        series = run.interleave(options, [(on, paths, True), (off, paths, True)], checked)
    on_s, off_s = (s.summary() for s in series)
    return {
        "on": on_s,
        "off": off_s,
        "cpu_ratio": run.ratio(on_s["cpu_us_per_request"], off_s["cpu_us_per_request"]),
        "rps_ratio": run.ratio(on_s["requests_per_s"], off_s["requests_per_s"]),
        "schema_check": {"count": checked.count, "problems": checked.problems},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="What counting exposure coverage costs a poll, with and without.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="rounds of 3 s, short loops")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=None, help="seconds a round [10]")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--micro-budget", type=float, default=None, help="seconds a case [2]")
    parser.add_argument("--no-http", action="store_true", help="in process only")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if load.wrk_available() else "python"
    duration = args.duration if args.duration is not None else (3.0 if args.quick else 10.0)
    budget = args.micro_budget if args.micro_budget is not None else (0.5 if args.quick else 2.0)
    library = load_bundled()
    results: dict[str, Any] = {
        "load_average": {"before": procs.load_average()},
        "python": sys.version.split()[0],
    }
    print(f"load average {results['load_average']['before']}", flush=True)
    print(f"in process, {PAIRED} pairs of loops: median ns per call and ratio ...", flush=True)
    results["in_process"] = pairs = in_process(library, budget)
    for p in pairs:
        print(
            f"  {p['case']:42} on {p['on_ns']:9,.0f}  off {p['off_ns']:9,.0f}"
            f"  ratio on/off {p['ratio']:.2f}x"
        )
    if not args.no_http:
        options = run.Options(
            rounds=args.rounds,
            duration=duration,
            connections=args.connections,
            threads=1,
            client=client,
            warmup=0.5 if args.quick else 1.0,
            starts=1,
            few=1,
            many=1,
            instances=4,
            micro_budget=budget,
            server_args=(),
            program=None,
        )
        print(f"over HTTP, {client} client, {args.rounds} rounds of {duration:g} s ...", flush=True)
        results["http"] = http = over_http(options, library)
        for name in ("on", "off"):
            s = http[name]
            print(
                f"  coverage {name:4} {s['requests_per_s']:9,.0f} req/s"
                f"  CPU {s['cpu_us_per_request']:6.1f} us/req"
            )
        print(
            f"  ratio on/off: CPU per request {http['cpu_ratio']:.2f}x,"
            f" requests/s {http['rps_ratio']:.2f}x"
        )
        if http["schema_check"]["problems"]:
            print(f"  schema problems: {http['schema_check']['problems'][:5]}")
    results["load_average"]["after"] = procs.load_average()
    v3 = pairs[0]
    print(
        f"V3 poll in process, coverage on/off: {v3['ratio']:.2f}x "
        f"({v3['on_ns']:,.0f} ns against {v3['off_ns']:,.0f} ns)"
    )
    print(f"load average after {results['load_average']['after']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    failed = "http" in results and results["http"]["schema_check"]["problems"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
