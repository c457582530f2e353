from __future__ import annotations

from typing import Any

import pytest
from documented import SYNC_DATA

from contract_tests import rules
from contract_tests.levels import Level
from contract_tests.rules import Response, Rule
from mock_oms.core.kinds import Kind

BOTH = list(Level)
COMPATIBLE, STRICT = Level.COMPATIBLE, Level.STRICT


def data(status: str = "RUNNING", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": status,
        "importance": "LOW",
        "enableStructMigration": True,
        "enableFullMigration": True,
        "enableIncrSync": True,
        "enableReverseIncrSync": False,
        "currentStep": "FULL_MIGRATION",
        "structMigrationProgress": 100,
        "fullMigrationProgress": 50,
        "incrSyncCheckpoint": 1_700_000_000,
        "reverseIncrSyncCheckpoint": 0,
    }
    out.update(fields)
    return out


def envelope(payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A success envelope around ``payload``, or (None) the unknown-project error."""
    ok = payload is not None
    out: dict[str, Any] = {
        "success": ok,
        "code": "success" if ok else "GHANA-PROJECT000001",
        "message": "success" if ok else "[GHANA-PROJECT000001]: project p does not exist",
        "advice": "",
        "requestId": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "pageNumber": 1,
        "pageSize": 1,
        "totalCount": 1,
        "cost": "3 ms",
        "data": payload,
    }
    out.update(fields)
    return out


def sync_data(status: str = "RUNNING", **fields: Any) -> dict[str, Any]:
    return {**SYNC_DATA, "status": status, **fields}


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in names}


# -- one response -------------------------------------------------------------------------


@pytest.mark.parametrize("level", BOTH)
def test_a_valid_response_breaks_no_rule(level: Level) -> None:
    assert rules.response_violations(Response.of(envelope(data())), level) == []
    assert rules.response_violations(Response.of(envelope(None)), level) == []
    sync = Response.of(envelope(sync_data()), kind=Kind.SYNC)
    assert rules.response_violations(sync, level) == []


@pytest.mark.parametrize("level", BOTH)
@pytest.mark.parametrize(
    ("body", "why"),
    [
        (envelope(without(data(), "currentStep")), "currentStep"),
        (envelope(data(fullMigrationProgress=150)), "150"),
        (envelope(data(fullMigrationProgress=60.5)), "60.5"),
        (envelope(data(fullMigrationProgress="60")), "'60'"),
        (envelope(data(status="PAUSED")), "PAUSED"),
        (envelope(data(), pageNumber="1"), "pageNumber"),
        (envelope(sync_data()), "enableStructMigration"),
        (without(envelope(data()), "requestId"), "requestId"),
        (None, "not JSON"),
    ],
)
def test_schema_rule(level: Level, body: Any, why: str) -> None:
    found = rules.schema_violations(Response(Kind.MIGRATION, "p", 200, body, "<html>"), level)
    assert [v.rule for v in found] == [Rule.SCHEMA]
    assert why in found[0].message


# What a real OMS may send that mock-oms's own schema does not allow (oms-api.md section 4:
# null on success, error fields absent; JSON Schema: 60.0 is an integer).
TOLERATED = {
    "null-code-message-advice": envelope(data(), code=None, message=None, advice=None),
    "null-cost": envelope(data(), cost=None),
    "cost-in-capitals": envelope(data(), cost="5 MS"),
    "whole-floats": envelope(data(fullMigrationProgress=60.0, incrSyncCheckpoint=1_700_000_000.0)),
    "error-without-optional-fields": {
        "success": False,
        "code": "GHANA-PROJECT000001",
        "message": "[GHANA-PROJECT000001]: no such project",
        "requestId": "r-1",
        "errorDetail": {"code": "GHANA-PROJECT000001", "message": "no such project"},
    },
    "error-with-null-advice-and-cost": envelope(None, advice=None, cost=None),
}


@pytest.mark.parametrize("body", TOLERATED.values(), ids=TOLERATED)
def test_the_compatible_schema_takes_what_a_real_oms_sends(body: dict[str, Any]) -> None:
    response = Response.of(body)
    assert rules.schema_violations(response, COMPATIBLE) == []
    assert [v.rule for v in rules.schema_violations(response, STRICT)] == [Rule.SCHEMA]


@pytest.mark.parametrize("cost", ["5ms", "13 ms", "1.5 s"])
def test_both_schemas_take_the_documented_cost_forms(cost: str) -> None:
    response = Response.of(envelope(data(), cost=cost))
    assert rules.schema_violations(response, COMPATIBLE) == []
    assert rules.schema_violations(response, STRICT) == []


def test_schema_rule_uses_the_schema_of_the_kind() -> None:
    assert rules.schema_violations(Response.of(envelope(sync_data()), kind=Kind.SYNC)) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"a": 1}', {"a": 1}),
        (b'{"a": NaN}', None),
        (b'{"a": Infinity}', None),
        (b"<html>502 Bad Gateway</html>", None),
        (b"", None),
        (b"\xff\xfe{", None),
        (b"[" * 100_000, None),
    ],
)
def test_parse_json_takes_json_only(content: bytes, expected: Any) -> None:
    assert rules.parse_json(content) == expected


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, envelope(data()), []),
        (200, envelope(None), []),
        (500, envelope(data()), [Rule.HTTP_STATUS]),
        (404, envelope(None), [Rule.HTTP_STATUS]),
        (201, envelope(data()), [Rule.HTTP_STATUS]),
        (500, None, [Rule.HTTP_STATUS]),
    ],
)
def test_http_status_rule(status: int, body: Any, expected: list[Rule]) -> None:
    response = Response.of(body, status_code=status)
    assert [v.rule for v in rules.http_status_violations(response)] == expected


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/problem+json", True),
        ("text/plain", False),
        ("text/plain; charset=utf-8", False),
        ("text/html", False),
        ("application/octet-stream", False),
        ("", False),
        (None, True),  # not recorded: nothing to judge
    ],
)
def test_content_type_rule(content_type: str | None, ok: bool) -> None:
    response = Response.of(envelope(data()), content_type=content_type)
    assert [v.rule for v in rules.content_type_violations(response)] == (
        [] if ok else [Rule.CONTENT_TYPE]
    )


def test_the_content_type_of_a_body_that_is_not_json_is_the_schema_rules_business() -> None:
    response = Response(Kind.MIGRATION, "p", 200, None, "<html>", content_type="text/html")
    assert rules.content_type_violations(response) == []


@pytest.mark.parametrize(
    ("body", "levels"),
    [
        (envelope(data(), success=False, data=None), BOTH),  # a failure saying "success"
        (envelope(None, code="OK"), BOTH),
        (envelope(data(), code="PARAM_ERROR"), BOTH),  # a success with an error code
        (envelope(data(), code="GHANA-PROJECT000001"), BOTH),
        (envelope(data(), code="INNER_ERROR", message="[INNER_ERROR]: boom"), BOTH),
        (envelope(None, message="[INNER_ERROR]: no such project"), BOTH),  # prefix mismatch
        (envelope(data(), message="[PARAM_ERROR]: bad"), BOTH),
        (envelope(data(), code="GHANA-OPERIE000000"), BOTH),
        (envelope(data(), code="GHANA-SUCCESS"), [STRICT]),
        (envelope(data(), code="SUCCESS"), [STRICT]),  # the strict level wants "success"
        (envelope(data(), code=None), [STRICT]),
        (envelope(None, message="no such project"), [STRICT]),  # no [CODE]: prefix
    ],
)
def test_envelope_code_rule(body: dict[str, Any], levels: list[Level]) -> None:
    for level in BOTH:
        found = {v.rule for v in rules.code_violations(Response.of(body), level)}
        assert found == ({Rule.CODE} if level in levels else set()), level


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (envelope(data(), success=False), Rule.SUCCESS_IFF_DATA),
        (envelope(None, success=True, code="success", message="ok"), Rule.SUCCESS_IFF_DATA),
        (envelope(data(), requestId=""), Rule.REQUEST_ID),
        (envelope(data(), requestId="   "), Rule.REQUEST_ID),
        (without(envelope(data()), "requestId"), Rule.REQUEST_ID),
        (envelope(data(), cost="0.003"), Rule.COST),
        (envelope(data(), cost=3), Rule.COST),
        (envelope(data(), cost="3 minutes"), Rule.COST),
    ],
)
@pytest.mark.parametrize("level", BOTH)
def test_envelope_rules(body: dict[str, Any], rule: Rule, level: Level) -> None:
    found = rules.envelope_violations(Response.of(body), level)
    assert rule in [v.rule for v in found]
    assert {v.rule for v in found} <= {rule, Rule.CODE}


@pytest.mark.parametrize(
    ("cost", "compatible", "strict"),
    [
        ("13 ms", True, True),
        ("13ms", True, True),
        ("0 ms", True, True),
        ("1.5 s", True, True),
        ("2s", True, True),
        ("13 MS", True, False),
        (" 13  ms ", True, False),
        (None, True, False),
        ("13", False, False),
        ("13 minutes", False, False),
        ("", False, False),
        (13, False, False),
    ],
)
def test_cost_rule(cost: Any, compatible: bool, strict: bool) -> None:
    response = Response.of(envelope(data(), cost=cost))
    assert (rules.cost_violations(response, COMPATIBLE) == []) is compatible
    assert (rules.cost_violations(response, STRICT) == []) is strict


def test_an_absent_cost_is_compatible_on_errors_only() -> None:
    assert rules.cost_violations(Response.of(without(envelope(None), "cost"))) == []
    strict = rules.cost_violations(Response.of(without(envelope(None), "cost")), STRICT)
    assert [v.message for v in strict] == ['cost is absent, not text like "13 ms"']


@pytest.mark.parametrize(
    ("status_code", "body", "expected"),
    [
        (200, envelope(None), []),
        (200, envelope(None, code="PARAM_ERROR"), [Rule.UNKNOWN_PROJECT]),
        (200, envelope(data()), [Rule.UNKNOWN_PROJECT]),
        (404, envelope(None), [Rule.UNKNOWN_PROJECT]),
        (500, envelope(None), [Rule.NO_5XX, Rule.UNKNOWN_PROJECT]),
        (503, None, [Rule.NO_5XX, Rule.UNKNOWN_PROJECT]),
    ],
)
def test_unknown_project_rule(status_code: int, body: Any, expected: list[Rule]) -> None:
    response = Response(Kind.MIGRATION, "nope", status_code, body, "")
    assert [v.rule for v in rules.unknown_project_violations(response)] == expected


def test_a_malformed_id_gets_any_in_band_error_at_the_compatible_level_param_error_strict() -> None:
    """Which code a malformed ID gets is not documented: a real V4 answers with its
    catch-all GHANA-OPERIE000000, another server the unknown-project error."""
    param_error = Response.of(envelope(None, code="PARAM_ERROR", message="[PARAM_ERROR]: bad"))
    for level in BOTH:
        assert rules.malformed_id_violations(param_error, level) == []
    for code in ("GHANA-PROJECT000001", "INNER_ERROR", "GHANA-OPERIE000000"):
        other = Response.of(envelope(None, code=code, message=f"[{code}]: x"))
        assert rules.malformed_id_violations(other, COMPATIBLE) == []
        assert [v.rule for v in rules.malformed_id_violations(other, STRICT)] == [Rule.MALFORMED_ID]
    # no error code is no refusal, at either level
    for none in ("", "success", None):
        blank = Response.of(envelope(None, code=none, message="x"))
        for level in BOTH:
            found = rules.malformed_id_violations(blank, level)
            assert [v.rule for v in found] == [Rule.MALFORMED_ID], none


def test_a_poll_that_failed_in_transport_is_reported_by_the_transport_rule_alone() -> None:
    failed = Response(
        Kind.MIGRATION,
        "p",
        503,
        None,
        "<html>Service Unavailable</html>",
        transport="4 attempts failed, the last with HTTP 503 with 33 characters of text/html",
        retries=("HTTP 503 with 33 characters of text/html",) * 4,
        content_type="text/html",
    )
    for level in BOTH:
        assert [v.rule for v in rules.response_violations(failed, level)] == [Rule.TRANSPORT]
    assert rules.unknown_project_violations(failed) == []
    assert "(no answer from OMS)" in rules.Violation(Rule.TRANSPORT, "x", failed).__str__()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(60, 60), (60.0, 60), (True, None), ("60", None), (float("nan"), None), (None, None)],
)
def test_numbers_are_values_whatever_their_spelling(value: Any, expected: Any) -> None:
    assert rules.number(value) == expected
