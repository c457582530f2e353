"""Re-run the probes of issue 13 against ``mock-oms serve`` and report what they meet now.

Each probe starts a fresh server (127.0.0.1, port 0) and measures it from outside: answers,
their sizes and times, the server's memory (VmRSS/VmHWM from /proc), its open descriptors,
whether ``/_mock/health`` answered throughout, and poll latencies under a heavy control call
against the same server idle, measured in the same run (the ratio is the figure to read on a
shared machine).

    .venv/bin/python benchmarks/hardening.py              # the issue's sizes: a few minutes
    .venv/bin/python benchmarks/hardening.py --scale 0.1  # a tenth of them
    .venv/bin/python benchmarks/hardening.py --json out.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from procs import Server, load_average, mock_oms_command, servers

POLL = "/api/omsp/v2/migrations/full-migration/progress"
MB = 1024 * 1024


def serve(*args: str) -> Any:
    return servers([("mock-oms", mock_oms_command(["--log-summary", "0", *args]))])


def base(server: Server) -> str:
    return f"http://{server.host}:{server.port}"


def status_kb(server: Server, field: str) -> float:
    text = Path(f"/proc/{server.process.pid}/status").read_text(encoding="ascii")
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descriptors(server: Server) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


class Health(threading.Thread):
    """``/_mock/health`` every 50 ms: how many asked, how many failed, the slowest."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop = url, threading.Event()
        self.asked, self.failed, self.slowest = 0, 0, 0.0
        self.why: dict[str, int] = {}

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                self.asked += 1
                began = time.perf_counter()
                try:
                    status = client.get(self.url + "/_mock/health").status_code
                    why = str(status)
                except httpx.HTTPError as exc:
                    status, why = 0, type(exc).__name__
                ok = status == 200
                if not ok:
                    self.why[why] = self.why.get(why, 0) + 1
                self.slowest = max(self.slowest, time.perf_counter() - began)
                self.failed += not ok
                self.stop.wait(0.05)

    def report(self) -> dict[str, Any]:
        self.stop.set()
        self.join(30)
        return {
            "asked": self.asked,
            "failed": self.failed,
            "why": self.why,
            "slowest_ms": self.slowest * 1e3,
        }


def latencies(url: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    found: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=60) as client:
        client.get(url + POLL)
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            began = time.perf_counter()
            client.get(url + POLL)
            found.append(time.perf_counter() - began)
            time.sleep(0.005)
    return sorted(found)


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": statistics.median(values) * 1e3,
        "p99_ms": values[min(len(values) - 1, int(len(values) * 0.99))] * 1e3,
        "max_ms": values[-1] * 1e3,
    }


def under_load(url: str, load: Callable[[threading.Event], None], idle_s: float) -> dict[str, Any]:
    """Poll latencies idle, then while ``load`` runs (until it returns), and the ratios."""
    idle = latencies(url, idle_s)
    done = threading.Event()

    def run() -> None:
        try:
            load(done)
        finally:
            done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    busy = latencies(url, 600, stop=done)
    worker.join(600)
    out: dict[str, Any] = {"idle": summary(idle), "busy": summary(busy)}
    if idle and busy:
        out["ratio_p50"] = statistics.median(busy) / statistics.median(idle)
        out["ratio_p99"] = out["busy"]["p99_ms"] / out["idle"]["p99_ms"]
    return out


def post(url: str, path: str, content: Any, timeout: float = 600) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        with httpx.Client(timeout=timeout) as client:
            response = client.post(url + path, content=content)
        return {
            "status": response.status_code,
            "bytes": len(response.content),
            "seconds": time.perf_counter() - began,
            "code": response.json().get("code") if response.content[:1] == b"{" else None,
        }
    except httpx.HTTPError as exc:
        return {"status": type(exc).__name__, "seconds": time.perf_counter() - began}


# -- the probes ------------------------------------------------------------------------------


