from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.options import CLI, KitOptions, OptionError, ProjectSpec
from contract_tests.target import (
    ProjectRef,
    Target,
    check_access,
    check_oms_paths,
    check_url,
    detect_kind,
    is_mock_oms,
    malformed_ids,
    open_target,
    poll_sessions,
    preflight,
    probe,
    projects_to_observe,
    take_clock,
)
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.kinds import Kind
from mock_oms.core.library import Library
from mock_oms.web.app import create_app


@pytest.fixture
def target() -> Iterator[Target]:
    with open_target(KitOptions()) as opened:
        yield opened


def test_in_process_target_is_mock_oms_with_a_manual_clock(target: Target) -> None:
    assert target.mock
    assert target.control is not None
    clock = target.control.clock()
    assert clock["mode"] == "manual"
    assert clock["now"] == int(clock["now"])


def test_mock_sessions_move_the_clock_instead_of_waiting(target: Target) -> None:
    ref = ProjectRef(Kind.MIGRATION, "full-migration~t")
    sessions = poll_sessions(target, [ref], interval=100, duration=500)
    session = sessions[ref]
    assert [r.at for r in session] == [0, 100, 200, 300, 400, 500]
    assert [r.index for r in session] == list(range(6))
    assert [r.body["data"]["status"] for r in session[::5]] == ["INIT", "FINISHED"]


def test_projects_default_to_fresh_instances_of_every_plain_scenario(target: Target) -> None:
    assert target.control is not None
    refs = projects_to_observe(target, [], "tok")
    scenarios = target.control.scenarios()
    names = {s["name"]: Kind(s["kind"]) for s in scenarios if s["plain"]}
    assert {r.project_id for r in refs} == {f"{n}~tok" for n in names}
    assert "flaky-network" not in names  # it breaks the contract on purpose
    assert len(names) >= 12
    assert all(r.kind is names[r.project_id.split("~")[0]] for r in refs)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        (ProjectSpec("sync-project"), Kind.SYNC),
        (ProjectSpec("full-migration"), Kind.MIGRATION),
        (ProjectSpec("nowhere"), Kind.MIGRATION),
        (ProjectSpec("sync-project", Kind.MIGRATION), Kind.MIGRATION),
    ],
)
def test_the_kind_of_a_given_project_is_detected(
    target: Target, spec: ProjectSpec, kind: Kind
) -> None:
    assert projects_to_observe(target, [spec], "tok") == [ProjectRef(kind, spec.project_id)]


def test_malformed_ids_reach_the_server_encoded(target: Target) -> None:
    for response in probe(target, malformed_ids()):
        assert response.body["code"] == "PARAM_ERROR", response.project_id


def static_server(status: int, body: Any) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode())

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real")


@pytest.mark.parametrize(
    ("status", "body", "mock"),
    [
        (200, {"status": "ok", "version": "0.1.0"}, True),
        (404, {"status": "ok", "version": "0.1.0"}, False),
        (200, {"status": "ok"}, False),
        (200, ["ok"], False),
    ],
)
def test_mock_oms_is_recognised_by_its_health_check(status: int, body: Any, mock: bool) -> None:
    with static_server(status, body) as http:
        assert is_mock_oms(http) is mock


def test_a_real_server_is_waited_for_on_schedule() -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds + 0.25  # polls and sleeps overrun a little

    with static_server(200, {"success": True}) as http:
        target = Target(http, label="real", sleep=sleep, monotonic=lambda: clock[0])
        ref = ProjectRef(Kind.MIGRATION, "np_1")
        sessions = poll_sessions(target, [ref], interval=2, duration=6)
    assert len(sessions[ref]) == 4
    assert waits[0] == 2
    assert all(w < 2 for w in waits[1:])  # the overrun is made up


def test_detect_kind_on_a_real_server_that_only_knows_sync() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/sync/" in request.url.path:
            return httpx.Response(200, json={"success": True, "data": {"status": "INIT"}})
        return httpx.Response(200, json={"success": False, "code": "GHANA-PROJECT000001"})

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real") as http:
        assert detect_kind(Target(http, label="real"), "np_1") is Kind.SYNC


def test_take_clock_makes_it_manual_on_a_whole_second() -> None:
    now = [10.25]
    app = create_app(Settings(speed=3), time_source=lambda: now[0])
    with ControlClient.in_process(app) as control:
        now[0] = 11.0  # 2.25 scenario seconds later, at speed 3
        assert take_clock(control) == 3
        clock = control.clock()
        assert clock["mode"] == "manual"
        assert clock["now"] == 3.0


def test_open_target_restores_the_speed_of_a_live_mock() -> None:
    from mock_oms.serve.live import LiveServer

    with LiveServer(Settings(port=0, speed=2)) as server:
        with open_target(KitOptions(base_url=server.base_url)) as target:
            assert target.mock
            assert target.control is not None
            assert target.control.clock()["mode"] == "manual"
        with ControlClient(server.base_url) as control:
            assert control.clock()["speed"] == 2


