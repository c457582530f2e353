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
import json
from functools import cache, lru_cache
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


# -- the V4 API: one schema per action ---------------------------------------------------

V4_SUCCESS, V4_ERROR = "Success", "ErrorEnvelope"
V4_ENVELOPES = ("SingleEnvelope", "PagedEnvelope")
V4_NULL_ON_SUCCESS = ("errorDetail", "code", "message", "advice")
V4_PAGING = ("pageNumber", "pageSize", "totalCount")
# An error leaves these out; the compatible level also takes them as null (or advice as
# text): a client reads a null as it reads an absent key.
V4_ABSENT_ON_ERROR = {
    "advice": {"type": ["string", "null"]},
    "pageNumber": {"type": ["integer", "null"]},
    "pageSize": {"type": ["integer", "null"]},
    "totalCount": {"type": ["integer", "null"]},
    "data": {"type": "null"},
}
# Names and levels a newer release may add (ODC parses an unknown one as UNKNOWN).
V4_OPEN_ENUMS = ("StepName",)
V4_STEP_INFOS = ("TransferStepInfo", "IncrStepInfo", "SwitchStepInfo")


def _admits_null(node: Any, defs: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    """Whether a subschema takes ``null`` (through ``type``, ``anyOf``/``oneOf`` or a local
    ``$ref``)."""
    if not isinstance(node, dict):
        return node is True
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if node.get("const", 0) is None:
        return True
    if any(
        _admits_null(sub, defs, seen) for key in ("anyOf", "oneOf") for sub in node.get(key, ())
    ):
        return True
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.rpartition("/")[2]
        return name not in seen and _admits_null(defs.get(name), defs, seen | {name})
    return False


def _optional_nulls(node: Any, defs: dict[str, Any]) -> None:
    """Every object property that may be null may also be absent (a serializer that leaves
    out nulls, as the real V4 error shows one does), all through ``node``."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and isinstance(node.get("required"), list):
            node["required"] = [
                name for name in node["required"] if not _admits_null(properties.get(name), defs)
            ]
        for value in node.values():
            _optional_nulls(value, defs)
    elif isinstance(node, list):
        for value in node:
            _optional_nulls(value, defs)


def widen_v4(schema: dict[str, Any]) -> dict[str, Any]:
    """The compatible variant of a V4 action's schema (standalone: its shared definitions
    inlined); a new document, ``schema`` is kept.

    What a real V4 service may send that mock-oms's schema does not take: a success's
    ``errorDetail``, ``code``, ``message``, ``advice`` and paging as text or numbers as well
    as null; a ``cost`` of null or spelled ``"5ms"``; an error's ``advice``, paging and
    ``data`` as null (they are absent in the real error); any key whose value may be null
    left out; step names of a newer release; ``stepInfo`` figures null or left out; whole
    numbers written ``60.0``. The step rules a schema can state (a FINISHED step at 100,
    MONITORING only on incremental steps) are left to the kit's step rules, which name them.
    """
    out = copy.deepcopy(schema)
    defs = out["$defs"]
    compatible_cost = {"type": ["string", "null"], "pattern": COMPATIBLE_COST}
    for name in V4_ENVELOPES:
        if name not in defs:
            continue
        properties = defs[name]["properties"]
        for field in V4_NULL_ON_SUCCESS:
            properties[field] = {"type": ["string", "object", "null"]}
        for field in V4_PAGING:
            properties[field] = {"type": ["integer", "null"], "minimum": 0}
        properties["cost"] = compatible_cost
    if V4_ERROR in defs:
        properties = defs[V4_ERROR]["properties"]
        properties.update(copy.deepcopy(V4_ABSENT_ON_ERROR))
        properties["cost"] = compatible_cost
    detail = defs.get("ErrorDetail", {}).get("properties", {})
    if "level" in detail:
        detail["level"] = {"type": ["string", "null"]}
    for name in V4_OPEN_ENUMS:
        if name in defs:
            defs[name] = {
                "type": "string",
                "minLength": 1,
                "description": defs[name]["description"],
            }
    for name in V4_STEP_INFOS:
        if name in defs:
            info = defs[name]
            info["required"] = []
            info["properties"] = {
                key: {"anyOf": [sub, {"type": "null"}]} for key, sub in info["properties"].items()
            }
    step = defs.get("Step")
    if step is not None:
        step["allOf"] = [
            part
            for part in step.get("allOf", ())
            if set(part.get("then", {}).get("properties", {})) == {"stepInfo"}
        ]
    _optional_nulls(out, defs)
    if V4_SUCCESS in defs and "Data" in defs and not _admits_null(defs["Data"], defs):
        defs[V4_SUCCESS]["required"] = ["data"]  # a description of something: not null
    out["$id"] = out["$id"].replace(".schema.json", ".compatible.schema.json")
    out["title"] = f"{out['title']} (compatible)"
    return out


@cache
def v4_schema(action: str, level: Level) -> dict[str, Any]:
    """The schema of V4 ``action``'s response at ``level``, standalone. Do not mutate it."""
    source = schemas.standalone(schemas.V4_ACTIONS[action])
    return widen_v4(source) if level is Level.COMPATIBLE else source


