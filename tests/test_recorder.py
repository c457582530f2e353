"""Recording: a running mock-oms recorded and replayed gives the same data and failures."""

from __future__ import annotations

import base64
import re
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from servers import ServeFactory

from mock_oms.cli import main
from mock_oms.core.library import assemble
from mock_oms.scenarios.loader import load_file, load_text
from mock_oms.serve.recorder import ProgressLine, poll_once, record, upstream_client
from mock_oms.serve.recording import Options, Result, entry_from_error, hang_for, scenario_name

# A story told in polls, with a failure on most polls (all deterministic).
STORY = """\
name: story
kind: migration
flags: {struct: true, full: true}
faults:
  - {fault: {status: 503}, polls: 3}
  - {fault: reset, polls: 5}
  - {fault: not-json, polls: 6}
  - {fault: {hang: 30}, polls: 8}
  - {fault: truncate, polls: 9}
  - {fault: {status: {code: 429, retryAfter: 2}}, polls: 10}
  - {fault: {error: {code: INNER_ERROR, message: boom}}, polls: 11}
  - {fault: close, polls: 12}
  - {fault: {deviation: {field: data.status, change: null}}, polls: 13}
timeline:
  - {status: INIT, polls: 2}
  - {status: RUNNING, step: STRUCT_MIGRATION, polls: 4, progress: {struct: [0, 100]}}
  - {status: RUNNING, step: FULL_MIGRATION, polls: 6, progress: {full: [0, 100]}}
  - {status: FINISHED, step: APP_SWITCH}
"""
POLLS = 15
TIMEOUT = 0.3
VARYING = re.compile(r'"(requestId|cost)":"[^"]*"')


def outcome(entry: dict[str, Any]) -> tuple[Any, ...]:
    """What a client learns from one poll, as the recorder writes it down (request IDs and
    costs left out: they differ from one request to the next)."""
    if "fault" in entry:
        fault = entry["fault"]
        return ("fault", fault if isinstance(fault, str) else next(iter(fault)))
    if "text" in entry:
        return ("text", entry.get("status", 200), VARYING.sub("", entry["text"]))
    body = entry["body"]
    return ("body", entry.get("status", 200), body.get("code"), body.get("data"))


def poll_all(base_url: str, project: str, polls: int) -> list[tuple[Any, ...]]:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as client:
        path = f"/api/omsp/v2/migrations/{project}/progress"
        return [outcome(poll_once(client, path, 0.0, TIMEOUT, lambda: 0.0)) for _ in range(polls)]


def test_round_trip_gives_the_same_data_and_failures(serve: ServeFactory, tmp_path: Path) -> None:
    out = tmp_path / "incident.yaml"
    with serve(assemble([load_text(STORY)]), max_fault_delay=2.0) as live:
        result = record(
            Options(
                upstream=live.base_url,
                projects=("story~rec",),
                out=out,
                interval=0.0,
                timeout=TIMEOUT,
                max_polls=POLLS,
                mode="poll",
            )
        )
        original = poll_all(live.base_url, "story~again", POLLS)
    assert (result.polls, result.tracks[0].entries) == (POLLS, POLLS)
    recording = load_file(out)  # a valid scenario, read back as written
    assert recording.replay is not None
    entries = yaml.safe_load(out.read_text())["entries"]
    recorded = [outcome(e) for e in entries]
    assert recorded == original  # the recording is faithful ...
    statuses = [e.get("status", 200) for e in entries]
    assert statuses[2] == 503
    assert statuses[9] == 429
    assert entries[9]["retryAfter"] == "2"
    assert entries[5]["text"].startswith('{"success":true\n')  # not JSON
    assert entries[10]["body"]["code"] == "INNER_ERROR"
    assert entries[12]["body"]["data"]["status"] is None
    assert [r[1] for r in recorded if r[0] == "fault"] == ["reset", "hang", "truncate", "close"]
    assert entries[7]["fault"] == {"hang": hang_for(TIMEOUT)}

    # ... and its replay gives the same data and the same failures, in order
    with serve(assemble([recording]), max_fault_delay=5.0) as replayed:
        assert poll_all(replayed.base_url, recording.name, POLLS) == recorded


