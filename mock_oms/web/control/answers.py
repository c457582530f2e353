"""The error answers a control route documents, next to its decorator (``responses=``):
each an OMS-style envelope, the schema embedded from ``schemas/``."""

from __future__ import annotations

from typing import Any

__all__ = ["ENVELOPE_REF", "NO_PROJECT", "NO_SCENARIO", "TOO_LARGE", "errors"]

ENVELOPE_REF = "#/components/schemas/MigrationProgressResponse_ErrorEnvelope"
TOO_LARGE = "A body larger than a scenario file may be, 16 MiB (PARAM_ERROR)."
NO_PROJECT = "No such project (GHANA-PROJECT000001)."
NO_SCENARIO = "No scenario of that name (NOT_FOUND)."


def errors(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with its description and the envelope."""
    return {
        status: {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": ENVELOPE_REF}}},
        }
        for status, text in described.items()
    }
