"""Load generators: wrk (when installed) or a bounded Python asyncio client.

Both hold a fixed number of HTTP/1.1 keep-alive connections, one request in flight on each,
rotate over a list of paths for a bounded time and report requests/s, p50/p99 latency and
errors (non-2xx answers and socket errors). wrk is the one to trust for absolute figures:
the Python client shares the interpreter's cost with the server it measures, so it
compresses the gap between two servers; it is there so the harness runs anywhere.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

WRK_SCRIPT = Path(__file__).resolve().parent / "paths.lua"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(
    client: str,
    host: str,
    port: int,
    paths: Sequence[str],
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
) -> LoadResult:
    """Load ``paths`` with ``client`` ("wrk", whole seconds, or "python") for ``seconds``."""
    if client == "wrk":
        return run_wrk(
            host,
            port,
            paths,
            connections=connections,
            seconds=max(1, round(seconds)),
            threads=threads,
        )
    return run_python(host, port, paths, connections=connections, seconds=seconds)


def run_wrk(
    host: str,
    port: int,
    paths: Sequence[str],
    *,
    connections: int,
    seconds: int,
    threads: int = 1,
) -> LoadResult:
    """``wrk`` against ``paths`` in turn; wrk counts answers with a status >= 400 as errors."""
    with tempfile.TemporaryDirectory(prefix="mock-oms-bench-") as tmp:
        listing = Path(tmp) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, seconds)}s",
            "--timeout",
            "5s",
            "-s",
            str(WRK_SCRIPT),
            f"http://{host}:{port}",
            "--",
            str(listing),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line.removeprefix("BENCH_JSON "))
            break
    else:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    return LoadResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        non_2xx=figures["status"],
        socket_errors=sum(figures[k] for k in ("connect", "read", "write", "timeout")),
    )


def split_request(path: str) -> tuple[str, str, bytes]:
    """Method, path and body of a request line of the mix: a path (GET), or
    ``POST PATH BODY`` (a V4 call: a JSON body)."""
    if path.startswith("POST "):
        target, _, body = path[5:].partition(" ")
        return "POST", target, body.encode("utf-8")
    return "GET", path, b""


def request_bytes(host: str, port: int, path: str) -> bytes:
    method, target, body = split_request(path)
    if method == "GET":
        return f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii")
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Stats:
    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.non_2xx = 0
        self.socket_errors = 0
        self.running = True


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, read its answer, send the next."""

    def __init__(self, requests: Sequence[bytes], start: int, stats: _Stats) -> None:
        self.requests = requests
        self.index = start
        self.stats = stats
        self.buffer = bytearray()
        self.need = -1  # bytes of the whole answer, once its head is read
        self.sent = 0
        self.status = 0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        if not self.stats.running:
            self.transport.close()
            return
        self.index = (self.index + 1) % len(self.requests)
        self.sent = time.perf_counter_ns()
        self.transport.write(self.requests[self.index])

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if self.need < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:  # every server measured here sends a length; anything else is broken
                self.stats.socket_errors += 1
                assert self.transport is not None
                self.transport.close()
                return
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else None])
            self.need = end + 4 + length
            self.status = status
        if len(buffer) < self.need:
            return
        if self.stats.running:
            self.stats.latencies_ns.append(time.perf_counter_ns() - self.sent)
            if not 200 <= self.status < 300:
                self.stats.non_2xx += 1
        del buffer[: self.need]
        self.need = -1
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.stats.running:
            self.stats.socket_errors += 1
        if not self.closed.done():
            self.closed.set_result(None)


async def _drive(
    host: str, port: int, requests: Sequence[bytes], connections: int, seconds: float
) -> tuple[_Stats, float]:
    loop = asyncio.get_running_loop()
    stats = _Stats()
    began = time.perf_counter()
    deadline = began + seconds
    live: list[_Connection] = []

    async def keep_one(n: int) -> None:
        while stats.running:
            try:
                _, conn = await loop.create_connection(
                    lambda: _Connection(requests, n * 7919, stats), host, port
                )
            except OSError:
                stats.socket_errors += 1
                await asyncio.sleep(0.01)
                continue
            live.append(conn)
            remaining = deadline - time.perf_counter()
            try:
                await asyncio.wait_for(asyncio.shield(conn.closed), max(0.0, remaining))
            except TimeoutError:
                return

    tasks = [asyncio.create_task(keep_one(n)) for n in range(connections)]
    await asyncio.sleep(max(0.0, deadline - time.perf_counter()))
    stats.running = False
    elapsed = time.perf_counter() - began
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for conn in live:
        if conn.transport is not None:
            conn.transport.close()
    return stats, elapsed


def _percentile(ordered: Sequence[int], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] / 1e6


def run_python(
    host: str, port: int, paths: Sequence[str], *, connections: int, seconds: float
) -> LoadResult:
    """The bounded asyncio client (uvloop when installed)."""
    requests = [request_bytes(host, port, p) for p in paths]
    factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # uvloop comes with mock-oms on CPython
        pass
    with asyncio.Runner(loop_factory=factory) as runner:
        stats, elapsed = runner.run(_drive(host, port, requests, connections, seconds))
    ordered = sorted(stats.latencies_ns)
    return LoadResult(
        requests=len(ordered),
        seconds=elapsed,
        p50_ms=_percentile(ordered, 0.50),
        p99_ms=_percentile(ordered, 0.99),
        non_2xx=stats.non_2xx,
        socket_errors=stats.socket_errors,
    )


def touch_all(host: str, port: int, paths: Sequence[str], connections: int = 8) -> list[bytes]:
    """Request every path once (creating the projects they name); the bodies in order."""
    return asyncio.run(_touch_all(host, port, paths, connections))


async def _touch_all(host: str, port: int, paths: Sequence[str], connections: int) -> list[bytes]:
    bodies: list[bytes] = [b""] * len(paths)
    queue = list(enumerate(paths))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                i, path = queue.pop()
                writer.write(request_bytes(host, port, path))
                status, body = await read_answer(reader)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}: {body[:200]!r}")
                bodies[i] = body
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(min(connections, len(paths)))))
    return bodies


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


@dataclass(frozen=True)
class Sample:
    path: str
    status: int
    body: bytes


class Sampler:
    """Fetches a path every ``interval`` seconds on its own connection while the load runs,
    so the responses served during the benchmark can be checked against the schemas."""

    def __init__(self, host: str, port: int, paths: Sequence[str], interval: float = 0.05) -> None:
        self.host, self.port, self.paths, self.interval = host, port, paths, interval
        self.samples: list[Sample] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        import http.client

        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        n = 0
        try:
            while not self._stop.wait(self.interval):
                path = self.paths[(n * 7919) % len(self.paths)]
                n += 1
                method, target, body = split_request(path)
                headers = {"Content-Type": "application/json"} if body else {}
                try:
                    conn.request(method, target, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    self.samples.append(Sample(path, answer.status, answer.read()))
                except (OSError, http.client.HTTPException) as exc:
                    self.failures.append(f"{method} {target}: {exc!r}")
                    conn.close()
        finally:
            conn.close()
