from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import contract_tests
from contract_tests import run as kit_run
from contract_tests import target as kit_target
from contract_tests.options import OptionError
from mock_oms.cli import main


def test_default_arguments_run_the_kit_hermetically() -> None:
    args = kit_run.pytest_arguments(seed=7)
    kit = Path(contract_tests.__file__).resolve().parent
    assert args[0] == str(kit)  # a path, never read under the current directory
    assert "--pyargs" not in args
    assert args[args.index("--rootdir") + 1] == str(kit.parent)
    assert args[args.index("--confcutdir") + 1] == str(kit)  # no conftest.py outside it
    assert "--hypothesis-seed=7" in args
    assert args[args.index("-c") + 1] == os.devnull  # the cwd's config stays out
    assert "no:cacheprovider" in args
    assert "--oms-base-url" not in args
    assert "--oms-strict" not in args
    assert "--oms-spelling=cli" in args  # messages say --base-url, not --oms-base-url


def test_every_setting_becomes_a_kit_option(tmp_path: Path) -> None:
    args = kit_run.pytest_arguments(
        base_url="http://oms:8080",
        projects=["a", "sync:b"],
        auth="u:p",
        control_token="t",
        poll_interval=1.5,
        poll_duration=60,
        junit_xml=tmp_path / "r.xml",
        seed=1,
        max_examples=3,
        strict=True,
        clock_skew=30,
        api="v4",
        create_body=tmp_path / "body.json",
        extra=["-k", "temporal"],
    )
    text = " ".join(args)
    for part in [
        "--oms-base-url http://oms:8080",
        "--oms-project a --oms-project sync:b",
        "--oms-auth u:p",
        "--oms-control-token t",
        "--oms-poll-interval 1.5",
        "--oms-poll-duration 60",
        "--oms-max-examples 3",
        "--oms-strict",
        "--oms-clock-skew 30",
        "--oms-api v4",
        f"--oms-create-body {tmp_path / 'body.json'}",
        f"--junit-xml {tmp_path / 'r.xml'}",
    ]:
        assert part in text
    assert args[-2:] == ["-k", "temporal"]


def test_without_plugin_autoload_the_plugins_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    args = kit_run.pytest_arguments(seed=1)
    assert "hypothesispytest" in args
    assert "contract_tests.plugin" in args