def test_open_target_refuses_a_mock_with_faults_injected_into_every_request() -> None:
    from mock_oms.serve.live import LiveServer

    with (
        LiveServer(Settings(port=0, speed=2)) as server,
        ControlClient(server.base_url) as control,
    ):
        options = KitOptions(base_url=server.base_url)
        control.inject_fault({"status": 503}, project_id="full-migration")  # kept away
        with open_target(options):
            pass
        control.inject_fault({"status": 503}, count=5)
        with (
            pytest.raises(OptionError, match=r"injected into every OMS request \(status:503\)"),
            open_target(options),
        ):
            pass  # pragma: no cover
        assert control.clock()["speed"] == 2  # restored all the same
        control.clear_faults()
        with open_target(options) as target:
            assert target.mock


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("base_url", "reason"),
    [
        ("localhost:8089", r"'localhost:8089': give an http:// or https:// URL"),
        ("oms.example", r"give an http:// or https:// URL"),
        (None, r"cannot reach http://127\.0\.0\.1:\d+ \(ConnectError: .*\): is the server running"),
    ],
    ids=["no-scheme", "no-url", "refused"],
)
def test_open_target_says_when_there_is_no_server_to_check(
    base_url: str | None, reason: str
) -> None:
    url = base_url or f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(OptionError, match=reason), open_target(KitOptions(base_url=url)):
        pass  # pragma: no cover


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({}, r"asks for HTTP Basic credentials: give --oms-auth USER:PASSWORD"),
        ({"auth": ("u", "wrong")}, r"refused the credentials given by --oms-auth"),
        ({"auth": ("u", "p")}, r"refused its control API .*give --oms-control-token"),
    ],
    ids=["no-credentials", "wrong-credentials", "no-token"],
)
def test_open_target_says_when_the_server_refuses_the_kit(
    bundled: Library, options: dict[str, Any], reason: str
) -> None:
    from mock_oms.serve.live import LiveServer

    settings = Settings(port=0, speed=2, auth=("u", "p"), control_token="t")
    with LiveServer(settings, library=bundled) as server:
        kit = KitOptions(base_url=server.base_url, **options)
        with pytest.raises(OptionError, match=reason), open_target(kit):
            pass  # pragma: no cover
        with open_target(KitOptions(base_url=server.base_url, auth=("u", "p"), control_token="t")):
            pass
        with ControlClient(server.base_url, token="t") as control:
            assert control.clock()["speed"] == 2  # left as it was


# -- retries, and what the kit records of each answer ---------------------------------------

GOOD = {"success": False, "code": "GHANA-PROJECT000001", "message": "[GHANA-PROJECT000001]: x"}


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.Client, list[str]]:
    """A server that gives ``answers`` in turn (an exception: no answer at all)."""
    seen: list[str] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real"), seen


def quiet_target(http: httpx.Client) -> tuple[Target, list[float]]:
    slept: list[float] = []
    return Target(http, label="real", sleep=slept.append, retry_delays=(0.25, 0.5, 1.0)), slept


def test_a_transient_failure_is_retried_with_backoff_and_noted() -> None:
    http, seen = scripted(
        httpx.Response(502, html="<html>Bad Gateway</html>"),
        httpx.ConnectError("connection reset by peer"),
        httpx.Response(503, content=b""),
        httpx.Response(200, json=GOOD),
    )
    target, slept = quiet_target(http)
    response = target.get(Kind.MIGRATION, "np_1", at=4)
    assert response.transport is None
    assert response.body == GOOD
    assert slept == [0.25, 0.5, 1.0]
    assert len(seen) == 4
    assert response.retries == (
        "HTTP 502 with 24 characters of text/html",
        "ConnectError: connection reset by peer",
        "HTTP 503 with an empty body",
    )
    (note,) = target.notes
    assert note.startswith("migration project 'np_1' at 4 s: answered on attempt 4 (HTTP 502")


def test_failures_that_outlast_the_retries_fail_the_poll() -> None:
    http, seen = scripted(*[httpx.Response(504, text="timeout")] * 4)
    target, slept = quiet_target(http)
    response = target.get(Kind.SYNC, "np_1")
    assert len(seen) == 4
    assert slept == [0.25, 0.5, 1.0]
    assert (
        response.transport
        == "4 attempts failed, the last with HTTP 504 with 7 characters of text/plain"
    )
    assert "no answer after 4 attempts" in target.notes[0]


def test_an_oms_answer_with_a_5xx_is_judged_not_retried() -> None:
    http, seen = scripted(httpx.Response(503, json={**GOOD, "code": "INNER_ERROR"}))
    target, slept = quiet_target(http)
    response = target.get(Kind.MIGRATION, "np_1")
    assert (len(seen), slept, target.notes) == (1, [], [])
    assert response.status_code == 503
    assert response.transport is None


def test_each_answer_keeps_its_content_type_and_the_servers_clock() -> None:
    http, _ = scripted(
        httpx.Response(
            200,
            content=json.dumps(GOOD).encode(),
            headers={"Content-Type": "text/plain", "Date": "Sun, 06 Nov 1994 08:49:37 GMT"},
        ),
        httpx.Response(200, content=b"{}"),
    )
    target = Target(http, label="real", wall_clock=lambda: 123.0)
    first, second = target.get(Kind.MIGRATION, "a"), target.get(Kind.MIGRATION, "b")
    assert (first.content_type, first.server_time) == ("text/plain", 784111777.0)
    assert (second.content_type, second.server_time) == ("", 123.0)  # no Date: the kit's clock