def aliases(scale: float) -> dict[str, Any]:
    """1. ~1 MB of YAML whose aliases repeat one long text: 6 GB and no answer before."""
    width, repeats = 500_000, int(100_000 * scale) or 1
    text = (
        f"name: laughs\nkind: migration\ndescription: &long {'x' * width}\n"
        f"projects: [{', '.join(['*long'] * repeats)}]\ntimeline:\n  - {{status: INIT}}\n"
    )
    with serve() as (server,):
        url = base(server)
        httpx.get(url + "/_mock/health", timeout=30)
        before = status_kb(server, "VmRSS")
        health = Health(url)
        health.start()
        answer = post(url, "/_mock/scenarios", text)
        return {
            "upload_mb": len(text) / MB,
            "answer": answer,
            "hwm_growth_mb": status_kb(server, "VmHWM") - before,
            "health": health.report(),
        }


def bodies(scale: float) -> dict[str, Any]:
    """2. Three parallel 1 GiB bodies: 7.2 GB held before."""
    size = int(1024 * MB * scale)
    block = b"x" * (1 * MB)

    def chunks() -> Iterator[bytes]:
        for _ in range(size // len(block)):
            yield block

    paths = (
        "/_mock/clock/advance",
        "/_mock/projects",
        "/_mock/projects/full-migration/actions/start",
    )
    with serve() as (server,):
        url = base(server)
        httpx.get(url + "/_mock/health", timeout=30)
        before = status_kb(server, "VmRSS")
        health = Health(url)
        health.start()
        answers: dict[str, Any] = {}
        threads = [
            threading.Thread(target=lambda p=p: answers.update({p: post(url, p, chunks())}))
            for p in paths
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
        return {
            "body_mb_each": size / MB,
            "answers": answers,
            "hwm_growth_mb": status_kb(server, "VmHWM") - before,
            "health": health.report(),
        }


def _replay(entries: int) -> str:
    source = Path(__file__).resolve().parent.parent / "scenarios" / "recorded-outage.yaml"
    recorded = yaml.safe_load(source.read_text("utf-8"))
    first = recorded["entries"][0]
    recorded["name"] = "heavy"
    recorded["entries"] = [dict(copy.deepcopy(first), at=float(n)) for n in range(entries)]
    return yaml.safe_dump(recorded, sort_keys=False)


def control_work(scale: float) -> dict[str, Any]:
    """3. A 5.8 MB scenario of 100,000 phases (17.9 s, polls stalled); a heavy valid upload;
    GET /_mock/projects at 100,000 projects (44.5 MB in 6 s, polls stalled 5.9 s)."""
    count = max(1000, int(100_000 * scale))
    many = (
        "name: many\nkind: migration\ntimeline:\n"
        + '  - {"status": "RUNNING", "seconds": 1}\n' * count
    )
    heavy = _replay(max(200, int(5_000 * scale)))
    out: dict[str, Any] = {"phases": count, "phases_mb": len(many) / MB}
    with serve() as (server,):
        url = base(server)
        httpx.get(url + "/_mock/health", timeout=30)
        before = status_kb(server, "VmRSS")
        answers: list[dict[str, Any]] = []

        def refuse(done: threading.Event) -> None:
            answers.append(post(url, "/_mock/scenarios", many))

        out["refusal"] = under_load(url, refuse, 3)
        out["refusal"]["answer"] = answers[-1]

        def upload(done: threading.Event) -> None:
            answers.append(post(url, "/_mock/scenarios", heavy))

        out["upload"] = under_load(url, upload, 3)
        out["upload"]["answer"] = answers[-1]
        out["upload"]["upload_mb"] = len(heavy) / MB
        out["hwm_growth_mb"] = status_kb(server, "VmHWM") - before

        projects = max(1000, int(100_000 * scale))
        with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits()) as client:
            for n in range(projects):
                client.get(f"/api/omsp/v2/migrations/full-migration~{n}/progress")
        pages: list[tuple[int, float]] = []

        def listing(done: threading.Event) -> None:
            with httpx.Client(base_url=url, timeout=60) as lister:
                following: str | None = "/_mock/projects?limit=1000"
                while following and len(pages) < 2 * projects // 1000:
                    began = time.perf_counter()
                    response = lister.get(following)
                    pages.append((len(response.content), time.perf_counter() - began))
                    following = response.links.get("next", {}).get("url")

        out["listing"] = under_load(url, listing, 3)
        out["listing"].update(
            projects=projects,
            pages=len(pages),
            page_kb_max=max(p[0] for p in pages) / 1024,
            page_ms_median=statistics.median(p[1] for p in pages) * 1e3,
        )
    return out


def connections(scale: float) -> dict[str, Any]:
    """4. Connections that send nothing, part of their headers or part of a body: open after
    180 s, 21,000 of them exhausted the descriptors and /_mock/health failed."""
    room = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200  # this process's own bound
    count = max(100, min(int(21_000 * scale), room))
    with serve("--header-timeout", "10", "--body-timeout", "10") as (server,):
        url = base(server)
        httpx.get(url + "/_mock/health", timeout=30)
        health = Health(url)
        health.start()
        socks: list[socket.socket] = []
        refused_locally = 0
        for n in range(count):
            try:
                sock = socket.create_connection((server.host, server.port), timeout=10)
            except OSError:
                refused_locally += 1
                continue
            if n % 3 == 1:
                sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n")
            elif n % 3 == 2:
                sock.sendall(b"POST /_mock/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{")
            socks.append(sock)
        most_fds = descriptors(server)
        began = time.monotonic()
        for sock in socks:
            sock.settimeout(60)
        closed = 0
        last = 0.0
        for sock in socks:
            try:
                while sock.recv(65536):
                    pass
                closed += 1
            except OSError:
                closed += 1
            last = time.monotonic() - began
            sock.close()
        return {
            "opened": len(socks),
            "client_could_not_open": refused_locally,
            "server_fds_at_most": most_fds,
            "all_closed_within_s": last,
            "closed": closed,
            "fds_after": descriptors(server),
            "health": health.report(),
        }


def injections(scale: float) -> dict[str, Any]:
    """5. Median poll 0.66 ms with no injection, 13.6 ms at 1,001, 153 ms at 20,001; an
    injection for full-migration~bad+id accepted and never fired. Here: a poll of
    full-migration with N injections held for other projects (the index), and with N on
    full-migration itself, the newest (a zero latency) firing first."""
    out: dict[str, Any] = {}
    sizes = (0, int(1_001 * scale) or 1, int(20_001 * scale) or 2)
    with serve("--max-injections", "40002") as (server,):
        url = base(server)
        with httpx.Client(base_url=url, timeout=60) as client:
            out["bad_id_status"] = client.post(
                "/_mock/projects/full-migration~bad+id/faults", json={"fault": "reset"}
            ).status_code
            for where in ("others", "own"):
                client.delete("/_mock/faults")
                injected = 0
                for target in sizes:
                    while injected < target:
                        project = (
                            f"full-migration~other{injected}"
                            if where == "others"
                            else "full-migration"
                        )
                        body = {"fault": {"status": 503}}
                        response = client.post(f"/_mock/projects/{project}/faults", json=body)
                        assert response.status_code == 201, response.text
                        injected += 1
                    if where == "own":
                        zero = {"fault": {"latency": 0}}
                        client.post("/_mock/projects/full-migration/faults", json=zero)
                    out[f"{where}_{target}"] = summary(latencies(url, 2))
    for where in ("others", "own"):
        out[f"{where}_ratio_p50"] = (
            out[f"{where}_{sizes[-1]}"]["p50_ms"] / out["others_0"]["p50_ms"]
        )
    return out


def projects_cap() -> dict[str, Any]:
    """6. At --max-projects new IDs, even the bundled full-migration, were refused."""
    with (
        serve("--max-projects", "1000") as (server,),
        httpx.Client(base_url=base(server), timeout=60) as client,
    ):
        for n in range(1200):
            client.get(f"/api/omsp/v2/migrations/full-migration~{n}/progress")
        named = client.get(POLL).json()
        journal = client.get("/_mock/requests?limit=0").json()
        held = int(client.get("/_mock/projects?limit=1").headers["x-total-count"])
        said = "evicted full-migration~0" in server.log.read_text("utf-8")
    return {
        "polled_instances": 1200,
        "held": held,
        "evicted": journal["evicted"],
        "bundled_name_served": named["success"],
        "log_says_so": said,
    }


def secrets() -> dict[str, Any]:
    """7. record --upstream http://user:pw@host wrote the password twice; /_mock/scenarios
    showed absolute paths."""
    with serve("--auth", "admin:s3cret-pw") as (server,), tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "incident.yaml"
        upstream = f"http://admin:s3cret-pw@{server.host}:{server.port}"
        command = [sys.executable, "-m", "mock_oms", "record", "--upstream", upstream]
        command += ["--project", "full-migration", "--max-polls", "2", "--out", str(out)]
        import subprocess

        subprocess.run(command, check=True, capture_output=True, timeout=120)
        text = out.read_text("utf-8")
        sources = [s["source"] for s in httpx.get(base(server) + "/_mock/scenarios").json()]
        return {
            "password_in_recording": text.count("s3cret"),
            "absolute_sources": sum(s.startswith("/") for s in sources),
        }


def unseen() -> dict[str, Any]:
    """8. Raw non-ASCII paths and paths over ~65,500 bytes got text/plain 400s."""
    out: dict[str, Any] = {}
    with serve() as (server,):
        for name, path in (
            ("non_ascii", "/api/omsp/v2/migrations/é/progress".encode()),
            ("long_path", b"/api/omsp/v2/migrations/" + b"a" * 70_000 + b"/progress"),
        ):
            with socket.create_connection((server.host, server.port), timeout=10) as sock:
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                    if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                        break
            head = answer.split(b"\r\n\r\n")[0].decode("latin-1").lower()
            out[name] = {
                "status": int(head[9:12]),
                "json": "content-type: application/json" in head,
            }
    return out


def sigterm() -> dict[str, Any]:
    """After the alias attack the process ignored SIGTERM."""
    with serve("--max-fault-delay", "600") as (server,):
        url = base(server)
        httpx.post(url + "/_mock/projects/full-migration/faults", json={"fault": {"hang": 600}})
        hanging = socket.create_connection((server.host, server.port))
        hanging.sendall(f"GET {POLL} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        slow = socket.create_connection((server.host, server.port))
        slow.sendall(b"POST /_mock/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{")
        threading.Thread(
            target=post, args=(url, "/_mock/scenarios", _replay(2000)), daemon=True
        ).start()
        time.sleep(1.0)
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(120)
        hanging.close()
        slow.close()
        return {"stopped_after_s": time.monotonic() - began, "shutdown_timeout_s": 5}


PROBES: dict[str, Callable[[float], dict[str, Any]]] = {
    "1 aliases": aliases,
    "2 bodies": bodies,
    "3 control work": control_work,
    "4 connections": connections,
    "5 injections": injections,
    "6 projects at the cap": lambda scale: projects_cap(),
    "7 secrets": lambda scale: secrets(),
    "8 requests uvicorn refuses": lambda scale: unseen(),
    "SIGTERM": lambda scale: sigterm(),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of the issue's sizes")
    parser.add_argument("--only", action="append", default=[], help="probe number(s) to run")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args(argv)
    print(f"load average {load_average()}; scale {args.scale:g}", flush=True)
    results: dict[str, Any] = {}
    for name, probe in PROBES.items():
        if args.only and not any(name.startswith(o) for o in args.only):
            continue
        began = time.monotonic()
        results[name] = probe(args.scale)
        print(f"\n== {name} ({time.monotonic() - began:.0f} s)")
        print(json.dumps(results[name], indent=2, default=str), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
