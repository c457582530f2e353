"""The progress schemas at each level, both derived from ``schemas/`` (the one source).

``strict`` is mock-oms's own schema as written, read with integers that must be written
as integers (``60``, not ``60.0``): what the fake promises. ``compatible`` widens it where
a real OMS is documented to differ (``shared/guide/oms-api.md`` section 4, the newer
API's envelope): ``code``, ``message``, ``advice`` and the paging fields may be ``null``
on success; ``cost`` may be ``null`` or spelled ``"5ms"``, ``"5 MS"``; an error may leave
out ``advice``, the paging fields, ``cost`` and ``data`` (a real error body has them
absent, not null). Whole numbers written ``60.0`` are integers there, as JSON Schema says.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import TYPE_CHECKING, Any

from contract_tests.levels import Level
from mock_oms import schemas
from mock_oms.core.kinds import Kind

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SUCCESS, ERROR = "SuccessEnvelope", "ErrorEnvelope"
NULL_ON_SUCCESS = ("code", "message", "advice", "pageNumber", "pageSize", "totalCount", "cost")
ABSENT_ON_ERROR = ("advice", "pageNumber", "pageSize", "totalCount", "cost", "data")
NULLABLE_ON_ERROR = ("advice", "pageNumber", "pageSize", "totalCount", "cost")
# "13 ms", "13ms", "1.5 s", "13 MS": a number of milliseconds or seconds, any spacing.
COMPATIBLE_COST = r"^\s*[0-9]+(\.[0-9]+)?\s*([mM][sS]|[sS])\s*$"


def _nullable(sub: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [sub, {"type": "null"}]}


def widen(schema: dict[str, Any]) -> dict[str, Any]:
    """The compatible variant of a progress schema (a new document; ``schema`` is kept)."""
    out = copy.deepcopy(schema)
    defs = out["$defs"]
    for form, nullable in ((SUCCESS, NULL_ON_SUCCESS), (ERROR, NULLABLE_ON_ERROR)):
        properties = defs[form]["properties"]
        cost = properties["cost"]
        properties["cost"] = {"anyOf": [cost, {"type": "string", "pattern": COMPATIBLE_COST}]}
        for name in nullable:
            properties[name] = _nullable(properties[name])
    error = defs[ERROR]
    error["required"] = [name for name in error["required"] if name not in ABSENT_ON_ERROR]
    out["$id"] = out["$id"].replace(".schema.json", ".compatible.schema.json")
    out["title"] = f"{out['title']} (compatible)"
    return out


@cache
def schema(kind: Kind, level: Level) -> dict[str, Any]:
    """The progress schema of ``kind`` at ``level``. Do not mutate the result."""
    source = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    return widen(source) if level is Level.COMPATIBLE else source


@cache
def _validator_class(level: Level) -> type[Draft202012Validator]:
    from jsonschema import Draft202012Validator, validators

    standard: type[Draft202012Validator] = Draft202012Validator
    if level is Level.COMPATIBLE:
        return standard

    def is_int(checker: object, instance: object) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", is_int)
    strict: type[Draft202012Validator] = validators.extend(
        Draft202012Validator, type_checker=checker
    )
    return strict


@cache
def validator(kind: Kind, level: Level, form: str | None = None) -> Draft202012Validator:
    """A validator of the whole schema, or of one ``form`` (``SuccessEnvelope`` or
    ``ErrorEnvelope``)."""
    cls = _validator_class(level)
    document = schema(kind, level)
    if form is not None:
        document = {"$defs": document["$defs"], "$ref": f"#/$defs/{form}"}
    return cls(document, format_checker=cls.FORMAT_CHECKER)


def problems(kind: Kind, level: Level, body: object) -> list[str]:
    """Each way ``body`` breaks the schema, as ``path: message`` (empty when it keeps it).
    A body that says which form it is (``success`` true or false) is judged as that form,
    so a success with a progress of 150 reads "150 is greater than 100", not "valid under
    none of the given schemas"."""
    whole = validator(kind, level)
    if isinstance(body, dict) and isinstance(body.get("success"), bool):
        form = validator(kind, level, SUCCESS if body["success"] else ERROR)
        found = sorted(form.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
        return [f"{e.json_path}: {e.message}" for e in found]
    found = [leaf for e in whole.iter_errors(body) for leaf in schemas.leaves(e)]
    found.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{e.json_path}: {e.message}" for e in found]
