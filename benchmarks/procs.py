"""Server processes for the benchmark: start, wait until listening, time to first 200,
RSS, stop. Everything binds 127.0.0.1 and every process started is stopped."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
BANNER = re.compile(rb"listening on http://([0-9.]+):(\d+)")


def mock_oms_command(extra: Sequence[str] = (), program: str | None = None) -> list[str]:
    """``mock-oms serve`` on a free port, with the bundled scenarios and the real clock.

    ``program``: the command to run instead of the ``mock-oms`` next to this Python (another
    installation, or a patched launcher to try an optimization), split like a shell would.
    """
    if program:
        prefix = shlex.split(program)
    else:
        script = Path(sys.executable).with_name("mock-oms")
        prefix = [str(script)] if script.exists() else [sys.executable, "-m", "mock_oms"]
    return [*prefix, "serve", "--host", "127.0.0.1", "--port", "0", *extra]


def baseline_command(body_file: Path) -> list[str]:
    return [
        sys.executable,
        str(BENCHMARKS / "baseline.py"),
        "--port",
        "0",
        "--body-file",
        str(body_file),
    ]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    def rss_mb(self) -> float:
        """Resident set size now (VmRSS of /proc/PID/status), in MiB."""
        text = Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii")
        found = re.search(r"^VmRSS:\s+(\d+) kB", text, flags=re.M)
        return int(found.group(1)) / 1024 if found else float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (/proc/PID/stat)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="ascii")
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _launch(name: str, command: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def _await_banner(name: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> Server:
    deadline = time.monotonic() + timeout
    while True:
        found = BANNER.search(log.read_bytes())
        if found is not None:
            return Server(name, process, found.group(1).decode(), int(found.group(2)), log)
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            output = log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{name} did not start (exit {process.returncode}):\n{output}")
        time.sleep(0.002)


@contextmanager
def servers(
    specs: Sequence[tuple[str, Sequence[str]]], timeout: float = 60
) -> Iterator[list[Server]]:
    """Start every ``(name, command)`` at once, wait until each listens; stop all on exit."""
    tmp = Path(tempfile.mkdtemp(prefix="mock-oms-bench-"))
    launched: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    started: list[Server] = []
    try:
        for i, (name, command) in enumerate(specs):
            log = tmp / f"{i}.log"
            launched.append((name, _launch(name, command, log), log))
        for name, process, log in launched:
            started.append(_await_banner(name, process, log, timeout))
        yield started
    finally:
        for _, process, _ in launched:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for _, process, _ in launched:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def get(host: str, port: int, path: str, timeout: float = 10) -> tuple[int, bytes]:
    """One GET on a fresh connection (``Connection: close``): status and raw body."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = bytearray()
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    return int(head[9:12]), body


def time_to_first_200(name: str, command: Sequence[str], path: str, timeout: float = 60) -> float:
    """Seconds from launching ``command`` to the first 200 answer on ``path``.

    The server binds and listens before it prints its banner, so a request sent as soon as
    the banner shows waits in the listen queue until the server serves it.
    """
    with tempfile.TemporaryDirectory(prefix="mock-oms-bench-") as tmp:
        log = Path(tmp) / "start.log"
        began = time.perf_counter()
        process = _launch(name, command, log)
        try:
            server = _await_banner(name, process, log, timeout)
            while True:
                try:
                    status, _ = get(server.host, server.port, path)
                except OSError:
                    status = 0
                if status == 200:
                    return time.perf_counter() - began
                if time.perf_counter() - began > timeout:
                    raise RuntimeError(f"{name}: no 200 on {path} within {timeout} s")
                time.sleep(0.002)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(10)


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as ``uptime`` shows them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "n/a"