@cache
def v4_validator(action: str, level: Level, form: str | None = None) -> Draft202012Validator:
    """A validator of V4 ``action``'s response, or of one ``form`` (``Success`` or
    ``ErrorEnvelope``), its references inlined (:func:`inline_refs`)."""
    cls = _validator_class(level)
    document = v4_schema(action, level)
    if form is not None:
        document = {"$defs": document["$defs"], "$ref": f"#/$defs/{form}"}
    return cls(inline_refs(document), format_checker=cls.FORMAT_CHECKER)


ANNOTATIONS = frozenset({"description", "title", "$comment"})


def inline_refs(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every local reference (``#/$defs/X``) replaced by what it refers
    to: the same schema, validated without a lookup per reference (a step list's are
    thousands, and made validation ten times slower). A reference that would recurse is
    kept."""
    defs = document.get("$defs", {})

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(v, stack) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in defs and "/" not in name and name not in stack:
                target = walk(defs[name], (*stack, name))
                rest = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
                if set(rest) <= ANNOTATIONS:
                    return target
                return {"allOf": [target], **rest}
        return {k: walk(v, stack) for k, v in node.items() if k != "$defs"}

    out = walk(document, ())
    if isinstance(out, dict) and "$defs" in document:
        out["$defs"] = defs  # for references kept
    return out if isinstance(out, dict) else document


def v4_problems(action: str, level: Level, body: object) -> list[str]:
    """Each way ``body`` breaks the schema of V4 ``action`` at ``level`` (empty when it
    keeps it), judged as the form it says it is (``success`` true or false).

    A poll session repeats bodies that differ only in their request ID (a step list that
    no longer moves, say): each is validated once (:func:`_same_problems`)."""
    try:
        key = json.dumps(_without_request_ids(body), sort_keys=True)
    except (TypeError, ValueError):
        return _v4_problems(action, level, body)
    return list(_same_problems(action, level, key))


def _without_request_ids(body: object) -> object:
    """``body`` with each request ID that is non-blank text (all the schema asks of one)
    made the same: bodies that differ only there have the same problems."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if isinstance(out.get("requestId"), str) and out["requestId"]:
        out["requestId"] = "r"
    detail = out.get("errorDetail")
    if (
        isinstance(detail, dict)
        and isinstance(detail.get("requestId"), str)
        and detail["requestId"]
    ):
        out["errorDetail"] = {**detail, "requestId": "r"}
    return out


@lru_cache(maxsize=4096)
def _same_problems(action: str, level: Level, key: str) -> tuple[str, ...]:
    return tuple(_v4_problems(action, level, json.loads(key)))


def _v4_problems(action: str, level: Level, body: object) -> list[str]:
    if isinstance(body, dict) and isinstance(body.get("success"), bool):
        form = v4_validator(action, level, V4_SUCCESS if body["success"] else V4_ERROR)
        found = sorted(form.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
        return [f"{e.json_path}: {e.message}" for e in found]
    whole = v4_validator(action, level)
    leaves = [leaf for e in whole.iter_errors(body) for leaf in schemas.leaves(e)]
    leaves.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{e.json_path}: {e.message}" for e in leaves]
