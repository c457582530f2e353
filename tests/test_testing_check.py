"""check_client's own settings and report: hypothesis settings added to the harness's,
the client's traceback kept, the seed of the run reported."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase
from sample_clients import robust

from mock_oms.testing import Case, ClientFailure, ClientTarget, check_client, client_cases
from mock_oms.testing.check import merged_settings

FLAGS = {"struct": False, "full": False, "incr": False, "reverse": False}
SETTLES = Case(
    {
        "name": "harness-case",
        "kind": "migration",
        "flags": FLAGS,
        "timeline": [{"status": "RUNNING", "polls": 1}, {"status": "FINISHED"}],
    }
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def slow_and_wrong(target: ClientTarget) -> str | None:
    time.sleep(0.3)  # longer than hypothesis's default deadline of 200 ms
    return "FAILED"


def test_hypothesis_settings_add_to_the_harness_s(tmp_path: Path) -> None:
    """Before, settings(max_examples=5) replaced the harness's: the slow client failed with
    hypothesis's DeadlineExceeded instead of ClientFailure, and a .hypothesis/ folder
    appeared in the working directory."""
    with pytest.raises(ClientFailure, match="concluded 'FAILED'"):
        check_client(
            slow_and_wrong,
            cases=client_cases(classics=False),
            hypothesis_settings=settings(max_examples=5),
        )
    assert not (tmp_path / ".hypothesis").exists()


def test_the_given_settings_win_where_they_differ_from_the_profile() -> None:
    database = InMemoryExampleDatabase()
    given = settings(
        max_examples=7,
        deadline=timedelta(seconds=3),
        database=database,
        suppress_health_check=[HealthCheck.filter_too_much],
    )
    merged = merged_settings(50, given)
    assert merged.max_examples == 7
    assert merged.deadline == timedelta(seconds=3)
    assert merged.database is database
    assert {HealthCheck.filter_too_much, HealthCheck.too_slow} <= set(merged.suppress_health_check)
    plain = merged_settings(50, settings(max_examples=5))
    assert (plain.max_examples, plain.deadline, plain.database) == (5, None, None)
    assert Phase.explain not in plain.phases
    assert merged_settings(12, None).max_examples == 12


def test_max_examples_counts_the_generated_cases() -> None:
    served: list[str] = []

    def counting(target: ClientTarget) -> str | None:
        served.append(target.project_id)
        return robust(target)

    check_client(counting, cases=client_cases(classics=False, max_faults=0), max_examples=6)
    assert 1 <= len(served) <= 6  # hypothesis may stop early when it has seen every case


def parse_status(body: dict[str, object]) -> str:
    return str(body["data"]["status"])  # type: ignore[index]  # data is None on an error


def client_with_a_bug(target: ClientTarget) -> str | None:
    with target.client() as http:
        return parse_status(http.get(target.path).json())


def test_the_failure_keeps_the_client_s_traceback() -> None:
    """Before, ClientFailure said only 'it raised TypeError: ...': the client's failing
    line was found by replaying the case by hand."""
    missing = Case(SETTLES.scenario, missing=True)
    with pytest.raises(ClientFailure, match="raised TypeError") as caught:
        check_client(client_with_a_bug, cases=st.just(missing), max_examples=1)
    failure = caught.value
    assert isinstance(failure.error, TypeError)
    assert failure.__cause__ is failure.error  # pytest shows the client's frames
    message = str(failure)
    assert "in parse_status" in message
    assert 'return str(body["data"]["status"])' in message
    assert "in client_with_a_bug" in message
    saved = failure.scenario_file.read_text(encoding="utf-8")
    assert "#   File " in saved and "in parse_status" in saved


def test_a_failure_names_the_seed_that_serves_it_again() -> None:
    def never_settles(target: ClientTarget) -> str | None:
        return None

    # CI machines set CI, under which hypothesis derandomizes (and a run has no seed to name)
    randomized = settings(derandomize=False)
    cases = client_cases(classics=False, max_faults=0)
    with pytest.raises(ClientFailure) as first:
        check_client(never_settles, cases=cases, hypothesis_settings=randomized)
    seed = first.value.seed
    assert seed is not None
    assert f"check_client(..., seed={seed})" in str(first.value)
    with pytest.raises(ClientFailure) as again:
        check_client(never_settles, cases=cases, seed=seed, hypothesis_settings=randomized)
    assert again.value.case == first.value.case
    assert again.value.seed == seed


def test_a_derandomized_run_names_no_seed_and_fails_the_same_way_again() -> None:
    """Under derandomize (hypothesis's choice on CI) the run is its own repeat: no seed."""

    def never_settles(target: ClientTarget) -> str | None:
        return None

    fixed = settings(derandomize=True)
    cases = client_cases(classics=False, max_faults=0)
    failures = []
    for _ in range(2):
        with pytest.raises(ClientFailure) as caught:
            check_client(never_settles, cases=cases, hypothesis_settings=fixed)
        failures.append(caught.value)
    assert [f.seed for f in failures] == [None, None]
    assert "seed=" not in str(failures[0])
    assert failures[0].case == failures[1].case
