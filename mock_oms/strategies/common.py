"""What the strategies share: the kinds, the flag fields of ``data``, the schema's fields
drawn by ``from_schema``, and text that a file or a body can carry."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema

from mock_oms import schemas
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import EDGES, Status
from mock_oms.core.steps import allowed_steps

__all__ = [
    "DATA_DEF",
    "FLAG_FIELDS",
    "KINDS",
    "PROGRESS_FIELDS",
    "Document",
    "allowed",
    "flags_of",
    "kinds_of",
    "loadable",
    "schema_object",
    "successors",
]

Document = dict[str, Any]

KINDS: tuple[Kind, ...] = (Kind.MIGRATION, Kind.SYNC)
PROGRESS_FIELDS = ("structMigrationProgress", "fullMigrationProgress")
# The enable flag (as in steps.Flags) behind each flag field of `data`, per kind.
FLAG_FIELDS: Mapping[Kind, Mapping[str, str]] = MappingProxyType(
    {
        Kind.MIGRATION: MappingProxyType(
            {
                "enableStructMigration": "struct",
                "enableFullMigration": "full",
                "enableIncrSync": "incr",
                "enableReverseIncrSync": "reverse",
            }
        ),
        Kind.SYNC: MappingProxyType(
            {"enableStructSync": "struct", "enableFullSync": "full", "enableIncrSync": "incr"}
        ),
    }
)
DATA_DEF: Mapping[Kind, str] = MappingProxyType(
    {Kind.MIGRATION: "MigrationProgress", Kind.SYNC: "SyncProgress"}
)

_SURROGATE = re.compile("[\ud800-\udfff]")


def loadable(value: Any) -> Any:
    """``value`` with lone surrogates replaced: no file or HTTP body can carry them in
    UTF-8. (Other control characters are fine: YAML files escape them, JSON keeps them.)"""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {loadable(k): loadable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [loadable(v) for v in value]
    return value


def schema_object(
    kind: Kind, definition: str, skip: Sequence[str] = ()
) -> SearchStrategy[Document]:
    """The properties of ``$defs[definition]`` of the kind's response schema, each drawn
    by ``from_schema``."""
    schema = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    defs = schema["$defs"]
    props: Mapping[str, Any] = defs[definition]["properties"]
    fields = {
        name: from_schema({"$defs": defs, **sub}).map(loadable)
        for name, sub in props.items()
        if name not in skip
    }
    if "requestId" in fields:  # the schema says non-empty; the contract, not blank either
        fields["requestId"] = fields["requestId"].filter(lambda text: text.strip() != "")
    return st.fixed_dictionaries(fields)


def kinds_of(kind: Kind | str | None) -> list[Kind]:
    return [Kind(kind)] if kind is not None else list(KINDS)


def flags_of(kind: Kind, data: Mapping[str, Any]) -> dict[str, bool]:
    flags = {"struct": False, "full": False, "incr": False, "reverse": False}
    for name, flag in FLAG_FIELDS[kind].items():
        flags[flag] = bool(data.get(name))
    return flags


def allowed(kind: Kind, flags: Mapping[str, bool]) -> list[str]:
    return allowed_steps(kind, Flags(**flags))


def successors(status: Status) -> list[Status]:
    return sorted((dst for src, dst in EDGES if src is status), key=list(Status).index)
