"""The kinds of project (migration, sync), their enable flags and the OMS path of each; the
two OMS APIs that serve them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Api", "Flags", "Kind", "progress_path"]


class Kind(StrEnum):
    """The kind of project, which decides the endpoint and the field names."""

    MIGRATION = "migration"
    SYNC = "sync"


class Api(StrEnum):
    """The OMS API a request spoke: V3 (``GET .../progress``) or V4 (``POST /api/v2``)."""

    V3 = "v3"
    V4 = "v4"


def progress_path(kind: Kind | str, project_id: str) -> str:
    """The OMS path that polls ``project_id`` of that kind."""
    segment = "migrations" if Kind(kind) is Kind.MIGRATION else "sync"
    return f"/api/omsp/v2/{segment}/{project_id}/progress"


@dataclass(frozen=True, slots=True)
class Flags:
    """The enable flags of a project. ``reverse`` exists for migration projects only;
    ``verify`` (full verification) shows only in the V4 step list."""

    struct: bool = True
    full: bool = True
    incr: bool = False
    reverse: bool = False
    verify: bool = False
