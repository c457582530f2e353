"""The JSON Schemas of ``schemas/``: the one source for validation, OpenAPI and strategies.

The V4 schemas are one file per action (``v4-*.schema.json``) that refer to what the
actions share in ``v4-common.schema.json``; :func:`standalone` gives a schema with those
definitions inlined, a document that needs no other file (for validators, generators and
tools that resolve only local references)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from mock_oms.core.errors import DocPath
from mock_oms.core.kinds import Kind
from mock_oms.resources import schemas_dir

if TYPE_CHECKING:  # jsonschema is imported when first needed: it is slow to import
    from jsonschema import Draft202012Validator, ValidationError

__all__ = [
    "MAX_DEPTH",
    "MIGRATION_PROGRESS",
    "PROGRESS_SCHEMAS",
    "SCENARIO",
    "SYNC_PROGRESS",
    "V4_ACTIONS",
    "V4_COMMON",
    "JSONObject",
    "definition_validator",
    "errors",
    "json_problems",
    "leaves",
    "load",
    "standalone",
    "validator",
]

MIGRATION_PROGRESS = "migration-progress.schema.json"
SYNC_PROGRESS = "sync-progress.schema.json"
SCENARIO = "scenario.schema.json"
V4_COMMON = "v4-common.schema.json"  # the V4 envelopes, the error, steps, projects
# Each V4 action and its schema: the response (success or in-band error); $defs/Request is
# the request body, $defs/Data the success's data.
V4_ACTIONS: dict[str, str] = {
    name: f"v4-{slug}.schema.json"
    for name, slug in (
        ("DescribeProjectProgress", "describe-project-progress"),
        ("DescribeProjectSteps", "describe-project-steps"),
        ("DescribeProject", "describe-project"),
        ("ListProjects", "list-projects"),
        ("CreateProject", "create-project"),
        ("StartProject", "start-project"),
        ("StopProject", "stop-project"),
        ("ResumeProject", "resume-project"),
        ("ReleaseProject", "release-project"),
        ("DeleteProject", "delete-project"),
        ("ListProjectFullVerifyResult", "list-project-full-verify-result"),
    )
}

PROGRESS_SCHEMAS: dict[Kind, str] = {Kind.MIGRATION: MIGRATION_PROGRESS, Kind.SYNC: SYNC_PROGRESS}

JSONObject = dict[str, Any]


@cache
def load(name: str) -> JSONObject:
    """The parsed schema ``name`` (a file name in ``schemas/``). Do not mutate the result."""
    with (schemas_dir() / name).open(encoding="utf-8") as f:
        schema: JSONObject = json.load(f)
    return schema


def _foreign(node: Any, found: set[str]) -> Any:
    """``node`` with references into other schema files (``FILE#/$defs/X``) made local
    (``#/$defs/X``); the files referred to are added to ``found``."""
    if isinstance(node, dict):
        out = {k: _foreign(v, found) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            target, _, pointer = ref.partition("#")
            found.add(target)
            out["$ref"] = f"#{pointer}"
        return out
    if isinstance(node, list):
        return [_foreign(v, found) for v in node]
    return node


@cache
def standalone(name: str) -> JSONObject:
    """Schema ``name`` with the definitions it refers to in other files inlined into its
    ``$defs`` (their names never clash: a test checks it). Do not mutate the result."""
    found: set[str] = set()
    schema: JSONObject = _foreign(load(name), found)
    if not found:
        return schema
    defs: JSONObject = dict(schema.get("$defs", {}))
    done: set[str] = set()
    while found - done:
        other = sorted(found - done)[0]
        done.add(other)
        for key, definition in _foreign(load(other), found).get("$defs", {}).items():
            if key in defs and defs[key] != definition:
                raise ValueError(f"{name}: $defs/{key} is defined differently in {other}")
            defs[key] = definition
    return {**schema, "$defs": defs}


@cache
def _validator_class(name: str) -> type[Draft202012Validator]:
    """Draft 2020-12, but for the documents mock-oms reads (scenarios, injections) an
    integer is an ``int``: JSON Schema calls ``2.0`` an integer too, and the model counts
    with it (polls, bytes, HTTP statuses), so it is refused with its line instead."""
    from jsonschema import Draft202012Validator, validators

    standard: type[Draft202012Validator] = Draft202012Validator
    if name != SCENARIO:
        return standard

    def is_int(checker: object, instance: object) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    checker = standard.TYPE_CHECKER.redefine("integer", is_int)
    strict: type[Draft202012Validator] = validators.extend(standard, type_checker=checker)
    return strict


@cache
def validator(name: str) -> Draft202012Validator:
    cls = _validator_class(name)
    schema = standalone(name)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@cache
def definition_validator(name: str, definition: str) -> Draft202012Validator:
    """A validator for ``$defs/<definition>`` of schema ``name`` (say, a fault injection)."""
    cls = _validator_class(name)
    schema = standalone(name)
    return cls(
        {"$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"},
        format_checker=cls.FORMAT_CHECKER,
    )


MAX_DEPTH = 64  # nesting levels a document mock-oms reads may have (it needs about 6)


_JSON_KEYS = (str, int, float, bool, type(None))  # what JSON writes as an object key
# what YAML reads and JSON has not: a date, a timestamp, bytes, a set
_YAML_ONLY = {"date": "a date", "datetime": "a timestamp", "bytes": "bytes", "set": "a set"}


def json_problems(node: object, path: DocPath = ()) -> Iterator[tuple[DocPath, str]]:
    """What a parsed document holds that JSON and mock-oms cannot take, with its path:
    NaN and infinities (which pass every bound of a schema, each comparison being false,
    and which no JSON answer may carry), values only YAML has (a date, bytes, a set:
    where a schema takes any value, a replay's body say, they reached the answers), and
    nesting deeper than :data:`MAX_DEPTH` (which would run a check or an answer out of
    stack)."""
    if isinstance(node, float):
        if not math.isfinite(node):
            yield path, f"{node} is not a finite number"
    elif isinstance(node, dict | list):
        if len(path) >= MAX_DEPTH:
            yield path, f"nested more than {MAX_DEPTH} levels deep"
            return
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if not isinstance(key, _JSON_KEYS):
                yield (*path, str(key)), f"the key {key} is not JSON text; quote it"
                continue
            yield from json_problems(
                value, (*path, key if isinstance(key, str | int) else str(key))
            )
    elif not isinstance(node, str | int | bool | None):
        what = _YAML_ONLY.get(type(node).__name__, type(node).__name__)
        yield path, f"{node!r} is not a JSON value (YAML reads {what}); quote it"


def _misfit(error: ValidationError) -> bool:
    """An error that shows a oneOf/anyOf branch was not the one meant: a discriminating
    constant, or a type or enum that does not fit the value itself (an enum of values of
    the value's own type does fit it: 501 was meant for an enumeration of statuses)."""
    if error.validator == "const":
        return True
    if error.relative_path or error.validator not in ("type", "enum"):
        return False
    if error.validator == "type":
        return True
    return not any(type(v) is type(error.instance) for v in error.validator_value)


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