def test_several_projects_go_to_one_file_each(serve: ServeFactory, tmp_path: Path) -> None:
    with serve(assemble([load_text(STORY)])) as live:
        result = record(
            Options(
                live.base_url, ("story~a", "story~b"), tmp_path / "x.yaml", interval=0, max_polls=2
            )
        )
    assert [t.path.name for t in result.tracks] == ["x-story-a.yaml", "x-story-b.yaml"]
    assert [load_file(t.path).name for t in result.tracks] == ["x-story-a", "x-story-b"]


def test_until_terminal_stops_when_the_project_settles(serve: ServeFactory, tmp_path: Path) -> None:
    simple = (
        "name: s\nkind: migration\ntimeline:\n  - {status: RUNNING, polls: 2}\n"
        "  - {status: FAILED}\n"
    )
    with serve(assemble([load_text(simple)])) as live:
        result = record(
            Options(live.base_url, ("s",), tmp_path / "s.yaml", interval=0, until_terminal=True)
        )
    assert result.polls == 3
    assert not result.interrupted


def test_an_unknown_project_counts_as_settled(serve: ServeFactory, tmp_path: Path) -> None:
    with serve(assemble([load_text(STORY)])) as live:
        result = record(
            Options(live.base_url, ("gone",), tmp_path / "g.yaml", interval=0, until_terminal=True)
        )
    assert result.polls == 1
    assert load_file(tmp_path / "g.yaml").replay is not None


def test_ctrl_c_keeps_what_was_recorded(serve: ServeFactory, tmp_path: Path) -> None:
    out = tmp_path / "stopped.yaml"

    def interrupt(result: Result) -> None:
        if result.polls == 3:
            raise KeyboardInterrupt

    with serve(assemble([load_text(STORY)])) as live:
        result = record(Options(live.base_url, ("story",), out, interval=0), show=interrupt)
    assert result.interrupted
    recording = load_file(out)
    assert recording.replay is not None
    assert len(recording.replay.entries) == 3


def test_a_stop_event_and_max_duration_end_the_recording(
    serve: ServeFactory, tmp_path: Path
) -> None:
    stop = threading.Event()
    with serve(assemble([load_text(STORY)])) as live:
        stop.set()
        stopped = record(Options(live.base_url, ("story",), tmp_path / "a.yaml"), stop=stop)
        timed = record(
            Options(live.base_url, ("story",), tmp_path / "b.yaml", interval=0.05, max_duration=0.2)
        )
    assert stopped.polls == 0
    assert stopped.tracks[0].entries == 0
    assert 2 <= timed.polls <= 6


def test_the_cli_records(serve: ServeFactory, tmp_path: Path) -> None:
    out = tmp_path / "cli.yaml"
    with serve(assemble([load_text(STORY)])) as live:
        args = ["record", "--upstream", live.base_url, "--project", "story", "--out", str(out)]
        result = CliRunner().invoke(main, [*args, "--interval", "0", "--max-polls", "4"])
    assert result.exit_code == 0, result.output
    assert "done after 4 polls" in result.output
    assert load_file(out).name == "cli"
    assert "#4 " in result.output  # the progress display


def test_the_cli_refuses_bad_credentials_syntax(tmp_path: Path) -> None:
    args = ["record", "--upstream", "http://x", "--project", "p", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*args, "--auth", "nocolon"])
    assert result.exit_code == 2
    assert "USER:PASSWORD" in result.output


