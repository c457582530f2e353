"""V4: the rules over time of the V3 checks, on DescribeProjectProgress, in V4 names."""

from __future__ import annotations

from functools import partial

import pytest

from contract_tests import temporal as rules
from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.options import KitOptions
from contract_tests.rules import Response
from contract_tests.temporal import SessionRule

pytestmark = pytest.mark.oms_api("v4")

Sessions = dict[str, list[Response]]


def check_sessions(sessions: Sessions, rule: SessionRule, level: Level) -> None:
    if not sessions:
        pytest.skip("no V4 project to observe (name one with --project ID)")
    if not any(r.data is not None for session in sessions.values() for r in session):
        pytest.skip(f"no observed V4 project answered with data ({', '.join(sessions)})")
    expect_no_violations([v for session in sessions.values() for v in rule(session, level)])


def test_v4_observed_projects_answer(oms_v4_sessions: Sessions, oms_options: KitOptions) -> None:
    """Every observed project answered DescribeProjectProgress with data at least once."""
    if not oms_v4_sessions:
        pytest.skip(f"no project to observe (name one with {oms_options.spelling('project')} ID)")
    found = [v for s in oms_v4_sessions.values() for v in rules.observed_violations(s)]
    expect_no_violations(found)


def test_v4_legal_transitions(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """Each observed status is reachable from the previous one through legal transitions."""
    check_sessions(oms_v4_sessions, rules.transition_violations, oms_level)


def test_v4_terminal_stays_terminal(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """FINISHED, RELEASING, RELEASED and DELETED only move on towards DELETED."""
    check_sessions(oms_v4_sessions, rules.terminal_violations, oms_level)


def test_v4_progress_range(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """structTransferProgress and fullTransferProgress are 0..100."""
    check_sessions(oms_v4_sessions, rules.progress_range_violations, oms_level)


def test_v4_progress_monotonic(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """Progress never decreases within a run."""
    check_sessions(oms_v4_sessions, rules.progress_monotonic_violations, oms_level)


def test_v4_checkpoint_monotonic(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """incrSyncCheckpoint and reverseIncrTransferCheckpoint never go back."""
    check_sessions(oms_v4_sessions, rules.checkpoint_monotonic_violations, oms_level)


def test_v4_checkpoint_plausible(
    oms_v4_sessions: Sessions, oms_level: Level, oms_options: KitOptions
) -> None:
    """Checkpoints are Unix seconds (null: none)."""
    rule = partial(rules.checkpoint_plausible_violations, skew=oms_options.clock_skew)
    check_sessions(oms_v4_sessions, rule, oms_level)


def test_v4_frozen_unless_running(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """Progress and checkpoints move only while the project is RUNNING."""
    check_sessions(oms_v4_sessions, rules.frozen_violations, oms_level)


def test_v4_disabled_progress_still(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """The progress of a phase the flags disable stays put."""
    check_sessions(oms_v4_sessions, rules.disabled_progress_violations, oms_level)


def test_v4_disabled_checkpoint_still(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """The checkpoint of a sync the flags disable stays put."""
    check_sessions(oms_v4_sessions, rules.disabled_checkpoint_violations, oms_level)


def test_v4_finished_complete(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """FINISHED shows 100 for every enabled phase."""
    check_sessions(oms_v4_sessions, rules.finished_violations, oms_level)


def test_v4_flags_constant(oms_v4_sessions: Sessions, oms_level: Level) -> None:
    """The enable flags never change."""
    check_sessions(oms_v4_sessions, rules.flags_constant_violations, oms_level)
