"""V4: the step list (DescribeProjectSteps), on its own and beside the progress call."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from contract_tests import steps as rules
from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.rules import Violation
from contract_tests.steps import Round, RoundRule
from contract_tests.target import progress_session
from contract_tests.temporal import step_violations

pytestmark = pytest.mark.oms_api("v4")

Rounds = dict[str, list[Round]]


def check_rounds(rounds: Rounds, rule: RoundRule, level: Level) -> None:
    if not rounds:
        pytest.skip("no V4 project to observe (name one with --project ID)")
    if not any(isinstance(one.steps.result, list) for found in rounds.values() for one in found):
        pytest.skip(f"no observed V4 project answered with its steps ({', '.join(rounds)})")
    expect_no_violations([v for found in rounds.values() for v in rule(found, level)])


def test_v4_step_current(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """currentStep is a step of an enabled phase; while RUNNING it is in the step list,
    not INIT there."""

    def rule(rounds: Sequence[Round], level: Level = Level.COMPATIBLE) -> list[Violation]:
        return [
            *step_violations(progress_session(rounds), level),
            *rules.current_step_violations(rounds, level),
        ]

    check_rounds(oms_v4_rounds, rule, oms_level)


def test_v4_step_finished_at_100(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """A FINISHED step is at 100."""
    check_rounds(oms_v4_rounds, rules.finished_step_violations, oms_level)


def test_v4_step_monitoring_incremental(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """Only an incremental step shows MONITORING."""
    check_rounds(oms_v4_rounds, rules.monitoring_violations, oms_level)


def test_v4_step_start_before_finish(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """A step starts before it finishes."""
    check_rounds(oms_v4_rounds, rules.step_time_violations, oms_level)


def test_v4_step_disabled_absent(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """No step of a phase the flags disable is listed."""
    check_rounds(oms_v4_rounds, rules.disabled_step_violations, oms_level)


def test_v4_step_figures_agree(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """The step list's progress and checkpoints are the progress call's."""
    check_rounds(oms_v4_rounds, rules.figures_violations, oms_level)


def test_v4_step_failed_says_why(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """A FAILED step says why in its extraInfo."""
    check_rounds(oms_v4_rounds, rules.failed_reason_violations, oms_level)


def test_v4_step_finished_project(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """A FINISHED project's steps are over."""
    check_rounds(oms_v4_rounds, rules.finished_project_violations, oms_level)


def test_v4_step_stays_finished(oms_v4_rounds: Rounds, oms_level: Level) -> None:
    """While the project stays RUNNING, a FINISHED step stays FINISHED."""
    check_rounds(oms_v4_rounds, rules.stays_finished_violations, oms_level)
