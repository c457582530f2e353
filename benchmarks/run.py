"""The mock-oms benchmark: mock-oms against a bare Starlette baseline, in one run.

    python benchmarks/run.py            # 3 interleaved rounds of 10 s, 32 connections
    python benchmarks/run.py --quick    # 3 rounds of 3 s
    python benchmarks/run.py --json results.json

Run it with the Python that has mock-oms installed (``.venv/bin/python``). It

1. times one poll's evaluation in process (``engine.poll``, ``Store.poll``, the pieces of a
   request), including a 1,000-phase scenario;
2. starts ``mock-oms serve`` (bundled scenarios, real clock) and ``baseline.py`` (a bare
   Starlette route returning precomputed bytes of the size of a mock-oms progress response,
   same uvicorn settings) and loads them in turn (baseline, mock-oms, baseline, ...) with
   wrk when installed, else a Python asyncio client, over a mix of bundled projects and
   ``NAME~N`` instances, while sampling responses to check against the schemas;
3. measures the time from process start to the first 200 (median of 5 fresh starts each);
4. loads two fresh mock-oms servers, one over 10 projects and one over 10,000
   (``full-migration~1..N``, each polled once first), in turn;
5. prints a table of medians, the ratios and the issue's targets, met or not.

Everything listens on 127.0.0.1 and every process it starts is stopped before it exits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import load
import micro
import procs
from load import LoadResult, Sample, Sampler
from procs import Server

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.core.library import Library
from mock_oms.scenarios.loader import load_bundled

FIRST_200_PATH = "/api/omsp/v2/migrations/full-migration/progress"


@dataclass(frozen=True)
class Options:
    rounds: int
    duration: float
    connections: int
    threads: int
    client: str  # "wrk" or "python"
    warmup: float
    starts: int
    few: int
    many: int
    instances: int
    micro_budget: float
    server_args: tuple[str, ...]
    program: str | None


@dataclass
class Series:
    """The rounds of one server under load."""

    name: str
    rounds: list[LoadResult] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # server CPU time per request

    def median(self, attribute: str) -> float:
        return float(statistics.median(getattr(r, attribute) for r in self.rounds))

    @property
    def rss(self) -> float:
        return statistics.median(self.rss_mb) if self.rss_mb else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_us) if self.cpu_us else float("nan")

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    def summary(self) -> dict[str, Any]:
        return {
            "requests_per_s": self.median("rps"),
            "p50_ms": self.median("p50_ms"),
            "p99_ms": self.median("p99_ms"),
            "errors": self.errors,
            "rss_mb": self.rss,
            "cpu_us_per_request": self.cpu,
            "rounds": [{**asdict(r), "rps": r.rps} for r in self.rounds],
            "rss_mb_rounds": self.rss_mb,
            "cpu_us_per_request_rounds": self.cpu_us,
        }


@dataclass
class Checked:
    """Responses sampled during the load, checked against the progress schemas."""

    count: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, samples: Sequence[Sample], failures: Sequence[str] = ()) -> None:
        self.count += len(samples)
        self.problems.extend(failures)
        for sample in samples:
            kind = Kind.SYNC if "/v2/sync/" in sample.path else Kind.MIGRATION
            schema = schemas.PROGRESS_SCHEMAS[kind]
            if sample.path.startswith("POST "):  # a V4 call
                schema = schemas.V4_ACTIONS["DescribeProjectProgress"]
            try:
                document = json.loads(sample.body)
            except ValueError:
                self.problems.append(f"{sample.path}: not JSON: {sample.body[:80]!r}")
                continue
            found = schemas.errors(schema, document)
            if sample.status != 200 or document.get("success") is not True:
                found.append(f"HTTP {sample.status}, success={document.get('success')!r}")
            self.problems.extend(f"{sample.path}: {p}" for p in found)


def left_out(library: Library) -> list[str]:
    """The scenarios the mix leaves out: those declaring faults or replaying a recording
    answer slowly, with errors or with broken bodies on purpose, which measures the fault,
    not the server."""
    return [s.name for s in library if not getattr(s, "plain", True)]


def project_paths(library: Library, instances: int) -> list[str]:
    """Every plain bundled project (names and listed IDs) and ``instances`` of each."""
    skipped = set(left_out(library))
    paths: list[str] = []
    for scenario in library:
        if scenario.name in skipped:
            continue
        segment = "migrations" if scenario.kind is Kind.MIGRATION else "sync"
        ids = [
            scenario.name,
            *scenario.projects,
            *(f"{scenario.name}~bench{i}" for i in range(1, instances + 1)),
        ]
        paths.extend(f"/api/omsp/v2/{segment}/{pid}/progress" for pid in ids)
    return paths


V4_PROGRESS = "POST /api/v2?Action=DescribeProjectProgress "


def v4_paths(paths: Sequence[str]) -> list[str]:
    """The same projects as ``paths`` (V3 progress paths), polled through V4."""
    return [V4_PROGRESS + json.dumps({"id": p.split("/")[-2]}) for p in paths]


def instance_paths(n: int) -> list[str]:
    return [f"/api/omsp/v2/migrations/full-migration~{i}/progress" for i in range(1, n + 1)]


def drive(options: Options, server: Server, paths: Sequence[str], seconds: float) -> LoadResult:
    result = _drive(options, server, paths, seconds)
    if result.requests == 0:
        raise RuntimeError(f"{server.name} answered no request in {seconds} s: {result}")
    return result


def _drive(options: Options, server: Server, paths: Sequence[str], seconds: float) -> LoadResult:
    return load.run(
        options.client,
        server.host,
        server.port,
        paths,
        connections=options.connections,
        seconds=seconds,
        threads=options.threads,
    )


def show_round(label: str, name: str, result: LoadResult, series: Series) -> None:
    print(
        f"  {label:11} {name:16} {result.rps:9,.0f} req/s  p50 {result.p50_ms:6.2f} ms"
        f"  p99 {result.p99_ms:6.2f} ms  errors {result.errors:<4}"
        f" RSS {series.rss_mb[-1]:6.1f} MB  CPU {series.cpu_us[-1]:5.0f} us/req",
        flush=True,
    )


def interleave(
    options: Options,
    runs: Sequence[tuple[Server, Sequence[str], bool]],
    checked: Checked,
) -> list[Series]:
    """Load each server in turn, round after round; sample those flagged for checking."""
    if options.warmup > 0:
        for server, paths, _ in runs:
            drive(options, server, paths, options.warmup)
    series = [Series(server.name) for server, _, _ in runs]
    for r in range(1, options.rounds + 1):
        for (server, paths, check), into in zip(runs, series, strict=True):
            cpu = server.cpu_seconds()
            if check:
                with Sampler(server.host, server.port, paths) as sampler:
                    result = drive(options, server, paths, options.duration)
                checked.add(sampler.samples, sampler.failures)
            else:
                result = drive(options, server, paths, options.duration)
            into.rounds.append(result)
            into.rss_mb.append(server.rss_mb())
            into.cpu_us.append((server.cpu_seconds() - cpu) / result.requests * 1e6)
            show_round(f"round {r}/{options.rounds}", server.name, result, into)
    return series


def compare_with_baseline(
    options: Options, oms: Server, paths: Sequence[str], checked: Checked, tmp: Path
) -> tuple[Series, Series, Path]:
    bodies = load.touch_all(oms.host, oms.port, paths)
    body = sorted(bodies, key=len)[len(bodies) // 2]
    body_file = tmp / "body.json"
    body_file.write_bytes(body)
    print(f"  mock-oms over {len(paths)} paths; baseline body {len(body)} bytes", flush=True)
    with procs.servers([("baseline", procs.baseline_command(body_file))]) as (base,):
        baseline, mock_oms = interleave(
            options, [(base, paths, False), (oms, paths, True)], checked
        )
    return baseline, mock_oms, body_file


def compare_dialects(
    options: Options, oms: Server, paths: Sequence[str], checked: Checked
) -> tuple[Series, Series]:
    """The same server, the same projects, polled through V3 and through V4 in turn."""
    v4 = v4_paths(paths)
    load.touch_all(oms.host, oms.port, v4)
    series = (Series("V3 progress"), Series("V4 progress"))
    for r in range(1, options.rounds + 1):
        for mix, into in zip((paths, v4), series, strict=True):
            cpu = oms.cpu_seconds()
            with Sampler(oms.host, oms.port, mix) as sampler:
                result = drive(options, oms, mix, options.duration)
            checked.add(sampler.samples, sampler.failures)
            into.rounds.append(result)
            into.rss_mb.append(oms.rss_mb())
            into.cpu_us.append((oms.cpu_seconds() - cpu) / result.requests * 1e6)
            show_round(f"round {r}/{options.rounds}", into.name, result, into)
    return series


def start_times(options: Options, body_file: Path) -> dict[str, list[float]]:
    commands = {
        "baseline": procs.baseline_command(body_file),
        "mock-oms": procs.mock_oms_command(options.server_args, options.program),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(options.starts):
        for name, command in commands.items():
            times[name].append(procs.time_to_first_200(name, command, FIRST_200_PATH))
    for name, values in times.items():
        shown = " ".join(f"{v:.2f}" for v in values)
        print(f"  start to first 200  {name:9} {shown} s", flush=True)
    return times


def scale(
    options: Options, small: Server, big: Server, checked: Checked
) -> tuple[Series, Series, float]:
    few, many = instance_paths(options.few), instance_paths(options.many)
    load.touch_all(small.host, small.port, few)
    began = time.perf_counter()
    load.touch_all(big.host, big.port, many)
    created = time.perf_counter() - began
    print(f"  created {options.many:,} projects in {created:.1f} s", flush=True)
    small_series, big_series = interleave(options, [(small, few, True), (big, many, True)], checked)
    return small_series, big_series, created


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def targets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    r = results["ratios"]
    oms_start = results["start_s"]["mock-oms"]
    big = results["scale"]["many"]
    errors = (
        results["baseline"]["errors"]
        + results["mock-oms"]["errors"]
        + results["scale"]["few"]["errors"]
        + big["errors"]
    )
    check = results["schema_check"]
    dialects = results["dialects"]
    return [
        (
            "throughput >= 0.8x baseline",
            r["requests_per_s"] >= 0.8,
            f"{r['requests_per_s']:.2f}x",
        ),
        ("p99 <= 1.5x baseline", r["p99_ms"] <= 1.5, f"{r['p99_ms']:.2f}x"),
        ("start to first 200 <= 0.5 s", oms_start <= 0.5, f"{oms_start:.2f} s"),
        (
            f"{results['options']['many']:,} projects >= 0.9x of {results['options']['few']}",
            r["scale_requests_per_s"] >= 0.9,
            f"{r['scale_requests_per_s']:.2f}x",
        ),
        (
            f"{results['options']['many']:,} projects RSS < 150 MB",
            big["rss_mb"] < 150,
            f"{big['rss_mb']:.0f} MB",
        ),
        ("no errors under load", errors == 0, f"{errors}"),
        (
            "V4 progress CPU/request <= 1.1x V3's",
            dialects["cpu_ratio"] <= 1.1,
            f"{dialects['cpu_ratio']:.2f}x",
        ),
        (
            "sampled responses valid (schemas)",
            check["count"] > 0 and not check["problems"],
            f"{check['count'] - len(check['problems'])}/{check['count']}",
        ),
    ]


def table(results: dict[str, Any]) -> str:
    o = results["options"]
    base, oms, r = results["baseline"], results["mock-oms"], results["ratios"]
    small, big = results["scale"]["few"], results["scale"]["many"]
    starts = results["start_s"]

    def row(name: str, s: dict[str, Any], start: str = "") -> str:
        return (
            f"{name:26} {s['requests_per_s']:10,.0f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f}"
            f" {s['errors']:7} {s['rss_mb']:8.1f} {s['cpu_us_per_request']:8.0f} {start:>9}"
        )

    scale_label = f"ratio {o['many']:,}/{o['few']:,}"
    head = (
        f"{'':26} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB':>8}"
        f" {'CPU us':>8}"
    )
    lines = [
        "",
        f"mock-oms benchmark: {o['client']}, {o['connections']} connections, "
        f"{o['rounds']} interleaved rounds of {o['duration']:g} s, medians; "
        f"load average {results['load_average']['before']} -> "
        f"{results['load_average']['after']}",
        "",
        f"{head} {'start s':>9}",
        row("baseline (Starlette)", base, f"{starts['baseline']:.2f}"),
        row(f"mock-oms ({o['mix_paths']} paths)", oms, f"{starts['mock-oms']:.2f}"),
        f"{'ratio mock-oms/baseline':26} {r['requests_per_s']:9.2f}x {r['p50_ms']:7.2f}x"
        f" {r['p99_ms']:7.2f}x {'':7} {r['rss_mb']:7.2f}x {r['cpu_us_per_request']:7.2f}x"
        f" {r['start_s']:8.2f}x",
        "(CPU us: the server's user + system CPU time per request, from /proc/PID/stat; it"
        " depends less than req/s on what else the machine runs)",
        "",
        head,
        row(f"mock-oms {o['few']:,} projects", small),
        row(f"mock-oms {o['many']:,} projects", big),
        f"{scale_label:26} {r['scale_requests_per_s']:9.2f}x"
        f" {'':8} {r['scale_p99_ms']:7.2f}x {'':7} {r['scale_rss_mb']:7.2f}x"
        f" {r['scale_cpu_us_per_request']:7.2f}x",
        f"({o['many']:,} projects created by one poll each"
        f" in {results['scale']['created_s']:.1f} s)",
        "",
        "one poll in process (ns per call, best of 5):",
        *(f"  {m['name']:40} {m['ns']:9,.0f}  {m['note']}" for m in results["micro"]),
        "",
        f"{'':26} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB':>8}"
        f" {'CPU us':>8}",
        row("V3 progress (same server)", results["dialects"]["v3"]),
        row("V4 progress (same server)", results["dialects"]["v4"]),
        f"{'ratio V4/V3':26} {results['dialects']['rps_ratio']:9.2f}x {'':8} {'':8} {'':7}"
        f" {'':8} {results['dialects']['cpu_ratio']:7.2f}x",
        "",
        f"schema check: {results['schema_check']['count']} responses sampled during the load, "
        f"{len(results['schema_check']['problems'])} problems",
        *(f"  {p}" for p in results["schema_check"]["problems"][:10]),
        "",
        "targets (issue 7):",
        *(
            f"  [{'met' if met else 'NOT MET':7}] {name:40} {value}"
            for name, met, value in targets(results)
        ),
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        description="Benchmark mock-oms against a bare Starlette baseline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="rounds of 3 s, short micro")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=None, help="seconds a round [10]")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--warmup", type=float, default=None, help="seconds per server [1]")
    parser.add_argument("--starts", type=int, default=5, help="fresh starts timed per server")
    parser.add_argument("--few", type=int, default=10, help="projects of the small server")
    parser.add_argument("--many", type=int, default=10_000, help="projects of the big server")
    parser.add_argument("--instances", type=int, default=4, help="NAME~N per scenario in the mix")
    parser.add_argument("--micro-budget", type=float, default=None, help="seconds per case [0.2]")
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="an extra argument to `mock-oms serve` (repeatable), e.g. --server-arg=--access-log",
    )
    parser.add_argument(
        "--mock-oms",
        metavar="COMMAND",
        help="run this instead of the installed mock-oms (COMMAND serve --port 0 ... is run)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when a target is not met"
    )
    args = parser.parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if load.wrk_available() else "python"
    elif client == "wrk" and not load.wrk_available():
        parser.error("wrk is not installed (apt-get install wrk), use --client python")
    duration = args.duration if args.duration is not None else (3.0 if args.quick else 10.0)
    warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    budget = args.micro_budget if args.micro_budget is not None else (0.05 if args.quick else 0.2)
    if args.rounds < 1 or args.starts < 1 or args.few < 1 or args.many < 1:
        parser.error("--rounds, --starts, --few and --many must be at least 1")
    return Options(
        rounds=args.rounds,
        duration=duration,
        connections=args.connections,
        threads=args.threads,
        client=client,
        warmup=warmup,
        starts=args.starts,
        few=args.few,
        many=args.many,
        instances=args.instances,
        micro_budget=budget,
        server_args=tuple(args.server_arg),
        program=args.mock_oms,
    ), args


def main(argv: Sequence[str] | None = None) -> int:
    options, args = parse(argv)
    library = load_bundled()
    paths = project_paths(library, options.instances)
    results: dict[str, Any] = {
        "options": {**asdict(options), "mix_paths": len(paths), "left_out": left_out(library)},
        "load_average": {"before": procs.load_average()},
        "python": sys.version.split()[0],
    }
    checked = Checked()
    print(f"load average {results['load_average']['before']}; client {options.client}")
    if results["options"]["left_out"]:
        print(f"mix: {len(paths)} paths; left out (faults or replays by design): ", end="")
        print(", ".join(results["options"]["left_out"]))
    print("micro-benchmarks ...", flush=True)
    timings = micro.run(options.micro_budget, options.many)
    results["micro"] = [asdict(t) for t in timings]
    command = procs.mock_oms_command(options.server_args, options.program)
    specs = [
        ("mock-oms", command),  # the servers of the scale runs start now too, to save time
        (f"{options.few:,} projects", command),
        (f"{options.many:,} projects", command),
    ]
    with (
        tempfile.TemporaryDirectory(prefix="mock-oms-bench-") as tmp,
        procs.servers(specs) as (
            oms,
            few,
            many,
        ),
    ):
        print("mock-oms against the baseline ...", flush=True)
        baseline, mock_oms, body_file = compare_with_baseline(
            options, oms, paths, checked, Path(tmp)
        )
        print("V4 against V3 on the same server ...", flush=True)
        v3_series, v4_series = compare_dialects(options, oms, paths, checked)
        print("start to first 200 ...", flush=True)
        starts = start_times(options, body_file)
        print(f"{options.few:,} against {options.many:,} projects ...", flush=True)
        small, big, created = scale(options, few, many, checked)
    results["load_average"]["after"] = procs.load_average()
    results["baseline"] = baseline.summary()
    results["mock-oms"] = mock_oms.summary()
    results["start_s"] = {name: statistics.median(v) for name, v in starts.items()}
    results["start_s_runs"] = starts
    results["scale"] = {"few": small.summary(), "many": big.summary(), "created_s": created}
    results["schema_check"] = {"count": checked.count, "problems": checked.problems}
    v3s, v4s = v3_series.summary(), v4_series.summary()
    results["dialects"] = {
        "v3": v3s,
        "v4": v4s,
        "rps_ratio": ratio(v4s["requests_per_s"], v3s["requests_per_s"]),
        "cpu_ratio": ratio(v4s["cpu_us_per_request"], v3s["cpu_us_per_request"]),
    }
    b, m = results["baseline"], results["mock-oms"]
    results["ratios"] = {
        "requests_per_s": ratio(m["requests_per_s"], b["requests_per_s"]),
        "p50_ms": ratio(m["p50_ms"], b["p50_ms"]),
        "p99_ms": ratio(m["p99_ms"], b["p99_ms"]),
        "rss_mb": ratio(m["rss_mb"], b["rss_mb"]),
        "cpu_us_per_request": ratio(m["cpu_us_per_request"], b["cpu_us_per_request"]),
        "start_s": ratio(results["start_s"]["mock-oms"], results["start_s"]["baseline"]),
        "scale_requests_per_s": ratio(
            results["scale"]["many"]["requests_per_s"], results["scale"]["few"]["requests_per_s"]
        ),
        "scale_p99_ms": ratio(
            results["scale"]["many"]["p99_ms"], results["scale"]["few"]["p99_ms"]
        ),
        "scale_cpu_us_per_request": ratio(
            results["scale"]["many"]["cpu_us_per_request"],
            results["scale"]["few"]["cpu_us_per_request"],
        ),
        "scale_rss_mb": ratio(
            results["scale"]["many"]["rss_mb"], results["scale"]["few"]["rss_mb"]
        ),
    }
    verdicts = targets(results)
    results["targets"] = [{"target": n, "met": met, "value": v} for n, met, v in verdicts]
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults written to {args.json}")
    if args.fail_on_miss and not all(met for _, met, _ in verdicts):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
