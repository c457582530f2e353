"""Every response, success or error: its schema and its envelope."""

from __future__ import annotations

from contract_tests.checks import expect_no_violations, only
from contract_tests.rules import Response, Rule, envelope_violations, schema_violations
from contract_tests.target import ProjectRef


def _responses(
    sessions: dict[ProjectRef, list[Response]], probes: dict[str, list[Response]]
) -> list[Response]:
    return [r for s in sessions.values() for r in s] + [r for p in probes.values() for r in p]


def test_responses_match_schema(
    oms_sessions: dict[ProjectRef, list[Response]], oms_probes: dict[str, list[Response]]
) -> None:
    """Each body validates against schemas/*-progress.schema.json (success or error form)."""
    expect_no_violations(
        [v for r in _responses(oms_sessions, oms_probes) for v in schema_violations(r)]
    )


def _envelope(
    rule: Rule, sessions: dict[ProjectRef, list[Response]], probes: dict[str, list[Response]]
) -> None:
    found = [v for r in _responses(sessions, probes) for v in envelope_violations(r)]
    expect_no_violations(only(rule, found))


def test_envelope_success_iff_data(
    oms_sessions: dict[ProjectRef, list[Response]], oms_probes: dict[str, list[Response]]
) -> None:
    """``success`` is true exactly when ``data`` is present."""
    _envelope(Rule.SUCCESS_IFF_DATA, oms_sessions, oms_probes)


def test_envelope_request_id(
    oms_sessions: dict[ProjectRef, list[Response]], oms_probes: dict[str, list[Response]]
) -> None:
    """Every response carries a non-empty ``requestId``."""
    _envelope(Rule.REQUEST_ID, oms_sessions, oms_probes)


def test_envelope_cost(
    oms_sessions: dict[ProjectRef, list[Response]], oms_probes: dict[str, list[Response]]
) -> None:
    """``cost`` is text like ``"13 ms"``."""
    _envelope(Rule.COST, oms_sessions, oms_probes)
