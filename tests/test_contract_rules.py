from __future__ import annotations

from typing import Any

import pytest
from documented import SYNC_DATA

from contract_tests import rules
from contract_tests.rules import Response, Rule
from mock_oms.core.kinds import Kind


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
    out: dict[str, Any] = {
        "success": payload is not None,
        "code": "success" if payload is not None else "GHANA-PROJECT000001",
        "message": "success",
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


# -- one response -------------------------------------------------------------------------


def test_a_valid_response_breaks_no_rule() -> None:
    assert rules.response_violations(Response.of(envelope(data()))) == []
    assert rules.response_violations(Response.of(envelope(None))) == []


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (envelope({k: v for k, v in data().items() if k != "currentStep"}), "currentStep"),
        (envelope(data(fullMigrationProgress=150)), "150"),
        (envelope(data(status="PAUSED")), "PAUSED"),
        (envelope(data(), pageNumber="1"), "pageNumber"),
        (envelope(sync_data()), "enableStructMigration"),
        (None, "not JSON"),
    ],
)
def test_schema_rule(body: Any, why: str) -> None:
    found = rules.schema_violations(Response(Kind.MIGRATION, "p", 200, body, "<html>"))
    assert [v.rule for v in found] == [Rule.SCHEMA]
    assert why in found[0].message


def test_schema_rule_uses_the_schema_of_the_kind() -> None:
    assert rules.schema_violations(Response.of(envelope(sync_data()), kind=Kind.SYNC)) == []


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (envelope(data(), success=False), Rule.SUCCESS_IFF_DATA),
        (envelope(None, success=True), Rule.SUCCESS_IFF_DATA),
        (envelope(data(), requestId=""), Rule.REQUEST_ID),
        (envelope(data(), requestId="   "), Rule.REQUEST_ID),
        ({k: v for k, v in envelope(data()).items() if k != "requestId"}, Rule.REQUEST_ID),
        (envelope(data(), cost="0.003"), Rule.COST),
        (envelope(data(), cost=3), Rule.COST),
        (envelope(data(), cost="3 minutes"), Rule.COST),
    ],
)
def test_envelope_rules(body: dict[str, Any], rule: Rule) -> None:
    found = rules.envelope_violations(Response.of(body))
    assert [v.rule for v in found] == [rule]


@pytest.mark.parametrize("cost", ["13 ms", "13ms", "0 ms", "1.5 s", "2s"])
def test_documented_cost_forms(cost: str) -> None:
    assert rules.envelope_violations(Response.of(envelope(data(), cost=cost))) == []


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


def test_malformed_id_rule_wants_param_error() -> None:
    good = Response.of(envelope(None, code="PARAM_ERROR"))
    bad = Response.of(envelope(None))
    assert rules.malformed_id_violations(good) == []
    assert [v.rule for v in rules.malformed_id_violations(bad)] == [Rule.MALFORMED_ID]
