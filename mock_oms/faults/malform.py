"""Spoiling a body on purpose: deliberate contract deviations, text that is not JSON, and
how much of a truncated body is sent. Pure functions on parsed documents and bytes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.model import Change, Deviation, Truncate

__all__ = ["OUT_OF_RANGE", "deviate", "kept_bytes", "known_fields", "without_commas"]

# -- deliberate deviations ----------------------------------------------------------------


@cache
def known_fields(kind: Kind) -> frozenset[str]:
    """The body fields a deviation may name for ``kind``: envelope fields and ``data.X``."""
    schema = schemas.load(schemas.PROGRESS_SCHEMAS[kind])
    defs = schema["$defs"]
    data = defs["MigrationProgress" if kind is Kind.MIGRATION else "SyncProgress"]
    return frozenset(defs["SuccessEnvelope"]["properties"]) | frozenset(
        f"data.{name}" for name in data["properties"]
    )


# A value outside each field's documented range (percentages 0..100, checkpoints are Unix
# seconds, the enumerations, and currentStep which is never full verification).
OUT_OF_RANGE: Mapping[str, Any] = {
    "data.structMigrationProgress": 101,
    "data.fullMigrationProgress": 101,
    "data.incrSyncCheckpoint": -1,
    "data.reverseIncrSyncCheckpoint": -1,
    "data.status": "UNKNOWN",
    "data.importance": "UNKNOWN",
    "data.currentStep": "FULL_VERIFIER",
    "pageNumber": -1,
    "pageSize": -1,
    "totalCount": -1,
    "cost": "-1 ms",
}


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.lstrip("-").isdigit() else 0
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return ""


def deviate(document: Any, deviation: Deviation) -> Any:
    """A copy of ``document`` (a parsed body) with the deviation applied to it."""
    if not isinstance(document, dict):
        return document
    out = dict(document)
    head, _, tail = deviation.field.partition(".")
    target = out
    if tail:
        inner = out.get(head)
        if not isinstance(inner, dict):
            return out
        target = out[head] = dict(inner)
        name = tail
    else:
        name = head
    change = deviation.change
    if change is Change.MISSING:
        target.pop(name, None)
    elif change is Change.NULL:
        target[name] = None
    elif change is Change.VALUE:
        target[name] = deviation.value
    elif change is Change.WRONG_TYPE:
        target[name] = _wrong_type(target.get(name))
    else:
        value = OUT_OF_RANGE[deviation.field]
        target[name] = str(value) if isinstance(target.get(name), str) else value
    return out


# -- body shaping -------------------------------------------------------------------------


def without_commas(body: bytes) -> bytes:
    """``body`` with the commas between JSON members dropped (strings left alone): text that
    looks like JSON and is not, like the sample in the OMS documentation."""
    out = bytearray()
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte == 0x2C:  # comma
            out.append(0x0A)
            continue
        out.append(byte)
    return bytes(out)


def kept_bytes(truncate: Truncate, length: int) -> int:
    """How much of a ``length``-byte body a truncate fault sends (always less than all)."""
    if length <= 0:
        return 0
    wanted = (
        truncate.bytes if truncate.bytes is not None else math.floor(length * (truncate.keep or 0))
    )
    return max(0, min(wanted, length - 1))
