"""V4: every answer, success or error: how it travelled, its action's schema, its envelope."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.rules import (
    Response,
    Violation,
    content_type_violations,
    http_status_violations,
    schema_violations,
    transport_violations,
    v4_envelope_violations,
)

pytestmark = pytest.mark.oms_api("v4")


def _each(answers: list[Response], rule: Callable[[Response], list[Violation]]) -> None:
    expect_no_violations([v for r in answers for v in rule(r)])


def test_v4_transport(oms_v4_answers: list[Response]) -> None:
    """Each call got an answer from OMS; transient failures were retried and noted."""
    _each(oms_v4_answers, transport_violations)


def test_v4_http_status(oms_v4_answers: list[Response]) -> None:
    """Every answer of an action is HTTP 200: errors come in band."""
    _each(oms_v4_answers, http_status_violations)


def test_v4_content_type(oms_v4_answers: list[Response]) -> None:
    """A JSON body is labelled application/json."""
    _each(oms_v4_answers, content_type_violations)


def test_v4_responses_match_schema(oms_v4_answers: list[Response], oms_level: Level) -> None:
    """Each body validates against its action's schema (schemas/v4-*.schema.json), at the
    compatible level as widened for what a real V4 service sends."""
    _each(oms_v4_answers, lambda r: schema_violations(r, oms_level))


def test_v4_envelope(oms_v4_answers: list[Response], oms_level: Level) -> None:
    """``success``, ``errorDetail``, ``code``, the ``[CODE]: `` prefix and ``data`` agree;
    ``requestId`` is text."""
    _each(oms_v4_answers, lambda r: v4_envelope_violations(r, oms_level))
