from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from contract_tests.levels import Api, Level
from contract_tests.options import (
    CLI,
    MOCK_POLL_DURATION,
    MOCK_POLL_INTERVAL,
    MOCK_V4_POLL_INTERVAL,
    PYTEST,
    REAL_POLL_DURATION,
    REAL_POLL_INTERVAL,
    KitOptions,
    OptionError,
    ProjectSpec,
    Spelling,
    parse_auth,
    read_create_body,
)
from mock_oms.core.kinds import Kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("np_4w3a0001", ProjectSpec("np_4w3a0001")),
        ("sync:np_1", ProjectSpec("np_1", Kind.SYNC)),
        ("migration:full-migration", ProjectSpec("full-migration", Kind.MIGRATION)),
        ("other:thing", ProjectSpec("other:thing")),
    ],
)
def test_project_spec(text: str, expected: ProjectSpec) -> None:
    assert ProjectSpec.parse(text) == expected


@pytest.mark.parametrize("text", ["", "sync:"])
def test_empty_project_ids_are_refused(text: str) -> None:
    with pytest.raises(OptionError, match="empty"):
        ProjectSpec.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("alice:secret", ("alice", "secret")), ("alice:", ("alice", "")), ("a:b:c", ("a", "b:c"))],
)
def test_auth(text: str, expected: tuple[str, str]) -> None:
    assert parse_auth(text) == expected


@pytest.mark.parametrize("text", ["alice", ":secret", ""])
def test_bad_auth(text: str) -> None:
    with pytest.raises(OptionError, match="USER:PASSWORD"):
        parse_auth(text)


@pytest.mark.parametrize(
    ("mock", "interval", "duration"),
    [
        (True, MOCK_POLL_INTERVAL, MOCK_POLL_DURATION),
        (False, REAL_POLL_INTERVAL, REAL_POLL_DURATION),
    ],
)
def test_poll_defaults_depend_on_the_server(mock: bool, interval: float, duration: float) -> None:
    options = KitOptions()
    assert (options.interval(mock), options.duration(mock)) == (interval, duration)
    given = KitOptions(poll_interval=0.5, poll_duration=3)
    assert (given.interval(mock), given.duration(mock)) == (0.5, 3)


@pytest.mark.parametrize(
    "kwargs",
    [{"poll_interval": 0}, {"poll_interval": -1}, {"poll_duration": -1}, {"max_examples": 0}],
)
def test_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(OptionError):
        KitOptions(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spelling", "says"), [(PYTEST, "--oms-poll-interval"), (CLI, "--poll-interval")]
)
def test_messages_name_the_options_as_the_user_typed_them(spelling: Spelling, says: str) -> None:
    with pytest.raises(OptionError, match=f"^{says} must be > 0"):
        KitOptions(poll_interval=0, spelling=spelling)
    with pytest.raises(OptionError, match=f"^{says.replace('poll-interval', 'project')}"):
        ProjectSpec.parse("sync:", spelling)
    with pytest.raises(OptionError, match=f"^{says.replace('poll-interval', 'auth')}"):
        parse_auth("alice", spelling)


def test_the_level_and_clock_skew_default_to_what_a_real_oms_may_do() -> None:
    options = KitOptions()
    assert options.level is Level.COMPATIBLE
    assert options.clock_skew == 600
    with pytest.raises(OptionError, match="clock-skew"):
        KitOptions(clock_skew=-1)


def test_the_api_defaults_to_auto_and_v4_polls_mock_oms_at_odcs_cadence() -> None:
    options = KitOptions()
    assert options.api is Api.AUTO
    assert options.create_body is None
    assert options.interval(True, Api.V4) == MOCK_V4_POLL_INTERVAL == 10
    assert options.interval(False, Api.V4) == REAL_POLL_INTERVAL
    assert KitOptions(poll_interval=0.5).interval(True, Api.V4) == 0.5


def test_a_create_body_is_a_json_object_read_from_a_file(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"name": "kit", "type": "MIGRATION"}')
    assert read_create_body(str(body)) == {"name": "kit", "type": "MIGRATION"}
    body.write_text("[]")
    with pytest.raises(OptionError, match=r"^--oms-create-body .*: a CreateProject body is a JSON"):
        read_create_body(str(body))
    with pytest.raises(OptionError, match=r"^--create-body .*missing\.json: "):
        read_create_body(str(tmp_path / "missing.json"), CLI)


def test_the_command_s_help_names_the_kit_s_own_defaults() -> None:
    """``mock-oms contract`` names the kit's defaults without importing the kit (its
    libraries come only with [kit]): the copies must agree with the kit's."""
    command = importlib.import_module("mock_oms.cli.contract")  # the module, not the command

    assert command.MOCK_INTERVAL == MOCK_POLL_INTERVAL
    assert command.REAL_INTERVAL == REAL_POLL_INTERVAL
    assert command.MOCK_DURATION == MOCK_POLL_DURATION
    assert command.REAL_DURATION == REAL_POLL_DURATION
    assert command.MOCK_V4_INTERVAL == MOCK_V4_POLL_INTERVAL
    assert KitOptions().clock_skew == command.DEFAULT_SKEW
    assert set(command.APIS) == {api.value for api in Api}
