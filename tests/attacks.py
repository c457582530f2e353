"""What the attack tests share: ``mock-oms serve`` in a process of its own (so that its
memory can be read from /proc), poll latencies, and documents that attack the loader.

Every server binds 127.0.0.1, and every process started here is stopped by the test that
started it.
"""

from __future__ import annotations

import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

POLL = "/api/omsp/v2/migrations/full-migration/progress"


@dataclass
class Served:
    """A ``mock-oms serve`` process and its base URL; its output is kept in ``lines``."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def status(self, field_name: str) -> int:
        """A ``kB`` figure of /proc/PID/status (VmRSS, VmHWM), in bytes."""
        text = Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii")
        found = re.search(rf"^{field_name}:\s+(\d+) kB", text, flags=re.M)
        assert found is not None, text
        return int(found.group(1)) * 1024

    def output(self) -> str:
        return "".join(self.lines)

    def journal(self) -> list[str]:
        """The paths of the OMS requests the server has journaled."""
        entries = httpx.get(f"{self.url}/_mock/requests", timeout=10).json()["entries"]
        return [str(e["path"]) for e in entries]


@contextmanager
def serve(*args: str) -> Iterator[Served]:
    """``mock-oms serve --port 0 ARGS`` until the block ends (SIGKILL if it will not stop)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_oms", "serve", "--port", "0", "--log-summary", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", first)
    if found is None:
        process.kill()
        raise AssertionError(f"no banner: {first!r}{process.stdout.read()}")
    served = Served(process, found.group(1), [first])
    stream = process.stdout
    reader = threading.Thread(target=lambda: served.lines.extend(stream), daemon=True)
    reader.start()
    try:
        httpx.get(f"{served.url}/_mock/health", timeout=30).raise_for_status()  # control app built
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(30)
        reader.join(5)


def latencies(url: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    """Sequential polls for ``seconds`` (or until ``stop``), each one's latency, sorted."""
    found: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=30) as client:
        client.get(url + POLL)
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            began = time.perf_counter()
            assert client.get(url + POLL).status_code == 200
            found.append(time.perf_counter() - began)
            time.sleep(0.002)
    return sorted(found)


def median(values: list[float]) -> float:
    return statistics.median(values)


def phases(count: int) -> str:
    """A scenario of ``count`` phases, one JSON flow mapping a line (YAML)."""
    lines = ["name: many-phases", "kind: migration", "timeline:"]
    lines += [f"  - {json.dumps({'status': 'RUNNING', 'seconds': 1})}"] * count
    return "\n".join(lines) + "\n"


def laughs(width: int, repeats: int) -> str:
    """A short scenario whose one anchor (a text of ``width`` characters) is repeated
    ``repeats`` times by aliases: small as text, huge as what it expands to."""
    aliases = ", ".join(["*long"] * repeats)
    return (
        f"name: laughs\nkind: migration\ndescription: &long {'x' * width}\n"
        f"projects: [{aliases}]\ntimeline:\n  - {{status: INIT}}\n"
    )
