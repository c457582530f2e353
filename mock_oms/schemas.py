"""The JSON Schemas of ``schemas/``: the one source for validation, OpenAPI and strategies."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from mock_oms.resources import schemas_dir
from mock_oms.steps import Kind

if TYPE_CHECKING:  # jsonschema is imported when first needed: it is slow to import
    from jsonschema import Draft202012Validator, ValidationError

MIGRATION_PROGRESS = "migration-progress.schema.json"
SYNC_PROGRESS = "sync-progress.schema.json"
SCENARIO = "scenario.schema.json"

PROGRESS_SCHEMAS: dict[Kind, str] = {Kind.MIGRATION: MIGRATION_PROGRESS, Kind.SYNC: SYNC_PROGRESS}

JSONObject = dict[str, Any]


@cache
def load(name: str) -> JSONObject:
    """The parsed schema ``name`` (a file name in ``schemas/``). Do not mutate the result."""
    with (schemas_dir() / name).open(encoding="utf-8") as f:
        schema: JSONObject = json.load(f)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = load(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def definition_validator(name: str, definition: str) -> Draft202012Validator:
    """A validator for ``$defs/<definition>`` of schema ``name`` (say, a fault injection)."""
    from jsonschema import Draft202012Validator

    schema = load(name)
    return Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def progress_validator(kind: Kind) -> Draft202012Validator:
    return validator(PROGRESS_SCHEMAS[kind])


def _misfit(error: ValidationError) -> bool:
    """An error that shows a oneOf/anyOf branch was not the one meant: a discriminating
    constant, or a type or enum that does not fit the value itself."""
    return error.validator == "const" or (
        not error.relative_path and error.validator in ("type", "enum")
    )


def leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that explain ``error``: for a oneOf/anyOf failure, the errors of the
    branches the instance evidently meant (so a success envelope with a progress of 150 is
    reported as 150 > 100, not as 'not valid under any of the given schemas')."""
    if not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values() if not any(_misfit(e) for e in errs)]
    chosen = [e for errs in fitting for e in errs] or list(error.context)
    return [leaf for sub in chosen for leaf in leaves(sub)]


def errors(name: str, instance: object) -> list[str]:
    """Each way ``instance`` breaks schema ``name``, as ``path: message`` (empty if valid)."""
    found = [leaf for e in validator(name).iter_errors(instance) for leaf in leaves(e)]
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{e.json_path}: {e.message}" for e in found]
