"""Replay scenarios: validation with lines, entry selection, serving under every clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mock_oms.cli import main
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.errors import ScenarioError
from mock_oms.core.kinds import Kind
from mock_oms.core.library import assemble
from mock_oms.core.replay import Mode, Recorded, Replay, entry_at
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios.loader import load_text
from mock_oms.web.app import create_app

RECORDING = """\
name: rec
kind: replay
endpoint: migration
mode: {mode}
entries:
  - at: 0
    body:
      success: true
      data: {{status: INIT, currentStep: PRE_CHECK, fullMigrationProgress: 0}}
  - at: 10
    body:
      success: true
      data: {{status: RUNNING, currentStep: FULL_MIGRATION, fullMigrationProgress: 40}}
  - at: 20
    status: 503
    contentType: text/html
    text: "<html>503</html>"
  - at: 30
    fault: reset
  - at: 40
    status: 429
    retryAfter: "5"
    body: {{success: false, code: TOO_MANY_REQUESTS, data: null}}
  - at: 50
    fault: truncate
  - at: 60
    body:
      success: true
      data: {{status: FINISHED, currentStep: APP_SWITCH, fullMigrationProgress: 100}}
"""

Seen = tuple[int, str] | str


def seen(client: httpx.Client, project: str = "rec") -> Seen:
    try:
        response = client.get(f"/api/omsp/v2/migrations/{project}/progress")
    except httpx.HTTPError as exc:
        return type(exc).__name__
    try:
        data = response.json().get("data")
        what = data["status"] if isinstance(data, dict) else str(response.json().get("code"))
    except ValueError:
        what = "text"
    return response.status_code, what


EXPECTED: list[Seen] = [
    (200, "INIT"),
    (200, "RUNNING"),
    (503, "text"),
    "ReadError",
    (429, "TOO_MANY_REQUESTS"),
    "RemoteProtocolError",
    (200, "FINISHED"),
]


def app_for(mode: str, **settings: Any) -> Any:
    library = assemble([load_text(RECORDING.format(mode=mode), "rec.yaml")])
    return create_app(Settings(seed=1, **settings), library=library)


@pytest.fixture
def poll_mode() -> Iterator[ControlClient]:
    with ControlClient.in_process(app_for("poll", clock=ClockMode.MANUAL)) as control:
        yield control


def test_poll_mode_serves_one_entry_per_poll_then_the_last(poll_mode: ControlClient) -> None:
    observed = [seen(poll_mode.http) for _ in range(9)]
    assert observed == [*EXPECTED, (200, "FINISHED"), (200, "FINISHED")]


def test_time_mode_under_the_manual_clock() -> None:
    with ControlClient.in_process(app_for("time", clock=ClockMode.MANUAL)) as control:
        observed = []
        for _ in EXPECTED:
            observed.append(seen(control.http))
            observed.append(seen(control.http))  # the same entry until time moves on
            control.advance(10)
        assert observed[::2] == EXPECTED
        assert observed[1::2] == EXPECTED


def test_time_mode_under_a_fast_clock() -> None:
    now = [0.0]
    library = assemble([load_text(RECORDING.format(mode="time"), "rec.yaml")])
    app = create_app(Settings(speed=10), library=library, time_source=lambda: now[0])
    with ControlClient.in_process(app) as control:
        observed = []
        for _ in EXPECTED:
            observed.append(seen(control.http))
            now[0] += 1.0  # ten scenario seconds
        assert observed == EXPECTED


def test_recorded_headers_are_replayed(poll_mode: ControlClient) -> None:
    for _ in range(2):
        poll_mode.http.get("/api/omsp/v2/migrations/rec/progress")
    page = poll_mode.http.get("/api/omsp/v2/migrations/rec/progress")
    assert page.headers["content-type"] == "text/html"
    assert page.text == "<html>503</html>"
    with pytest.raises(httpx.ReadError):
        poll_mode.http.get("/api/omsp/v2/migrations/rec/progress")
    limited = poll_mode.http.get("/api/omsp/v2/migrations/rec/progress")
    assert limited.headers["retry-after"] == "5"


def test_a_recorded_delay_is_capped_like_every_fault_delay() -> None:
    # --max-fault-delay bounded faults but not a replayed slow answer (up to a day), nor
    # the sum of one and a fault's own delay
    text = BAD.format(
        extra="faults: [{fault: {latency: 30}}]\n",
        entries="  - {at: 0, delay: 30, body: {success: true}}",
    )
    settings = Settings(clock=ClockMode.MANUAL, max_fault_delay=0.2)
    app = create_app(settings, library=assemble([load_text(text)]))
    with ControlClient.in_process(app) as client:
        began = time.monotonic()
        response = client.http.get("/api/omsp/v2/migrations/rec/progress")
        assert response.json() == {"success": True}
        assert time.monotonic() - began < 5  # not 60 s
        fault = client.requests()["entries"][0]["fault"]
    assert fault == "latency:0.2"


def test_the_journal_label_names_recorded_failures() -> None:
    app = app_for("poll", clock=ClockMode.MANUAL)
    path = b"/api/omsp/v2/migrations/rec/progress"
    labels = [app.oms.answer("GET", path).fault for _ in EXPECTED]
    assert labels == [None, None, "status:503", "reset", "status:429", "truncate", None]


def test_each_instance_replays_from_its_start(poll_mode: ControlClient) -> None:
    assert [seen(poll_mode.http, "rec~a") for _ in range(2)] == EXPECTED[:2]
    assert seen(poll_mode.http, "rec~b") == EXPECTED[0]
    poll_mode.reset("rec~a")
    assert seen(poll_mode.http, "rec~a") == EXPECTED[0]


def test_the_control_api_shows_the_recorded_state(poll_mode: ControlClient) -> None:
    seen(poll_mode.http)
    seen(poll_mode.http)
    project = poll_mode.project("rec")
    assert (project["status"], project["currentStep"], project["fullMigrationProgress"]) == (
        "RUNNING",
        "FULL_MIGRATION",
        40,
    )
    answer = poll_mode.act("rec", "stop")
    assert answer["success"] is False
    assert "replays a recording" in answer["message"]


def test_faults_can_be_added_to_a_replay() -> None:
    text = RECORDING.format(mode="poll").replace(
        "entries:", "faults:\n  - {fault: {status: 500}, polls: 2}\nentries:"
    )
    app = create_app(
        Settings(clock=ClockMode.MANUAL), library=assemble([load_text(text, "rec.yaml")])
    )
    with ControlClient.in_process(app) as control:
        assert [seen(control.http) for _ in range(3)] == [
            (200, "INIT"),
            (500, "INNER_ERROR"),
            (503, "text"),
        ]


@pytest.mark.parametrize(
    ("mode", "polls", "elapsed", "expected"),
    [
        (Mode.POLL, 0, 0.0, 0),
        (Mode.POLL, 1, 99.0, 0),
        (Mode.POLL, 3, 0.0, 2),
        (Mode.POLL, 30, 0.0, 3),
        (Mode.TIME, 5, 0.0, 0),
        (Mode.TIME, 5, 4.99, 0),
        (Mode.TIME, 5, 5.0, 2),  # two entries at 5 s: the one recorded last
        (Mode.TIME, 5, 12.0, 2),
        (Mode.TIME, 5, 1e9, 3),
    ],
)
def test_entry_at(mode: Mode, polls: int, elapsed: float, expected: int) -> None:
    entries = tuple(Recorded(at) for at in (0.0, 5.0, 5.0, 20.0))
    replay = Replay(Kind.MIGRATION, mode, entries, tuple(e.at for e in entries))
    assert entry_at(replay, polls, elapsed) == expected


BAD = """\
name: rec
kind: replay
endpoint: migration
{extra}entries:
{entries}
"""


@pytest.mark.parametrize(
    ("extra", "entries", "line", "reason"),
    [
        ("timeline: []\n", "  - {at: 0, body: 1}", 4, "timeline: not allowed in a replay scenario"),
        ("flags: {incr: true}\n", "  - {at: 0, body: 1}", 4, "flags: not allowed in a replay"),
        ("", "  - {at: 5, body: 1}\n  - {at: 2, body: 1}", 6, "before the previous entry's"),
        ("", "  - {at: 0}", 5, "needs a body, a text or a fault"),
        ("", "  - {at: 0, body: 1, text: x}", 5, "not both"),
        ("", "  - {at: 0, body: 1, fault: reset}", 5, "sends no body"),
        ("", "  - {at: 0, fault: truncate}", 5, "no entry has one"),
        (
            "",
            "  - {at: 0, text: x}\n  - {at: 1, fault: {deviation: {field: code, change: null}}}",
            6,
            "a deviation needs a JSON body",
        ),
        ("faults: [{fault: reset, phase: 0}]\n", "  - {at: 0, body: 1}", 4, "has no phases"),
        ("mode: sometimes\n", "  - {at: 0, body: 1}", 4, "is not one of ['time', 'poll']"),
        ("", "  - {at: 0, body: 1, extra: 2}", 5, "unknown field 'extra'"),
        # served, a 1xx hung the client; a 204 or 304 with a Content-Length and no body
        # left the body's bytes on a kept-alive connection, spoiling the next response
        ("", "  - {at: 0, status: 101, text: x}", 5, "101 is less than the minimum of 200"),
        ("", "  - {at: 0, status: 204, body: {a: 1}}", 5, "a 204 response has no body"),
        ("", "  - {at: 0, status: 304, text: x}", 5, "a 304 response has no body"),
        ("", "  - {at: 0, body: 1}\n  - {at: 1, status: 204, fault: truncate}", 6, "no body"),
    ],
)
def test_bad_replays_are_reported_with_their_line(
    extra: str, entries: str, line: int, reason: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_text(BAD.format(extra=extra, entries=entries), "rec.yaml")
    problems = caught.value.problems
    assert any(p.line == line and reason in p.reason for p in problems), problems


def test_a_recorded_204_without_a_body_is_replayed() -> None:
    # what mock-oms record writes for one: an empty text
    text = BAD.format(extra="", entries='  - {at: 0, status: 204, text: ""}')
    app = create_app(Settings(clock=ClockMode.MANUAL), library=assemble([load_text(text)]))
    with ControlClient.in_process(app) as client:
        response = client.http.get("/api/omsp/v2/migrations/rec/progress")
    assert (response.status_code, response.content) == (204, b"")


def test_a_replay_needs_its_endpoint() -> None:
    with pytest.raises(ScenarioError, match="'endpoint' is a required property"):
        load_text("name: r\nkind: replay\nentries: [{at: 0, body: 1}]\n")


def test_a_phase_scenario_refuses_replay_fields() -> None:
    with pytest.raises(ScenarioError, match="entries: not allowed in a sync scenario"):
        load_text("name: r\nkind: sync\nentries: [{at: 0, body: 1}]\ntimeline: [{status: INIT}]\n")


def test_cli_lists_shows_and_validates_replays(tmp_path: Any) -> None:
    path = tmp_path / "rec.yaml"
    path.write_text(RECORDING.format(mode="time"))
    runner = CliRunner()
    listed = runner.invoke(main, ["scenarios", "list", "--scenarios", str(path)])
    assert listed.exit_code == 0, listed.output
    assert "replay:migration  INIT->RUNNING->FINISHED" in listed.output
    shown = runner.invoke(main, ["scenarios", "show", "rec", "--scenarios", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "fault reset" in shown.output
    assert "7 entries" in shown.output
    assert runner.invoke(main, ["validate", str(path)]).exit_code == 0


def test_the_bundled_library_is_valid() -> None:
    result = CliRunner().invoke(main, ["validate", str(scenarios_dir())])
    assert result.exit_code == 0, result.output


FAULT_FIRST = """\
name: faulty
kind: replay
endpoint: migration
entries:
  - {at: 0, fault: reset}
  - at: 10
    body: {success: true, code: success, data: {status: INIT, currentStep: PRE_CHECK}}
  - {at: 20, status: 503, text: "<html>503</html>"}
"""


def test_an_entry_without_a_body_shows_the_nearest_recorded_status() -> None:
    """Before any body was served the project showed the placeholder phase's RUNNING."""
    app = create_app(Settings(clock=ClockMode.MANUAL), library=assemble([load_text(FAULT_FIRST)]))
    with ControlClient.in_process(app) as client:
        client.create("faulty", "faulty~a")
        assert client.project("faulty~a").status == "INIT"  # the first recorded, ahead
        client.advance(20)
        assert client.poll("faulty~a").status_code == 503
        assert client.project("faulty~a").status == "INIT"  # the last recorded before
