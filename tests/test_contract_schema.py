"""The compatible schema is derived from schemas/, and only ever widens it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from contract_tests import schema
from contract_tests.levels import Level
from mock_oms import schemas
from mock_oms.core.kinds import Kind


@pytest.mark.parametrize("kind", list(Kind))
def test_the_compatible_schema_is_a_valid_schema(kind: Kind) -> None:
    Draft202012Validator.check_schema(schema.schema(kind, Level.COMPATIBLE))


@pytest.mark.parametrize("kind", list(Kind))
def test_the_strict_schema_is_the_file(kind: Kind) -> None:
    assert schema.schema(kind, Level.STRICT) is schemas.load(schemas.PROGRESS_SCHEMAS[kind])


def test_widening_leaves_the_source_alone() -> None:
    source = schemas.load(schemas.MIGRATION_PROGRESS)
    before = copy.deepcopy(source)
    schema.widen(source)
    assert source == before


def test_the_compatible_schema_follows_its_source() -> None:
    """A change to schemas/ reaches the compatible variant: it is derived, not a copy."""
    source = copy.deepcopy(schemas.load(schemas.MIGRATION_PROGRESS))
    source["$defs"]["Progress"]["maximum"] = 50
    widened = Draft202012Validator(schema.widen(source))
    body: dict[str, Any] = {
        "success": True,
        "code": None,
        "message": None,
        "advice": None,
        "requestId": "r",
        "pageNumber": None,
        "pageSize": None,
        "totalCount": None,
        "cost": "5ms",
        "data": {
            "status": "RUNNING",
            "importance": "LOW",
            "enableStructMigration": True,
            "enableFullMigration": True,
            "enableIncrSync": False,
            "enableReverseIncrSync": False,
            "currentStep": "FULL_MIGRATION",
            "structMigrationProgress": 50,
            "fullMigrationProgress": 50,
            "incrSyncCheckpoint": 0,
            "reverseIncrSyncCheckpoint": 0,
        },
    }
    assert widened.is_valid(body)
    body["data"]["fullMigrationProgress"] = 51
    assert not widened.is_valid(body)


def _objects(defs: dict[str, Any], definition: str) -> st.SearchStrategy[dict[str, Any]]:
    """Objects of ``$defs[definition]``, drawn property by property (hypothesis-jsonschema
    draws scalars well; objects it leaves to this)."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, sub in defs[definition]["properties"].items():
        ref = sub.get("$ref", "")
        target = defs.get(ref.rpartition("/")[2], {})
        if target.get("type") == "object":
            fields[name] = _objects(defs, ref.rpartition("/")[2])
        else:
            fields[name] = from_schema({"$defs": defs, **sub})
    return st.fixed_dictionaries(fields)


@pytest.mark.parametrize("form", ["SuccessEnvelope", "ErrorEnvelope"])
@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_what_the_strict_schema_takes_the_compatible_one_takes(
    kind: Kind, form: str, data: st.DataObject
) -> None:
    defs = schemas.load(schemas.PROGRESS_SCHEMAS[kind])["$defs"]
    body = data.draw(_objects(defs, form))
    assert schema.problems(kind, Level.STRICT, body) == []
    assert schema.problems(kind, Level.COMPATIBLE, body) == []
