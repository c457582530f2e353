"""Rules over a poll session: what must hold across the successive answers of a project."""

from __future__ import annotations

from functools import partial

import pytest

from contract_tests import temporal as rules
from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.options import KitOptions
from contract_tests.rules import Response
from contract_tests.target import ProjectRef
from contract_tests.temporal import SessionRule

Sessions = dict[ProjectRef, list[Response]]


def _check(sessions: Sessions, rule: SessionRule, level: Level) -> None:
    if not sessions:
        pytest.skip("no project to observe (name one with --project ID)")
    if not any(r.data is not None for session in sessions.values() for r in session):
        observed = ", ".join(str(ref) for ref in sessions)
        pytest.skip(f"no observed project answered with data ({observed})")
    expect_no_violations([v for session in sessions.values() for v in rule(session, level)])


def test_observed_projects_answer(oms_sessions: Sessions, oms_options: KitOptions) -> None:
    """Every observed project answered with data at least once: a run that saw nothing
    of a project it was told to observe has checked nothing, and fails."""
    if not oms_sessions:
        pytest.skip(f"no project to observe (name one with {oms_options.spelling('project')} ID)")
    expect_no_violations([v for s in oms_sessions.values() for v in rules.observed_violations(s)])


def test_legal_transitions(oms_sessions: Sessions, oms_level: Level) -> None:
    """Each observed status is reachable from the previous one through legal transitions."""
    _check(oms_sessions, rules.transition_violations, oms_level)


def test_terminal_stays_terminal(oms_sessions: Sessions, oms_level: Level) -> None:
    """FINISHED, RELEASING, RELEASED and DELETED only move on towards DELETED."""
    _check(oms_sessions, rules.terminal_violations, oms_level)


def test_progress_range(oms_sessions: Sessions, oms_level: Level) -> None:
    """Progress figures are 0..100."""
    _check(oms_sessions, rules.progress_range_violations, oms_level)


def test_progress_monotonic(oms_sessions: Sessions, oms_level: Level) -> None:
    """Progress never decreases within a run, whatever the spelling of the numbers."""
    _check(oms_sessions, rules.progress_monotonic_violations, oms_level)


def test_checkpoint_monotonic(oms_sessions: Sessions, oms_level: Level) -> None:
    """Incremental checkpoints never go back."""
    _check(oms_sessions, rules.checkpoint_monotonic_violations, oms_level)


def test_checkpoint_plausible(
    oms_sessions: Sessions, oms_level: Level, oms_options: KitOptions
) -> None:
    """Checkpoints are Unix seconds: none before OMS existed, none far ahead of the
    server's clock (milliseconds are)."""
    rule = partial(rules.checkpoint_plausible_violations, skew=oms_options.clock_skew)
    _check(oms_sessions, rule, oms_level)


def test_frozen_unless_running(oms_sessions: Sessions, oms_level: Level) -> None:
    """Progress and checkpoints move only while the project is RUNNING."""
    _check(oms_sessions, rules.frozen_violations, oms_level)


def test_disabled_progress_still(oms_sessions: Sessions, oms_level: Level) -> None:
    """The progress of a phase the flags disable stays put."""
    _check(oms_sessions, rules.disabled_progress_violations, oms_level)


def test_disabled_checkpoint_still(oms_sessions: Sessions, oms_level: Level) -> None:
    """The checkpoint of a sync the flags disable stays put."""
    _check(oms_sessions, rules.disabled_checkpoint_violations, oms_level)


def test_finished_complete(oms_sessions: Sessions, oms_level: Level) -> None:
    """FINISHED shows 100 for every enabled phase."""
    _check(oms_sessions, rules.finished_violations, oms_level)


def test_step_matches_flags(oms_sessions: Sessions, oms_level: Level) -> None:
    """currentStep belongs to an enabled phase (and is never full verification)."""
    _check(oms_sessions, rules.step_violations, oms_level)


def test_flags_constant(oms_sessions: Sessions, oms_level: Level) -> None:
    """The enable flags never change."""
    _check(oms_sessions, rules.flags_constant_violations, oms_level)
