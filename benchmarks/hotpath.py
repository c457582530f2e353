"""Where a server's time goes under load: py-spy samples of mock-oms (or the baseline).

    pip install py-spy                       # a diagnostic tool, not a dependency
    python benchmarks/hotpath.py             # mock-oms, 15 s under wrk (or the Python client)
    python benchmarks/hotpath.py --target baseline --raw baseline.raw

It starts the server as ``run.py`` does, loads it over the same mix of projects, samples it
with ``py-spy record --format raw`` (collapsed stacks) and prints the share of samples in
each part of a request: uvicorn's parsing and ASGI cycle, the socket write, mock-oms's
dispatch, routing, store and engine, the envelope, JSON encoding, request IDs. Each sample
is charged to the innermost frame that a rule below recognizes, so a dataclass ``__init__``
called by the engine counts as engine time. Native code (uvloop, httptools' C parser, the
kernel's side of a socket write) has no Python frame of its own: it is charged to the
Python frame that called it, or to "event loop" when there is none.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import load
import procs
from run import project_paths

from mock_oms.scenarios.loader import load_bundled

# (bucket, pattern on "function (file)"), innermost match wins; order breaks ties in a frame.
RULES: tuple[tuple[str, str], ...] = (
    ("path match + id decode/check", r"^(match|decode_project_id|check_project_id) |\(urllib/"),
    ("engine.poll (state machine)", r"\(mock_oms/(engine|scenario|lifecycle)\.py\)"),
    ("Store.poll (lock, lookup, clock)", r"\(mock_oms/(store|clock)\.py\)$|^Store\."),
    ("JSON encoding", r"\(json/|^encode \(mock_oms/envelope\.py\)"),
    ("request ID (random + uuid)", r"\(uuid\.py\)|\(random\.py\)|^RequestIds\."),
    ("envelope dicts + cost text", r"\(mock_oms/envelope\.py\)"),
    ("OmsApi.__call__/answer (rest)", r"\(mock_oms/oms_api\.py\)"),
    ("MockOms.__call__ dispatch", r"\(mock_oms/app\.py\)"),
    ("journal (record, poll stats)", r"\(mock_oms/(journal|polls)\.py\)"),
    (
        "access guard, faults, delivery",
        r"\(mock_oms/(access|faults|replay|delivery|injections)\.py\)",
    ),
    ("baseline Starlette app", r"\(starlette/|\(benchmarks/baseline\.py\)"),
    ("uvicorn send (socket write)", r"^RequestResponseCycle\.send "),
    ("uvicorn ASGI cycle + middleware", r"^RequestResponseCycle\.|ProxyHeaders|_TrustedHosts"),
    ("uvicorn/httptools parsing", r"^HttpToolsProtocol\.|\(httptools/"),
    ("logging", r"\(logging/"),
)
_COMPILED = [(bucket, re.compile(pattern)) for bucket, pattern in RULES]
_LINE = re.compile(r" \((.*?):\d+\)$")


def frame_name(frame: str) -> str:
    """``fn (path/to/site-packages/pkg/mod.py:12)`` -> ``fn (pkg/mod.py)``."""
    return _LINE.sub(lambda m: f" ({'/'.join(m.group(1).split('/')[-2:])})", frame)


def bucket_of(frames: Sequence[str]) -> str:
    for frame in reversed(frames):
        for bucket, pattern in _COMPILED:
            if pattern.search(frame):
                return bucket
    return "event loop (uvloop, native) + other"


def summarize(raw: str, top: int = 25) -> str:
    buckets: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";")]
        total += n
        buckets[bucket_of(frames)] += n
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if total == 0:
        return "no samples"
    out = [f"{total} samples", "", "where the time goes (innermost recognized frame):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in buckets.most_common()]
    out += ["", f"inclusive (top {top}):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    out += ["", f"self (top {top}):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in leaf.most_common(top)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="py-spy profile of a server under load.")
    parser.add_argument("--target", choices=["mock-oms", "baseline"], default="mock-oms")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--server-arg", action="append", default=[])
    parser.add_argument("--mock-oms", metavar="COMMAND", help="instead of the installed one")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        parser.error("py-spy is not installed: pip install py-spy")
    client = args.client
    if client == "auto":
        client = "wrk" if load.wrk_available() else "python"
    paths = project_paths(load_bundled(), 4)

    with tempfile.TemporaryDirectory(prefix="mock-oms-profile-") as tmp:
        raw_file = args.raw or Path(tmp) / "profile.raw"
        with procs.servers(
            [("mock-oms", procs.mock_oms_command(args.server_arg, args.mock_oms))]
        ) as (oms,):
            body = sorted(load.touch_all(oms.host, oms.port, paths), key=len)[len(paths) // 2]
            (Path(tmp) / "body.json").write_bytes(body)
            specs = [("baseline", procs.baseline_command(Path(tmp) / "body.json"))]
            with procs.servers(specs) as (base,):
                server = oms if args.target == "mock-oms" else base
                seconds = args.seconds + 3
                result: list[load.LoadResult] = []

                def drive() -> None:
                    result.append(
                        load.run(
                            client,
                            server.host,
                            server.port,
                            paths,
                            connections=args.connections,
                            seconds=seconds,
                        )
                    )

                loader = threading.Thread(target=drive)
                loader.start()
                try:
                    threading.Event().wait(1.5)  # let the load settle before sampling
                    subprocess.run(
                        [
                            spy,
                            "record",
                            "--pid",
                            str(server.process.pid),
                            "--duration",
                            str(args.seconds),
                            "--rate",
                            str(args.rate),
                            "--format",
                            "raw",
                            "--output",
                            str(raw_file),
                        ],
                        check=True,
                        capture_output=True,
                    )
                finally:
                    loader.join()
        figures = result[0] if result else None
        print(f"{args.target} under {client}, {args.connections} connections", end="")
        if figures is not None:
            print(
                f": {figures.rps:,.0f} req/s, p99 {figures.p99_ms:.2f} ms, "
                f"errors {figures.errors}; load average {procs.load_average()}"
            )
        print(summarize(raw_file.read_text(encoding="utf-8"), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
