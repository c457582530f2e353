"""The error answers a control route documents, next to its decorator (``responses=``):
each an OMS-style envelope, the schema embedded from ``schemas/``."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BUSY",
    "ENVELOPE_REF",
    "LIMIT",
    "NO_PROJECT",
    "NO_SCENARIO",
    "TOO_LARGE",
    "errors",
]

ENVELOPE_REF = "#/components/schemas/MigrationProgressResponse_ErrorEnvelope"
TOO_LARGE = (
    "A body larger than the route takes (PARAM_ERROR): 16 MiB for a scenario, --max-body "
    "(2 MiB) for the others. The connection is closed after the answer."
)
LIMIT = "The server holds the most it may of these (LIMIT_REACHED); clear some first."
BUSY = (
    "Another scenario is being loaded and did not finish within 10 s (SERVICE_BUSY, "
    "with Retry-After)."
)
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
