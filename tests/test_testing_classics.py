"""check_client at its default settings finds each classic client bug, and passes a
robust client: the classic cases come first, whatever the seed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from sample_clients import BUGS, Bug, follow, robust

from mock_oms.cli import main
from mock_oms.core.kinds import Kind
from mock_oms.testing import Case, ClientFailure, ClientTarget, check_client, client_cases
from mock_oms.testing.cases import classics_of

FOUND_AS = {
    "no-retry-5xx": r"raised HTTPStatusError: Server error '500 Internal Server Error'",
    "no-retry-408": r"raised HTTPStatusError: Client error '408 Request Timeout'",
    "no-retry-429": r"raised HTTPStatusError: Client error '429 Too Many Requests'",
    "crash-on-non-json": r"raised JSONDecodeError",
    "suspend-is-failure": r"concluded 'FAILED'; the truth is one of 'FINISHED'",
    "polls-after-settled": r"kept polling after poll 2 showed FINISHED: 1 more poll",
    "ignores-retry-after": r"ignored Retry-After: poll 1 was answered 429 with Retry-After: 1",
}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("bug", BUGS)
def test_the_default_run_finds_each_classic_bug(bug: Bug) -> None:
    def buggy(target: ClientTarget) -> str | None:
        return follow(target, bug)

    with pytest.raises(ClientFailure, match=FOUND_AS[bug]) as caught:
        check_client(buggy)
    saved = caught.value.scenario_file
    assert CliRunner().invoke(main, ["validate", str(saved)]).exit_code == 0


def test_the_default_run_passes_a_robust_client() -> None:
    check_client(robust)


def test_the_classics_keep_to_the_options() -> None:
    cases = classics_of(client_cases(kinds=["sync"], statuses=[503], fault_kinds=["status"]))
    assert {c.kind for c in cases} == {Kind.SYNC}
    faults = [f for c in cases for f in c.faults]
    assert faults == [{"status": 503}, {"status": {"code": 503, "retryAfter": 2}}]
    assert classics_of(client_cases(classics=False)) == ()
    assert classics_of(client_cases(max_faults=0)) == tuple(
        c for c in classics_of(client_cases()) if not c.faults
    )


@settings(max_examples=30, deadline=None)
@given(client_cases(kinds=[Kind.MIGRATION], statuses=[502, 503]))
def test_client_cases_keep_to_a_kind_and_to_the_temporary_statuses(case: Case) -> None:
    assert case.kind is Kind.MIGRATION
    for fault in filter(None, case.faults):
        if isinstance(fault, dict) and "status" in fault:
            value = fault["status"]
            assert (value if isinstance(value, int) else value["code"]) in {502, 503}
        if isinstance(fault, dict) and "error" in fault:
            assert fault["error"].get("status", 200) in {200, 502, 503}


def test_a_migration_only_client_that_retries_only_503_passes_its_own_cases() -> None:
    """A team's own definition of temporary: any other status is fatal to this client."""

    def strict(target: ClientTarget) -> str | None:
        assert target.kind is Kind.MIGRATION
        return follow(target, temporary={503})

    check_client(strict, cases=client_cases(kinds=["migration"], statuses=[503]))
    with pytest.raises(ClientFailure, match="Server error '500"):
        check_client(strict, cases=client_cases(kinds=["migration"]))


def test_the_classics_know_what_a_bare_429_asks_for() -> None:
    from mock_oms.faults.model import DEFAULT_RETRY_AFTER
    from mock_oms.testing import classics

    assert classics.BARE_429_RETRY_AFTER == DEFAULT_RETRY_AFTER
