"""``benchmarks/dashboard.py`` runs end to end in a tiny mode and reports what it is for: the
same server with and without the dashboard open, the ratios, and that the open page did
call the control API (a page that never refreshed would prove nothing). No timing is
asserted: the figures of a shared machine prove nothing in a test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "dashboard.py"
CHROMIUM = shutil.which("chromium") or Path("/usr/bin/chromium").is_file()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not SCRIPT.is_file(), reason="no benchmarks/ next to the tests"),
    pytest.mark.skipif(
        not CHROMIUM, reason="no Chromium installed (apt-get install chromium) to open the page"
    ),
]


def test_the_dashboard_benchmark_compares_the_same_server_with_and_without(
    tmp_path: Path,
) -> None:
    out = tmp_path / "dashboard.json"
    tiny = ["--rounds=1", "--duration=2", "--warmup=0.2", "--client=python", "--connections=4"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *tiny, "--instances=0", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio with/without" in done.stdout
    results = json.loads(out.read_text())
    for side in ("without", "with"):
        assert results[side]["rps"][0] > 0
        assert results[side]["errors"] == 0
    assert results["ratio_requests_per_s"] > 0
    assert results["ratio_cpu_us_per_request"] > 0
    assert results["control_calls_per_s"] > 1  # the page refreshed while it was measured
