"""Instructions per poll through the whole ASGI app, counted by valgrind: a figure that does
not move with what else the machine runs (timings on a shared 2-core machine move +-30 %).

    python benchmarks/instructions.py                 # V3, V4 and the baseline's Starlette app
    python benchmarks/instructions.py --polls 2000 6000

Each case runs in a fresh ``python`` under ``valgrind --tool=callgrind`` twice, with a few
and with many polls (PYTHONHASHSEED fixed); the difference divided by the difference in
polls is the cost of one poll, start-up excluded. The baseline is ``baseline.py``'s bare
Starlette route over the same ASGI calls, counted in the same run: the ratio is mock-oms's
own cost per request against the web stack under it. Needs valgrind (Debian's
``valgrind``); prints why and exits 0 without it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent

# One case: a fresh interpreter that makes N ASGI calls of one kind, in process.
CASE = r"""
import asyncio, json, sys
sys.path.insert(0, {here!r})
kind, n = sys.argv[1], int(sys.argv[2])

if kind == "baseline":
    from baseline import build
    app = build(b'{{"success":true}}')
    calls = [("GET", f"/api/omsp/v2/migrations/p{{i % 50}}/progress", b"") for i in range(n)]
else:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.web.app import create_app
    app = create_app(Settings(clock=ClockMode.MANUAL, seed=1, epoch=1.7e9))
    if kind == "v3":
        calls = [("GET", f"/api/omsp/v2/migrations/full-migration~b{{i % 50}}/progress", b"")
                 for i in range(n)]
    else:
        calls = [("POST", "/api/v2", json.dumps({{"id": f"full-migration~b{{i % 50}}"}}).encode())
                 for i in range(n)]

async def main():
    sent = []
    async def send(message):
        sent.append(message)
    for method, path, body in calls:
        async def receive(body=body):
            return {{"type": "http.request", "body": body, "more_body": False}}
        query = b"Action=DescribeProjectProgress" if kind == "v4" else b""
        scope = {{"type": "http", "method": method, "path": path, "raw_path": path.encode(),
                  "query_string": query, "headers": [(b"content-type", b"application/json")]}}
        await app(scope, receive, send)
    last = sent[-1]
    assert last["type"] == "http.response.body" and b'"success":true' in last["body"], last

asyncio.run(main())
"""


def count(python: str, script: Path, kind: str, polls: int) -> int:
    """Instructions a fresh interpreter runs for ``polls`` calls of ``kind``."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                python,
                str(script),
                kind,
                str(polls),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_poll(python: str, script: Path, kind: str, few: int, many: int) -> float:
    return (count(python, script, kind, many) - count(python, script, kind, few)) / (many - few)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--polls", type=int, nargs=2, default=(1000, 4000), metavar=("FEW", "MANY"))
    parser.add_argument("--python", default=sys.executable)
    options = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind): nothing counted")
        return 0
    few, many = options.polls
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "case.py"
        script.write_text(CASE.format(here=str(HERE)), encoding="utf-8")
        results = {
            kind: per_poll(options.python, script, kind, few, many)
            for kind in ("baseline", "v3", "v4")
        }
    base = results["baseline"]
    print("instructions per request through the ASGI app (valgrind, start-up excluded):")
    for kind, value in results.items():
        print(f"  {kind:9} {value:12,.0f}   {value / base:5.2f}x the baseline")
    print(f"  V4 / V3   {results['v4'] / results['v3']:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
