"""benchmarks/hardening.py runs and reports its probes (a few of them, at a small scale).

No figure is asserted but what each probe is for: a refusal, no secret, an envelope. The
issue's sizes are for ``benchmarks/hardening.py`` itself; the limits are proven by
``test_hardening_*.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "hardening.py"

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(not SCRIPT.is_file(), reason="no benchmarks/ next to the tests"),
]


def test_the_probes_run_and_report(tmp_path: Path) -> None:
    out = tmp_path / "probes.json"
    probes = ["--only", "1", "--only", "2", "--only", "7", "--only", "8"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.01", *probes, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["1 aliases"]["answer"]["status"] == 422
    assert {a["status"] for a in results["2 bodies"]["answers"].values()} == {413}
    assert results["7 secrets"] == {"password_in_recording": 0, "absolute_sources": 0}
    unseen = results["8 requests uvicorn refuses"]
    assert all(answer["json"] for answer in unseen.values())