def test_a_base_url_with_the_api_path_is_refused_with_the_reason() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Not Found")

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real")
    with pytest.raises(OptionError, match=r"--base-url is the server's root, without /api/omsp/v2"):
        check_oms_paths(Target(http, label="x"), "http://oms/api/omsp/v2", CLI)
    with pytest.raises(OptionError, match=r"404 on every OMS path .*is --oms-base-url an OMS"):
        check_oms_paths(Target(http, label="x"), "http://oms")


def test_a_404_error_envelope_on_every_path_is_no_oms_path() -> None:
    # mock-oms itself, reached under http://host/api/omsp/v2, answers its own NOT_FOUND
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"success": False, "code": "NOT_FOUND", "data": None})

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real")
    with pytest.raises(OptionError, match=r"without /api/omsp/v2"):
        check_oms_paths(Target(http, label="x"), "http://oms/api/omsp/v2", CLI)


def test_an_oms_that_answers_404_in_band_is_checked_not_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json=GOOD)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real")
    check_oms_paths(Target(http, label="x"), "http://oms")  # the rules judge it


def test_a_server_that_never_answers_is_refused_within_the_timeout() -> None:
    with socket.socket() as sock:  # listens, never accepts: connections hang
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        options = KitOptions(base_url=url, timeout=0.3, spelling=CLI)
        with pytest.raises(OptionError, match=r"did not answer \(\w*Timeout\).*--base-url"):
            preflight(options)


@pytest.mark.parametrize("url", ["localhost:8089", "oms.example", "ftp://oms", "http://"])
def test_urls_without_an_http_scheme_are_refused(url: str) -> None:
    with pytest.raises(OptionError, match=r"--base-url .*: give an http:// or https:// URL"):
        check_url(url, CLI)


@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        (401, {}, True),
        (403, {}, True),  # a gateway's refusal
        (403, GOOD, False),  # OMS's answer: the rules judge it
        (200, GOOD, False),
    ],
)
def test_a_refusal_of_the_kit_stops_it(status: int, body: Any, refused: bool) -> None:
    http, _ = scripted(httpx.Response(status, json=body))
    target = Target(http, label="real")
    if refused:
        with pytest.raises(OptionError, match=f"asks for HTTP Basic .*HTTP {status}"):
            check_access(target, auth_given=False, spelling=CLI)
    else:
        check_access(target, auth_given=False, spelling=CLI)


def test_a_sync_project_is_found_whatever_the_migration_endpoint_says() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "/sync/" in request.url.path:
            return httpx.Response(200, json={"success": True, "data": {"status": "INIT"}})
        return httpx.Response(404, text="no such route")

    with httpx.Client(transport=httpx.MockTransport(handler), base_url="http://real") as http:
        assert detect_kind(Target(http, label="real", retry_delays=()), "np_1") is Kind.SYNC


def test_after_a_poll_failed_every_attempt_the_next_are_tried_once() -> None:
    down = [httpx.ConnectError("refused")] * 6
    http, seen = scripted(*down, httpx.Response(200, json=GOOD), *down[:4])
    target, slept = quiet_target(http)
    assert target.get(Kind.MIGRATION, "a").transport is not None  # 4 attempts
    assert target.get(Kind.MIGRATION, "a").transport is not None  # 1
    assert target.get(Kind.MIGRATION, "a").transport is not None  # 1
    assert target.get(Kind.MIGRATION, "a").transport is None  # answered: back to retries
    assert target.get(Kind.MIGRATION, "a").transport is not None  # 4 again
    assert len(seen) == 11
    assert slept == [0.25, 0.5, 1.0] * 2


def test_a_redirect_loop_is_no_answer_not_a_crash() -> None:
    """Before, httpx.TooManyRedirects escaped both the preflight and a poll: the command
    ended with a traceback and exit 1 (FAILED) rather than 4 (no server to check)."""

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url)})

    http = httpx.Client(
        transport=httpx.MockTransport(loop), base_url="http://proxy", follow_redirects=True
    )
    target, slept = quiet_target(http)
    response = target.get(Kind.MIGRATION, "np_1")
    assert response.transport is not None and "TooManyRedirects" in response.transport
    assert slept == [0.25, 0.5, 1.0]
    v4 = target.call("DescribeProjectProgress", {"id": "np_1"})
    assert v4.transport is not None and "TooManyRedirects" in v4.transport


def test_the_command_says_no_server_behind_a_redirect_loop() -> None:
    import http.server
    import threading

    from click.testing import CliRunner

    from mock_oms.cli import main

    class Loop(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Loop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = CliRunner().invoke(main, ["contract", "--base-url", url, "--api", "v4"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 4, result.output
    assert "no server to check" in result.output and "TooManyRedirects" in result.output
    assert "Traceback" not in result.output
