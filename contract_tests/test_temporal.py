"""Rules over a poll session: what must hold across the successive answers of a project."""

from __future__ import annotations

import pytest

from contract_tests import temporal as rules
from contract_tests.checks import expect_no_violations
from contract_tests.rules import Response
from contract_tests.target import ProjectRef
from contract_tests.temporal import SessionRule


def _check(sessions: dict[ProjectRef, list[Response]], rule: SessionRule) -> None:
    if not sessions:
        pytest.skip("no project to observe (give --oms-project ID)")
    if not any(r.data is not None for session in sessions.values() for r in session):
        observed = ", ".join(str(ref) for ref in sessions)
        pytest.skip(f"no observed project answered with data ({observed})")
    expect_no_violations([v for session in sessions.values() for v in rule(session)])


def test_legal_transitions(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """Each observed status is reachable from the previous one through legal transitions."""
    _check(oms_sessions, rules.transition_violations)


def test_terminal_stays_terminal(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """FINISHED, RELEASING, RELEASED and DELETED only move on towards DELETED."""
    _check(oms_sessions, rules.terminal_violations)


def test_progress_range(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """Progress figures are 0..100."""
    _check(oms_sessions, rules.progress_range_violations)


def test_progress_monotonic(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """Progress never decreases within a run."""
    _check(oms_sessions, rules.progress_monotonic_violations)


def test_checkpoint_monotonic(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """Incremental checkpoints never go back."""
    _check(oms_sessions, rules.checkpoint_monotonic_violations)


def test_finished_complete(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """FINISHED shows 100 for every enabled phase."""
    _check(oms_sessions, rules.finished_violations)


def test_step_matches_flags(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """currentStep belongs to an enabled phase (and is never full verification)."""
    _check(oms_sessions, rules.step_violations)


def test_flags_constant(oms_sessions: dict[ProjectRef, list[Response]]) -> None:
    """The enable flags never change."""
    _check(oms_sessions, rules.flags_constant_violations)
