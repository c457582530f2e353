"""The exposure coverage benchmark runs and reports its ratios (tiny mode). No timing is
asserted: a shared machine's figures prove nothing in a test."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "coverage.py"

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not SCRIPT.is_file(), reason="no benchmarks/ next to the tests"),
]


def test_the_coverage_benchmark_reports_each_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--micro-budget=0.05",
            "--rounds=1",
            "--duration=0.5",
            "--client=python",
            "--connections=2",
            "--quick",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    for case in ("OmsApi.__call__, one project", "V4Api.__call__", "Journal.record"):
        assert re.search(re.escape(case) + r".*ratio on/off \d+\.\d\dx", text), text
    assert re.search(r"ratio on/off: CPU per request \d+\.\d\dx", text), text
    assert re.search(r"V3 poll in process, coverage on/off: \d+\.\d\dx", text), text
    results = json.loads(out.read_text())
    assert len(results["in_process"]) == 4
    assert results["http"]["schema_check"]["problems"] == []
    assert results["http"]["schema_check"]["count"] > 0