@pytest.mark.parametrize("status", [0, 1, 4])
def test_the_command_passes_on_pytest_status_and_prints_the_seed(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    seen: list[list[str]] = []

    def fake_run(args: list[str]) -> int:
        seen.append(list(args))
        return status

    monkeypatch.setattr(kit_run, "run", fake_run)
    monkeypatch.setattr(kit_target, "preflight", lambda options: None)
    result = CliRunner().invoke(
        main, ["contract", "--base-url", "http://x", "--seed", "42", "--", "-k", "schema"]
    )
    assert result.exit_code == status
    assert "seed 42" in result.output
    assert "--hypothesis-seed=42" in seen[0]
    assert seen[0][-2:] == ["-k", "schema"]
    # a failure says how to replay it; "no server" (4) does not: there is nothing to replay
    assert ("replay with --seed 42" in result.output) is (status == 1)


def test_a_random_seed_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kit_run, "run", lambda args: 0)
    monkeypatch.setattr(kit_run, "new_seed", lambda: 1234)
    result = CliRunner().invoke(main, ["contract"])
    assert result.exit_code == 0
    assert "compatible level, seed 1234" in result.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--base-url", "localhost:8089"], "'localhost:8089' is not an http:// or https:// URL"),
        (["--base-url", "oms.example"], "(say http://oms.example)"),
        (["--base-url", "ftp://oms.example"], "is not an http:// or https:// URL"),
        (["--auth", "alice"], "give USER:PASSWORD"),
        (["--project", "sync:"], "the project ID is empty"),
        (["--poll-interval", "0"], "--poll-interval"),
        (["--poll-duration", "-1"], "--poll-duration"),
        (["--clock-skew", "nan"], "--clock-skew"),
    ],
)
def test_wrong_options_are_refused_before_pytest_starts(
    monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    started: list[object] = []
    monkeypatch.setattr(kit_run, "run", started.append)
    result = CliRunner().invoke(main, ["contract", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert started == []


def test_the_poll_options_show_their_defaults() -> None:
    text = CliRunner().invoke(main, ["contract", "--help"]).output
    flat = " ".join(text.split())
    assert "--poll-interval SECONDS Seconds between two polls" in flat
    assert (
        "[default: (5 against mock-oms (scenario time; 10 on V4), 2 against another server)" in flat
    )
    assert "--api [auto|v3|v4]" in flat
    assert "v3 when it speaks both, as mock-oms does. [default: auto]" in flat
    assert "--create-body FILE" in flat
    assert "[default: (900 against mock-oms (scenario time, no waiting), 30 against" in flat
    assert "--strict" in flat
    assert "server's clock. [default: (600)" in flat


def test_no_server_to_check_is_said_once_and_written_to_the_junit_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[object] = []
    monkeypatch.setattr(kit_run, "run", started.append)

    def refuse(options: object) -> None:
        raise OptionError("cannot reach http://x (ConnectError: refused)")

    monkeypatch.setattr(kit_target, "preflight", refuse)
    report = tmp_path / "out" / "kit.xml"
    result = CliRunner().invoke(
        main, ["contract", "--base-url", "http://x", "--junit-xml", str(report)]
    )
    assert result.exit_code == 4
    assert result.output.count("cannot reach http://x") == 1
    assert "seed" not in result.output
    assert started == []
    case = ET.parse(report).getroot().find("testsuite/testcase/error")
    assert case is not None
    assert case.attrib["message"] == "cannot reach http://x (ConnectError: refused)"


@pytest.mark.parametrize(
    ("api", "detected", "says", "passed"),
    [
        ("auto", ("v3", "v4"), "V3 API, compatible level", "v3"),
        ("auto", ("v4", None), "V4 API, compatible level", "v4"),
        ("v4", ("v4", None), "V4 API, compatible level", "v4"),
    ],
)
def test_the_command_says_which_api_it_checks_and_passes_it_on(
    monkeypatch: pytest.MonkeyPatch,
    api: str,
    detected: tuple[str, str | None],
    says: str,
    passed: str,
) -> None:
    from contract_tests.levels import Api

    seen: list[list[str]] = []

    def fake_run(args: list[str]) -> int:
        seen.append(list(args))
        return 0

    monkeypatch.setattr(kit_run, "run", fake_run)
    found = kit_target.Detected(Api(detected[0]), Api(detected[1]) if detected[1] else None)
    monkeypatch.setattr(kit_target, "preflight", lambda options: found)
    result = CliRunner().invoke(main, ["contract", "--base-url", "http://x", "--api", api])
    assert result.exit_code == 0, result.output
    assert says in result.output
    assert seen[0][seen[0].index("--oms-api") + 1] == passed  # the kit does not ask again
    also = "it speaks V4 too: --api v4 checks it"
    assert (also in result.output) is (detected[1] is not None)


@pytest.mark.parametrize(
    ("content", "says"),
    [("[1, 2]", "a CreateProject body is a JSON object"), ("{nope", "not JSON (Expecting")],
)
def test_a_create_body_that_is_no_json_object_is_refused_before_pytest_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str, says: str
) -> None:
    started: list[object] = []
    monkeypatch.setattr(kit_run, "run", started.append)
    body = tmp_path / "body.json"
    body.write_text(content)
    result = CliRunner().invoke(main, ["contract", "--api", "v4", "--create-body", str(body)])
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert f"Invalid value for '--create-body': {body}: {says}" in flat
    assert started == []
