"""How the kit's pytest checks fail: with the rule's name and the offending response."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from contract_tests.rules import Rule, Violation, report


def expect_no_violations(violations: Sequence[Violation]) -> None:
    if violations:
        pytest.fail(report(violations), pytrace=False)


def only(rule: Rule, violations: Iterable[Violation]) -> list[Violation]:
    """The violations of ``rule`` (per-response functions report several rules at once)."""
    return [v for v in violations if v.rule is rule]
