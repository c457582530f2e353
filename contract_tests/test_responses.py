"""Every response, success or error: how it travelled, its schema and its envelope."""

from __future__ import annotations

from collections.abc import Callable

from contract_tests.checks import expect_no_violations, only
from contract_tests.levels import Level
from contract_tests.rules import (
    Response,
    Rule,
    Violation,
    content_type_violations,
    envelope_violations,
    http_status_violations,
    schema_violations,
    transport_violations,
)
from contract_tests.target import ProjectRef

Sessions = dict[ProjectRef, list[Response]]
Probes = dict[str, list[Response]]


def _responses(sessions: Sessions, probes: Probes) -> list[Response]:
    return [r for s in sessions.values() for r in s] + [r for p in probes.values() for r in p]


def _each(sessions: Sessions, probes: Probes, rule: Callable[[Response], list[Violation]]) -> None:
    expect_no_violations([v for r in _responses(sessions, probes) for v in rule(r)])


def test_transport(oms_sessions: Sessions, oms_probes: Probes) -> None:
    """Each poll got an answer from OMS; transient failures were retried, and each is
    noted in the output and in the JUnit report (``transport-note`` properties)."""
    _each(oms_sessions, oms_probes, transport_violations)


def test_http_status(oms_sessions: Sessions, oms_probes: Probes) -> None:
    """Every answer on an OMS path is HTTP 200: errors come in band."""
    _each(oms_sessions, oms_probes, http_status_violations)


def test_content_type(oms_sessions: Sessions, oms_probes: Probes) -> None:
    """A JSON body is labelled application/json."""
    _each(oms_sessions, oms_probes, content_type_violations)


def test_responses_match_schema(
    oms_sessions: Sessions, oms_probes: Probes, oms_level: Level
) -> None:
    """Each body validates against schemas/*-progress.schema.json (success or error form),
    at the compatible level as widened for what a real OMS sends."""
    _each(oms_sessions, oms_probes, lambda r: schema_violations(r, oms_level))


def _envelope(rule: Rule, sessions: Sessions, probes: Probes, level: Level) -> None:
    found = [v for r in _responses(sessions, probes) for v in envelope_violations(r, level)]
    expect_no_violations(only(rule, found))


def test_envelope_success_iff_data(
    oms_sessions: Sessions, oms_probes: Probes, oms_level: Level
) -> None:
    """``success`` is true exactly when ``data`` is present."""
    _envelope(Rule.SUCCESS_IFF_DATA, oms_sessions, oms_probes, oms_level)


def test_envelope_code(oms_sessions: Sessions, oms_probes: Probes, oms_level: Level) -> None:
    """``success``, ``code`` and the ``[CODE]: `` prefix of ``message`` agree."""
    _envelope(Rule.CODE, oms_sessions, oms_probes, oms_level)


def test_envelope_request_id(oms_sessions: Sessions, oms_probes: Probes, oms_level: Level) -> None:
    """Every response carries a non-empty ``requestId``."""
    _envelope(Rule.REQUEST_ID, oms_sessions, oms_probes, oms_level)


def test_envelope_cost(oms_sessions: Sessions, oms_probes: Probes, oms_level: Level) -> None:
    """``cost`` is text like ``"13 ms"``."""
    _envelope(Rule.COST, oms_sessions, oms_probes, oms_level)
