"""The real thing: ``mock-oms serve`` in its own process, polled over a socket."""

from __future__ import annotations

import itertools
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import httpx
import pytest
from click.testing import CliRunner

from mock_oms import schemas
from mock_oms.cli import main
from mock_oms.core.lifecycle import Importance, Status, reachable
from mock_oms.serve.server import CannotBind, bind

pytestmark = pytest.mark.timeout(120)


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_oms", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", first)
    if found is None:
        process.kill()
        pytest.fail(f"no banner: {first!r}{process.stdout.read()}")
    return process, found.group(1)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process, url = start("--clock", "manual", "--seed", "1", "--epoch", "1700000000")
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_banner_lists_every_project_it_serves(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = server
    scenarios = httpx.get(f"{url}/_mock/scenarios").json()
    assert len(scenarios) >= 12
    assert httpx.get(f"{url}/_mock/health").status_code == 200


def test_every_bundled_story_plays_over_http(server: tuple[subprocess.Popen[str], str]) -> None:
    _, url = server
    with httpx.Client(base_url=url) as http:
        scenarios = http.get("/_mock/scenarios").json()
        kinds = {s["name"]: s["kind"] for s in scenarios if s["plain"]}
        seen: dict[str, list[dict[str, Any]]] = {name: [] for name in kinds}
        for _ in range(150):
            for name, kind in kinds.items():
                segment = "migrations" if kind == "migration" else "sync"
                response = http.get(f"/api/omsp/v2/{segment}/{name}/progress")
                assert response.status_code == 200
                assert response.headers["content-type"] == "application/json"
                body = response.json()
                assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], body) == [], body
                seen[name].append(body["data"])
            http.post("/_mock/clock/advance", json={"seconds": 5})
    statuses = {s for shown in seen.values() for s in (d["status"] for d in shown)}
    importances = {d["importance"] for shown in seen.values() for d in shown}
    assert statuses == {s.value for s in Status}
    assert importances == {i.value for i in Importance}
    for name, shown in seen.items():
        for before, after in itertools.pairwise(shown):
            assert reachable(Status(before["status"]), Status(after["status"])), name
    assert seen["full-migration"][-1]["status"] == "FINISHED"
    assert seen["full-migration-failure"][-1]["fullMigrationProgress"] == 63
    assert seen["release"][-1]["status"] == "RELEASED"
    assert seen["deleted"][-1]["status"] == "DELETED"
    assert seen["incr-sync-stall"][-1]["importance"] == "HIGH"
    assert seen["resume-after-failure"][-1]["status"] == "FINISHED"
    assert "FAILED" in [d["status"] for d in seen["resume-after-failure"]]


def test_odd_ids_over_a_real_socket_never_get_a_5xx(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = server
    host, port = url.removeprefix("http://").split(":")
    odd = [
        "%2e%2e%2f%2e%2e",
        "..%2f..%2fetc%2fpasswd",
        "%00",
        "%ff%fe",
        "\u00e9t\u00e9",
        "a" * 4000,
        "%",
        "a%2",
        "full-migration%7Ex",
        "x;y",
        "{x}",
        "*",
    ]
    for raw in odd:
        path = f"/api/omsp/v2/migrations/{raw}/progress".encode()
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert status < 500, (raw, answer[:200])
        if status == 200:
            assert b'"success":false' in answer or b'"success":true' in answer


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mock_oms", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"127.0.0.1:{port} is in use" in result.stderr


def test_an_address_of_another_machine_is_a_clear_error() -> None:
    # binding tells at once, without a packet sent: no such address here
    result = subprocess.run(
        [sys.executable, "-m", "mock_oms", "serve", "--host", "10.99.99.99"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mock-oms: --host '10.99.99.99' is not an address of this machine")


def test_an_unknown_host_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # the name is not looked up for real: no DNS query leaves a test
    def unknown(host: str, *args: object, **kwargs: object) -> NoReturn:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(CannotBind, match=r"--host .oms.invalid. is not a known host name"):
        bind("oms.invalid", 0)
    result = CliRunner().invoke(main, ["serve", "--host", "oms.invalid"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "mock-oms: --host 'oms.invalid' is not a known host name or address "
        "(Name or service not known)"
    ]


def test_it_stops_cleanly_on_sigint() -> None:
    process, url = start("--clock", "manual")
    assert httpx.get(f"{url}/_mock/health").status_code == 200
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0


def test_the_default_log_tells_status_changes_and_faults_not_each_request() -> None:
    process, url = start("--clock", "manual")
    project = f"{url}/api/omsp/v2/migrations/full-migration/progress"
    httpx.get(project)
    httpx.get(project)
    httpx.post(f"{url}/_mock/clock/advance", json={"seconds": 10})
    httpx.get(project)
    httpx.post(f"{url}/_mock/projects/full-migration/faults", json={"fault": {"status": 503}})
    httpx.get(project)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    said = [line for line in out.splitlines() if line.startswith("INFO:     mock-oms ")]
    assert [line.split(" mock-oms ", 1)[1].split(" ", 1)[1] for line in said[:3]] == [
        "full-migration: INIT (the first status shown) at scenario time 0.0 s",
        "full-migration: INIT -> RUNNING at scenario time 10.0 s",
        "full-migration: fault status:503 served (HTTP 503)",
    ]
    assert "GET /api/omsp" not in out  # the request lines stay behind --log-requests


def test_every_link_the_banner_prints_answers() -> None:
    """It printed `control API: URL/_mock`, which was a 404."""
    process, _ = start("--clock", "manual")
    try:
        assert process.stdout is not None
        line = ""
        while "control API:" not in line:
            line = process.stdout.readline()
            assert line, "the banner ended without the control API's link"
        links = re.findall(r"http://\S+[^\s;)]", line)
        assert [link.rsplit("/", 1)[-1] for link in links] == ["_mock", "docs"]
        for link in links:
            assert httpx.get(link).status_code == 200, link
    finally:
        process.kill()
        process.wait()
