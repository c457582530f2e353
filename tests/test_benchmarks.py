"""The benchmark harness runs and reports every figure (tiny mode: 1 round of 1 s).

No timing is asserted: the figures of a shared, noisy machine prove nothing in a test. What
is asserted is that the harness works end to end, prints each field and the ratios, and
that every response it sampled under load passed the schemas.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not RUN.is_file(), reason="no benchmarks/ next to the tests"),
]

TINY = [
    "--rounds=1",
    "--duration=1",
    "--warmup=0",
    "--client=python",
    "--connections=4",
    "--starts=1",
    "--few=5",
    "--many=100",
    "--micro-budget=0.002",
]


def test_the_harness_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(RUN), *TINY, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    for heading in ("req/s", "p50 ms", "p99 ms", "errors", "RSS MB", "start s"):
        assert heading in text
    ratio = r"\s+(\d+\.\d\d)x"
    assert re.search(r"ratio mock-oms/baseline" + ratio * 3, text), text
    assert re.search(r"ratio 100/5" + ratio, text), text
    assert re.search(r"ratio V4/V3" + ratio, text), text
    for name in (
        "engine.poll 1000-phase run",
        "Store.poll over 100 projects",
        "OmsApi.answer",
        "V4Api.answer",
    ):
        assert name in text
    assert re.search(r"schema check: [1-9]\d* responses sampled during the load, 0 problems", text)
    assert text.count("[met    ]") + text.count("[NOT MET]") == 8

    results = json.loads(out.read_text(encoding="utf-8"))
    for side in ("baseline", "mock-oms"):
        assert results[side]["requests_per_s"] > 0
        assert results[side]["rss_mb"] > 0
        assert results["start_s"][side] > 0
    assert results["ratios"]["requests_per_s"] > 0
    assert results["scale"]["many"]["requests_per_s"] > 0
    assert results["schema_check"]["problems"] == []
    assert results["dialects"]["v4"]["requests_per_s"] > 0
    assert results["dialects"]["cpu_ratio"] > 0
