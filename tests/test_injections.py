"""Faults injected at run time: lifetimes, precedence, determinism (pure)."""

from __future__ import annotations

import pytest

from mock_oms.core.errors import DocumentProblems
from mock_oms.core.kinds import Kind
from mock_oms.faults.chooser import FaultChooser
from mock_oms.faults.injections import Injection, parse_injection
from mock_oms.faults.model import Close, HttpStatus, Latency, Reset
from mock_oms.faults.rules import Rule

BOTH = (Kind.MIGRATION, Kind.SYNC)


def labels(book: FaultChooser, project: str, polls: range, now: float = 0.0) -> list[str | None]:
    out = []
    for poll in polls:
        choice = book.choose((), project, poll, 0, 0.0, now)
        out.append(None if choice is None else choice.label)
    return out


def test_count_covers_the_next_n_polls() -> None:
    book = FaultChooser()
    book.injections.inject(Injection(HttpStatus(503), count=2), "p", 0.0)
    assert book.injections.armed
    assert labels(book, "p", range(1, 5)) == ["status:503", "status:503", None, None]
    assert not book.injections.armed


def test_seconds_count_scenario_time() -> None:
    book = FaultChooser()
    book.injections.inject(Injection(Reset(), seconds=10), "p", now=5.0)
    assert labels(book, "p", range(1, 2), now=14.9) == ["reset"]
    assert labels(book, "p", range(2, 3), now=15.0) == [None]
    assert book.injections.active(15.0) == []


def test_project_faults_come_before_global_ones_newest_first() -> None:
    book = FaultChooser()
    book.injections.inject(Injection(Close()), None, 0.0)
    assert labels(book, "p", range(1, 2)) == ["close"]
    book.injections.inject(Injection(HttpStatus(500), count=1), "p", 0.0)
    book.injections.inject(Injection(HttpStatus(502), count=1), "p", 0.0)
    # the newest project fault fires; the older one sees the poll too and is used up
    assert labels(book, "p", range(2, 5)) == ["status:502", "close", "close"]
    assert labels(book, "q", range(1, 2)) == ["close"]


def test_project_faults_stay_with_their_project() -> None:
    book = FaultChooser()
    book.injections.inject(Injection(Reset(), count=1), "p", 0.0)
    assert labels(book, "q", range(1, 3)) == [None, None]
    assert book.choose_global(0.0) is None
    assert labels(book, "p", range(1, 2)) == ["reset"]


def test_injected_faults_come_before_scenario_rules() -> None:
    book = FaultChooser()
    rules = (Rule(Close(), "faults.0"),)
    book.injections.inject(Injection(Reset(), count=1), "p", 0.0)
    first = book.choose(rules, "p", 1, 0, 0.0, 0.0)
    second = book.choose(rules, "p", 2, 0, 0.0, 0.0)
    assert (first and first.label, second and second.label) == ("reset", "close")


def test_clear() -> None:
    book = FaultChooser()
    book.injections.inject(Injection(Reset()), "p", 0.0)
    book.injections.inject(Injection(Reset()), "q", 0.0)
    book.injections.inject(Injection(Reset()), None, 0.0)
    assert book.injections.clear("p") == 1
    assert [a.project_id for a in book.injections.active(0.0)] == ["q", None]
    assert [a.project_id for a in book.injections.active(0.0, "q")] == ["q"]
    assert book.injections.clear() == 2
    assert not book.injections.armed


def test_probability_and_jitter_follow_the_seed() -> None:
    def run(seed: int) -> list[str | None]:
        book = FaultChooser(seed)
        book.injections.inject(Injection(Latency(0.1, 0.9), probability=0.5), "p", 0.0)
        return labels(book, "p", range(1, 60))

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert {x is None for x in run(1)} == {True, False}


def test_a_projects_draws_do_not_depend_on_other_projects_injections() -> None:
    # each injection drew from a stream named after its server-wide id, so injecting into
    # another project first changed this one's faults
    def run(others: int) -> list[str | None]:
        book = FaultChooser(3)
        for n in range(others):
            book.injections.inject(Injection(Reset(), count=1), f"other{n}", 0.0)
            book.injections.inject(Injection(Reset(), count=1), None, 0.0)
            book.choose((), f"other{n}", 1, 0, 0.0, 0.0)
        book.injections.inject(Injection(Latency(0.1, 0.9), probability=0.5), "p", 0.0)
        return labels(book, "p", range(1, 40))

    assert run(0) == run(1) == run(3)


def test_cleared_injections_replay_the_same_draws_when_injected_again() -> None:
    # what POST /_mock/reset?fresh=true promises: as a just-started server
    book = FaultChooser(5)
    book.injections.inject(Injection(Latency(0.1, 0.9), probability=0.5), "p", 0.0)
    book.injections.inject(Injection(Reset(), probability=0.5), None, 0.0)
    first = labels(book, "p", range(1, 40)), [book.choose_global(0.0) for _ in range(40)]
    book.injections.clear()
    book.injections.inject(Injection(Latency(0.1, 0.9), probability=0.5), "p", 0.0)
    book.injections.inject(Injection(Reset(), probability=0.5), None, 0.0)
    again = labels(book, "p", range(1, 40)), [book.choose_global(0.0) for _ in range(40)]
    assert again == first
    assert {c is None for c in first[1]} == {True, False}
    book.injections.clear("p")
    book.injections.inject(Injection(Latency(0.1, 0.9), probability=0.5), "p", 0.0)
    assert labels(book, "p", range(1, 40)) == first[0]


def test_parse_injection_checks_rules() -> None:
    injection = parse_injection({"fault": {"status": 503}, "count": 3, "delay": [1, 2]}, BOTH)
    assert (injection.count, injection.delay) == (3, (1.0, 2.0))
    with pytest.raises(DocumentProblems, match=r"no field 'data\.nope'"):
        parse_injection({"fault": {"deviation": {"field": "data.nope", "change": "null"}}}, BOTH)
