"""Does an open dashboard cost the OMS endpoints throughput? Measured in one run.

    python benchmarks/dashboard.py                 # 4 rounds of 10 s each way: about 2 minutes
    python benchmarks/dashboard.py --quick         # 3 rounds of 3 s
    python benchmarks/dashboard.py --json out.json

One ``mock-oms serve`` (bundled scenarios, real clock at speed 60), the page being
``/_mock/ui`` open in a real headless Chromium (Debian's ``chromium``, driven by Playwright in
a child process) with one project selected (the first listed) so that its timeline, polls
and faults are read too, refreshing every second as it does by default:

1. idle, the server's CPU time over ``--idle`` seconds without the page, then with it open:
   what the page itself costs the server, with no load to blur it;
2. loaded over the same mix of projects as ``run.py``, in alternating rounds without and
   with the page: requests/s, latencies, and the server's CPU time per OMS request (its
   control calls included: that is the page's cost to the server). Each ratio is
   with/without: the median over the rounds of a round with the page against the round just
   before it (the machine drifts; a pair shares its state).

The child counts the control calls the page made, so the figures say what was open.
"""

from __future__ import annotations

import argparse
import json
import select
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import load
import procs
from run import project_paths

from mock_oms.scenarios.loader import load_bundled

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Rounds:
    name: str
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # server CPU per OMS request
    errors: int = 0
    control_calls_per_s: list[float] = field(default_factory=list)

    def median(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return float(statistics.median(values)) if values else float("nan")


class Page:
    """/_mock/ui open in a headless Chromium, in a child process (this one drives the load
    with its own event loop)."""

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--hold-page", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "READY":
            self.process.kill()
            raise RuntimeError(f"the dashboard did not open: {line!r}")

    def close(self) -> tuple[int, float]:
        """Close the page; the control calls it made and over how many seconds."""
        out, _ = self.process.communicate(timeout=60)
        calls, seconds = out.split()[-2:]
        return int(calls), float(seconds)


def hold_page(url: str) -> None:
    """The child: open the page, select a project, report READY; on stdin's end, close and
    print how many control calls it made and over how long."""
    from playwright.sync_api import expect, sync_playwright

    calls = 0

    def counted(request: Any) -> None:
        nonlocal calls
        if "/_mock/" in request.url and "/_mock/ui" not in request.url:
            calls += 1

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.locator("#projects tbody tr").first.click(timeout=30_000)
        expect(page.locator("#timeline svg")).to_be_visible(timeout=30_000)
        page.on("request", counted)
        began = time.monotonic()
        print("READY", flush=True)
        while not select.select([sys.stdin], [], [], 0)[0]:  # until the parent closes it
            page.wait_for_timeout(250)  # Playwright's own loop runs meanwhile
        sys.stdin.read()
        seconds = time.monotonic() - began
        if page.evaluate("document.hidden"):
            raise SystemExit("the page was hidden: it did not refresh")
        browser.close()
    print(calls, f"{seconds:.3f}", flush=True)


def idle_cost(server: procs.Server, url: str, seconds: float) -> dict[str, float]:
    """The server's CPU time a second, idle, without and then with the page open: what the
    page itself costs it, free of the noise of a load."""
    before = server.cpu_seconds()
    time.sleep(seconds)
    alone = (server.cpu_seconds() - before) / seconds
    page = Page(url)
    try:
        before = server.cpu_seconds()
        time.sleep(seconds)
        opened = (server.cpu_seconds() - before) / seconds
    finally:
        calls, took = page.close()
    return {
        "cpu_ms_per_s_without": alone * 1000,
        "cpu_ms_per_s_with": opened * 1000,
        "control_calls_per_s": calls / took,
    }


def measure(
    args: argparse.Namespace, server: procs.Server, paths: Sequence[str], into: Rounds
) -> None:
    before = server.cpu_seconds()
    result = load.run(
        args.client,
        server.host,
        server.port,
        paths,
        connections=args.connections,
        seconds=args.duration,
    )
    if result.requests == 0:
        raise RuntimeError(f"no request answered in {args.duration} s")
    into.rps.append(result.rps)
    into.p50_ms.append(result.p50_ms)
    into.p99_ms.append(result.p99_ms)
    into.cpu_us.append((server.cpu_seconds() - before) / result.requests * 1e6)
    into.errors += result.errors


def show(label: str, rounds: Rounds) -> None:
    extra = (
        f"  page: {rounds.control_calls_per_s[-1]:.1f} control calls/s"
        if rounds.control_calls_per_s
        else ""
    )
    print(
        f"  {label:8} {rounds.name:18} {rounds.rps[-1]:9,.0f} req/s  p50 {rounds.p50_ms[-1]:6.2f}"
        f" ms  p99 {rounds.p99_ms[-1]:6.2f} ms  CPU {rounds.cpu_us[-1]:5.0f} us/req{extra}",
        flush=True,
    )


def report(without: Rounds, with_page: Rounds) -> dict[str, Any]:
    def paired(name: str) -> float:
        """The median of each round's ratio to the round before it: a round with the page
        is compared with the round just before, on the machine as it was then."""
        pairs = zip(getattr(with_page, name), getattr(without, name), strict=True)
        return float(statistics.median(w / wo for w, wo in pairs))

    return {
        "without": asdict(without),
        "with": asdict(with_page),
        "ratio_requests_per_s": paired("rps"),
        "ratio_cpu_us_per_request": paired("cpu_us"),
        "ratio_p99": paired("p99_ms"),
        "round_ratios_requests_per_s": [
            w / wo for w, wo in zip(with_page.rps, without.rps, strict=True)
        ],
        "control_calls_per_s": with_page.median("control_calls_per_s"),
    }


def table(results: dict[str, Any]) -> str:
    lines = [f"{'':28}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU us':>9}{'errors':>8}"]
    for key, label in (("without", "without a dashboard"), ("with", "with /_mock/ui open")):
        r = Rounds(**results[key])
        lines.append(
            f"{label:28}{r.median('rps'):10,.0f}{r.median('p50_ms'):9.2f}"
            f"{r.median('p99_ms'):9.2f}{r.median('cpu_us'):9.0f}{r.errors:8}"
        )
    lines.append(
        f"{'ratio with/without':28}{results['ratio_requests_per_s']:9.2f}x{'':9}"
        f"{results['ratio_p99']:8.2f}x{results['ratio_cpu_us_per_request']:8.2f}x"
    )
    spread = ", ".join(f"{r:.2f}" for r in results["round_ratios_requests_per_s"])
    lines.append(f"  (medians of the rounds' ratios; req/s ratio of each round: {spread})")
    lines.append(f"the open page made {results['control_calls_per_s']:.1f} control calls/s")
    idle = results["idle"]
    cost = idle["cpu_ms_per_s_with"] - idle["cpu_ms_per_s_without"]
    lines.append(
        f"idle, the open page cost the server {cost:.1f} ms of CPU a second "
        f"({cost / 10:.2f} % of one core)"
    )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="mock-oms's OMS endpoints with and without the dashboard open.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds of 3 s")
    parser.add_argument("--rounds", type=int, default=None, help="rounds each way [4]")
    parser.add_argument("--duration", type=float, default=None, help="seconds a round [10]")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle, each way")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--instances", type=int, default=4, help="NAME~N per scenario in the mix")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--hold-page", metavar="URL", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args(argv)
    if args.client == "auto":
        args.client = "wrk" if load.wrk_available() else "python"
    args.rounds = args.rounds or (3 if args.quick else 4)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.hold_page:
        hold_page(args.hold_page)
        return 0
    paths = project_paths(load_bundled(), args.instances)
    without, with_page = Rounds("mock-oms"), Rounds("mock-oms + dashboard")
    print(
        f"{args.rounds} rounds of {args.duration:g} s each way, {args.connections} connections,"
        f" {args.client} client, {len(paths)} paths; load average {procs.load_average()}",
        flush=True,
    )
    command = procs.mock_oms_command(["--speed", "60"])
    with procs.servers([("mock-oms", command)]) as (server,):
        load.touch_all(server.host, server.port, paths)
        load.run(
            args.client,
            server.host,
            server.port,
            paths,
            connections=args.connections,
            seconds=args.warmup,
        )
        url = f"http://{server.host}:{server.port}/_mock/ui"
        idle = idle_cost(server, url, args.idle)
        print(
            f"  idle     the server's CPU: {idle['cpu_ms_per_s_without']:.1f} ms/s alone, "
            f"{idle['cpu_ms_per_s_with']:.1f} ms/s with the page open "
            f"({idle['control_calls_per_s']:.1f} control calls/s)",
            flush=True,
        )
        for n in range(1, args.rounds + 1):
            measure(args, server, paths, without)
            show(f"round {n}", without)
            page = Page(url)
            try:
                measure(args, server, paths, with_page)
            finally:
                calls, seconds = page.close()
            with_page.control_calls_per_s.append(calls / seconds)
            show(f"round {n}", with_page)
    results = report(without, with_page)
    results["idle"] = idle
    results["options"] = {k: v for k, v in vars(args).items() if k != "json"}
    results["load_average_after"] = procs.load_average()
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
