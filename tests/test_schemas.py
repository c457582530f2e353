from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from documented import MIGRATION_DATA_FIELDS, SYNC_DATA
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from mock_oms import schemas
from mock_oms.client import ControlClient

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_bfe6350717076239.txt"

# The seed page's sample response, as printed there (its commas are missing).
SEED_SAMPLE = """{
 "success":true
 "code":"success"
 "message":"sbjve****"
 "advice":"ikxwe****"
 "requestId":"817dfA6B-****."
 "pageNumber":194
 "pageSize":4176
 "totalCount":6755
 "cost":"xgojy****"
 "data":{
  "status":"INIT"
  "importance":"HIGH"
  "enableStructMigration":true
  "enableFullMigration":true
  "enableIncrSync":true
  "enableReverseIncrSync":false
  "currentStep":"PRE_CHECK"
  "structMigrationProgress":5151
  "fullMigrationProgress":8897
  "incrSyncCheckpoint":3628
  "reverseIncrSyncCheckpoint":6165
  }
 }"""


def restore_commas(text: str) -> Any:
    """Put back the commas the seed's sample lost: after every value followed by a key."""
    return json.loads(re.sub(r'("|\d|true|false|null|\})\s*\n(\s*")', r"\1,\n\2", text))


def test_the_sample_quoted_here_is_the_seed_documents() -> None:
    if not SEED.exists():
        pytest.skip("the seed document is not next to this checkout")
    flat = " ".join(SEED.read_text(encoding="utf-8").split())
    assert " ".join(SEED_SAMPLE.split()) in flat


def test_the_seed_sample_is_not_json_as_printed() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(SEED_SAMPLE)


def test_the_seed_sample_with_commas_restored_is_rejected_for_its_progress() -> None:
    sample = restore_commas(SEED_SAMPLE)
    problems = schemas.errors(schemas.MIGRATION_PROGRESS, sample)
    assert problems, "the sample must be rejected"
    # its cost placeholder is not text like "13 ms" either
    assert problems == [
        "$.cost: 'xgojy****' does not match '^[0-9]+(\\\\.[0-9]+)? ?(ms|s)$'",
        "$.data.fullMigrationProgress: 8897 is greater than the maximum of 100",
        "$.data.structMigrationProgress: 5151 is greater than the maximum of 100",
    ]


def fixed_sample() -> dict[str, Any]:
    sample: dict[str, Any] = restore_commas(SEED_SAMPLE)
    sample["data"]["structMigrationProgress"] = 51
    sample["data"]["fullMigrationProgress"] = 88
    sample["cost"] = "13 ms"
    return sample


def test_the_seed_sample_with_its_placeholders_mended_is_accepted() -> None:
    assert schemas.errors(schemas.MIGRATION_PROGRESS, fixed_sample()) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("data", "structMigrationProgress"), 101),
        (("data", "fullMigrationProgress"), -1),
        (("data", "fullMigrationProgress"), 50.5),
        (("data", "status"), "PAUSED"),
        (("data", "importance"), "CRITICAL"),
        (("data", "currentStep"), "FULL_VALIDATION"),
        (("data", "currentStep"), "FULL_VERIFIER"),
        (("data", "incrSyncCheckpoint"), 2**63),
        (("data", "incrSyncCheckpoint"), "1700000000"),
        (("data", "enableIncrSync"), "true"),
        (("pageNumber",), 2**31),
        (("totalCount",), 2**63),
        (("cost",), "fast"),
        (("requestId",), ""),
        (("success",), False),
        (("data",), None),
    ],
)
def test_migration_schema_is_strict_where_the_documentation_is(
    path: tuple[str, ...], value: Any
) -> None:
    sample = fixed_sample()
    target = sample
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schemas.errors(schemas.MIGRATION_PROGRESS, sample)


@pytest.mark.parametrize("field", MIGRATION_DATA_FIELDS)
def test_every_documented_data_field_is_required(field: str) -> None:
    sample = fixed_sample()
    del sample["data"][field]
    assert schemas.errors(schemas.MIGRATION_PROGRESS, sample)


def test_paging_may_be_null_on_a_single_object_call() -> None:
    sample = fixed_sample()
    sample.update(pageNumber=None, pageSize=None, totalCount=None)
    assert schemas.errors(schemas.MIGRATION_PROGRESS, sample) == []


def test_the_error_form_needs_success_false_and_null_data() -> None:
    error = {**fixed_sample(), "success": False, "code": "GHANA-PROJECT000001", "data": None}
    assert schemas.errors(schemas.MIGRATION_PROGRESS, error) == []
    assert schemas.errors(schemas.MIGRATION_PROGRESS, {**error, "data": {}})
    assert schemas.errors(schemas.MIGRATION_PROGRESS, {**error, "code": ""})


def sync_sample() -> dict[str, Any]:
    return {**fixed_sample(), "data": dict(SYNC_DATA)}


def test_sync_schema_has_its_own_fields_and_a_text_checkpoint() -> None:
    assert schemas.errors(schemas.SYNC_PROGRESS, sync_sample()) == []
    numeric = copy.deepcopy(sync_sample())
    numeric["data"]["incrSyncCheckpoint"] = 1700000000
    assert schemas.errors(schemas.SYNC_PROGRESS, numeric)
    sybase = copy.deepcopy(sync_sample())
    sybase["data"]["incrSyncCheckpoint"] = "12,3456"
    assert schemas.errors(schemas.SYNC_PROGRESS, sybase) == []
    assert schemas.errors(schemas.SYNC_PROGRESS, fixed_sample())
    assert schemas.errors(schemas.MIGRATION_PROGRESS, sync_sample())


@pytest.mark.parametrize(
    "name", [schemas.MIGRATION_PROGRESS, schemas.SYNC_PROGRESS, schemas.SCENARIO]
)
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = schemas.load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_openapi_document_is_valid_and_embeds_the_schemas(client: ControlClient) -> None:
    doc = client.http.get("/openapi.json").json()
    validate_openapi(doc)
    components = doc["components"]["schemas"]
    migration = schemas.load(schemas.MIGRATION_PROGRESS)
    embedded = components["MigrationProgressResponse_MigrationProgress"]
    assert embedded == migration["$defs"]["MigrationProgress"] | {
        "properties": {
            k: {
                **v,
                "$ref": v["$ref"].replace(
                    "#/$defs/", "#/components/schemas/MigrationProgressResponse_"
                ),
            }
            if "$ref" in v
            else v
            for k, v in migration["$defs"]["MigrationProgress"]["properties"].items()
        }
    }
    op = doc["paths"]["/api/omsp/v2/migrations/{projectId}/progress"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MigrationProgressResponse"
    }
    assert "/api/omsp/v2/sync/{projectId}/progress" in doc["paths"]
    tags = {t for path in doc["paths"].values() for o in path.values() for t in o["tags"]}
    assert tags == {"OMS API (V3.3.0)", "OMS API (V4: OMS 4.1 and later)", "mock-oms control API"}
