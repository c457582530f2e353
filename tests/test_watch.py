"""``serve --watch``: an edit is served within two seconds; a broken edit is reported with
its file and line while the previous set keeps serving. Every wait is on observable state,
with a deadline, never a bare sleep."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import mock_oms.serve.server
from mock_oms.cli import main
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.serve.live import LiveServer
from mock_oms.serve.watch import Watcher, changes, look

STORY = """\
name: {name}
description: {description}
kind: migration
timeline:
  - {{status: INIT, step: PRE_CHECK, seconds: 10}}
  - {{status: RUNNING, step: STRUCT_MIGRATION}}
"""


def write(path: Path, description: str, name: str = "edited") -> None:
    path.write_text(STORY.format(name=name, description=description), encoding="utf-8")


def until(check: Callable[[], bool], deadline: float, what: str) -> float:
    """Seconds until ``check()`` held; fails the test past ``deadline`` seconds."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > deadline:
            pytest.fail(f"not within {deadline} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - began


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "edited.yaml", "first")
    return tmp_path


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[ControlClient, Watcher, list[str]]]:
    said: list[str] = []
    settings = Settings(port=0, clock=ClockMode.MANUAL, scenarios=(folder,))
    with LiveServer(settings) as server, ControlClient(server.base_url) as client:
        watcher = Watcher(server.app.runtime, interval=0.1, sink=said.append).start()
        try:
            yield client, watcher, said
        finally:
            watcher.stop()


def description(client: ControlClient) -> str:
    return str(client.scenario("edited")["description"])


def test_an_edit_is_served_within_two_seconds(
    served: tuple[ControlClient, Watcher, list[str]], folder: Path
) -> None:
    client, _, said = served
    assert description(client) == "first"
    write(folder / "edited.yaml", "second")
    until(lambda: description(client) == "second", 2.0, "the edit served")
    assert said == ["scenario files changed edited.yaml: reloaded, 1 scenarios served"]


def test_a_broken_edit_keeps_the_previous_version_serving(
    served: tuple[ControlClient, Watcher, list[str]], folder: Path
) -> None:
    client, watcher, said = served
    (folder / "edited.yaml").write_text(
        "name: edited\nkind: migration\ntimeline:\n  - status: RUNING\n", encoding="utf-8"
    )
    until(lambda: watcher.refusals == 1, 2.0, "the broken edit refused")
    assert description(client) == "first"
    assert client.progress("edited")["data"]["status"] == "INIT"
    (report,) = said
    assert report.startswith("scenario files changed edited.yaml: not reloaded, still serving")
    assert f"{folder / 'edited.yaml'}:4: timeline[0].status" in report
    # fixed: served again
    write(folder / "edited.yaml", "fixed")
    until(lambda: description(client) == "fixed", 2.0, "the fixed file served")


def test_files_added_and_removed_are_picked_up(
    served: tuple[ControlClient, Watcher, list[str]], folder: Path
) -> None:
    client, watcher, said = served
    write(folder / "other.yaml", "another", name="other")
    until(lambda: watcher.reloads == 1, 2.0, "the added file loaded")
    assert {s.name for s in client.scenarios()} == {"edited", "other"}
    (folder / "other.yaml").unlink()
    until(lambda: watcher.reloads == 2, 2.0, "the removed file dropped")
    assert {s.name for s in client.scenarios()} == {"edited"}
    assert said == [
        "scenario files added other.yaml: reloaded, 2 scenarios served",
        "scenario files removed other.yaml: reloaded, 1 scenarios served",
    ]


def test_a_half_written_file_is_not_read_until_it_stands_still(folder: Path) -> None:
    settings = Settings(clock=ClockMode.MANUAL, scenarios=(folder,))
    from mock_oms.web.app import create_app

    runtime = create_app(settings).runtime
    said: list[str] = []
    watcher = Watcher(runtime, sink=said.append)  # ticked by hand: no thread
    write(folder / "edited.yaml", "second")
    watcher.tick()
    assert said == []  # changed since the last look: wait one more
    watcher.tick()
    assert said == ["scenario files changed edited.yaml: reloaded, 1 scenarios served"]
    watcher.tick()
    assert len(said) == 1


def test_changes_in_words(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert changes({a: (1, 1, 1)}, {a: (2, 1, 1), b: (1, 1, 2)}) == "changed a.yaml; added b.yaml"
    assert changes({a: (1, 1, 1)}, {}) == "removed a.yaml"
    assert look([tmp_path]) == {}


def test_the_cli_starts_a_watcher(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:

    def serve(settings: Settings, *, library: object, on_ready: Callable[..., None]) -> None:
        from mock_oms.web.app import create_app

        on_ready(create_app(settings), "http://127.0.0.1:1")

    monkeypatch.setattr(mock_oms.serve.server, "serve", serve)
    result = CliRunner().invoke(main, ["serve", "--watch", "--scenarios", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"watching {folder} for changes" in result.output
    plain = CliRunner().invoke(main, ["serve", "--scenarios", str(folder)])
    assert "watching" not in plain.output