@pytest.mark.parametrize(
    ("upstream", "out", "reason"),
    [
        ("oms.example:8089", "o.yaml", "give the OMS base URL with its scheme"),
        ("localhost", "o.yaml", "give the OMS base URL with its scheme"),
        ("http://127.0.0.1:9", "a-file/o.yaml", "cannot write"),
    ],
    ids=["no-scheme", "no-url", "unwritable"],
)
def test_the_cli_says_why_it_cannot_record(
    tmp_path: Path, upstream: str, out: str, reason: str
) -> None:
    """At once, before any poll, in a line (not a traceback), and nothing written: a URL
    without its scheme used to be recorded as a 'close' fault on every poll, forever."""
    (tmp_path / "a-file").write_text("not a folder")
    args = ["record", "--upstream", upstream, "--project", "p", "--out", str(tmp_path / out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert f"Error: {'--upstream' if 'URL' in reason else 'cannot write'}" in result.output
    assert reason in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def closed_port() -> int:
    """A port of 127.0.0.1 where nothing listens: a connection there is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_upstream_never_reached_is_an_error_not_a_recording(tmp_path: Path) -> None:
    """It used to exit 0 with a 'valid' file of three resets."""
    out = tmp_path / "o.yaml"
    upstream = f"http://127.0.0.1:{closed_port()}"
    args = ["record", "--upstream", upstream, "--project", "p", "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--interval", "0", "--max-polls", "3"])
    assert result.exit_code == 1, result.output
    assert f"Error: cannot reach the upstream {upstream}" in result.output
    assert "nothing was recorded" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_after_the_upstream_answered_is_recorded_as_one(tmp_path: Path) -> None:
    answers: list[Exception | None] = [None, httpx.ConnectError("[Errno 111] Connection refused")]

    def handler(request: httpx.Request) -> httpx.Response:
        failure = answers.pop(0) if answers else None
        if failure is not None:
            raise failure
        return httpx.Response(200, json={"success": True, "data": {"status": "RUNNING"}})

    options = Options("http://oms", ("p",), tmp_path / "o.yaml", interval=0, max_polls=3)
    shown: list[str] = []
    with upstream_client(options, httpx.MockTransport(handler)) as client:
        result = record(options, client=client, show=lambda r: shown.append(r.tracks[0].last))
    assert result.tracks[0].entries == 3
    assert shown[1] == "no connection"
    refused = load_file(tmp_path / "o.yaml").replay
    assert refused is not None
    assert refused.entries[1].note.startswith("no connection (ConnectError: [Errno 111] Connection")


def test_credentials_go_as_basic_auth() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        return httpx.Response(200, json={"success": True})

    options = Options("http://oms", ("p",), Path("o.yaml"), auth=("admin", "s3cret"))
    with upstream_client(options, httpx.MockTransport(handler)) as client:
        client.get("/x")
    assert seen == ["Basic " + base64.b64encode(b"admin:s3cret").decode()]


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (httpx.ReadTimeout("timed out"), {"hang": hang_for(2.0)}),
        (httpx.ConnectTimeout("timed out"), {"hang": hang_for(2.0)}),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "close"),
        (
            httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            ),
            "truncate",
        ),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), "reset"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "reset"),
        (httpx.ReadError("something else"), "close"),
    ],
)
def test_transport_failures_become_faults(error: httpx.HTTPError, fault: Any) -> None:
    entry = entry_from_error(1.5, error, 2.0)
    assert entry["fault"] == fault
    assert entry["at"] == 1.5
    assert type(error).__name__ in entry["note"]


@pytest.mark.parametrize(
    ("text", "name"),
    [("incident", "incident"), ("a b/c", "a-b-c"), ("~~", "recording"), ("x" * 99, "x" * 64)],
)
def test_scenario_names(text: str, name: str) -> None:
    assert scenario_name(text) == name


def test_progress_line_writes_one_line_per_change(tmp_path: Path) -> None:
    from mock_oms.serve.recording import Track

    with (tmp_path / "log").open("w+") as stream:
        line = ProgressLine(stream)
        track = Track("p", tmp_path / "p.yaml", "p", entries=1, last="RUNNING")
        line(Result((track,), 1, 0.5, False))
        line(Result((track,), 2, 1.0, False))
        track.last = "reset"
        line(Result((track,), 3, 1.5, False))
        stream.seek(0)
        written = stream.read().splitlines()
    assert len(written) == 2
    assert "p: reset" in written[1]
