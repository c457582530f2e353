"""What the OMS documentation says, written out once for the tests and on purpose apart from
mock-oms's own tables (``mock_oms.lifecycle``, the schemas), so that a mistake there fails a
test instead of agreeing with itself. Sources: ``shared/seed/000_bfe6350717076239.txt`` and
``shared/guide/oms-api.md``."""

from __future__ import annotations

from typing import Any

# The `data` fields of a migration project's progress, in the documented order.
MIGRATION_DATA_FIELDS = (
    "status",
    "importance",
    "enableStructMigration",
    "enableFullMigration",
    "enableIncrSync",
    "enableReverseIncrSync",
    "currentStep",
    "structMigrationProgress",
    "fullMigrationProgress",
    "incrSyncCheckpoint",
    "reverseIncrSyncCheckpoint",
)

# The `data` fields of a sync project's progress (GET /api/omsp/v2/sync/{id}/progress).
SYNC_DATA_FIELDS = (
    "status",
    "importance",
    "enableStructSync",
    "enableFullSync",
    "enableIncrSync",
    "currentStep",
    "structMigrationProgress",
    "fullMigrationProgress",
    "incrSyncCheckpoint",
)

# A valid sync project's `data`: in incremental sync, its checkpoint as text.
SYNC_DATA: dict[str, Any] = {
    "status": "RUNNING",
    "importance": "LOW",
    "enableStructSync": True,
    "enableFullSync": True,
    "enableIncrSync": True,
    "currentStep": "INCR_SYNC",
    "structMigrationProgress": 100,
    "fullMigrationProgress": 100,
    "incrSyncCheckpoint": "1700000000",
}

# The lifecycle table of shared/guide/oms-api.md section 2: status -> {action: new status}.
LIFECYCLE: dict[str, dict[str, str]] = {
    "INIT": {"start": "RUNNING", "delete": "DELETED"},
    "RUNNING": {"stop": "SUSPEND"},
    "SUSPEND": {"resume": "RUNNING", "release": "RELEASING"},
    "FAILED": {"resume": "RUNNING", "release": "RELEASING"},
    "FINISHED": {"release": "RELEASING"},
    "RELEASING": {},
    "RELEASED": {"delete": "DELETED"},
    "DELETED": {},
}
