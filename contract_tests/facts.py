"""What the OMS documentation says, written out once for the kit's rules.

Every rule of the kit rests on a fact here, and each fact names its source: the OMS V3.3.0
page "Obtain the status of a migration project" (the seed page), the notes on the OMS API
in ``shared/guide/oms-api.md`` (sections 1 to 4), or what real clients (OceanBase
Developer Center, ODC) do with the answers. The kit keeps these apart from mock-oms's own
tables (``mock_oms.core``) on purpose: a mistake there must fail the kit, not agree
with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# -- statuses and the lifecycle (oms-api.md section 2) ----------------------------------

STATUSES = ("INIT", "RUNNING", "SUSPEND", "FAILED", "FINISHED", "RELEASING", "RELEASED", "DELETED")
RUNNING = "RUNNING"

# status -> {operator action: resulting status}
LIFECYCLE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "INIT": MappingProxyType({"start": "RUNNING", "delete": "DELETED"}),
        "RUNNING": MappingProxyType({"stop": "SUSPEND"}),
        "SUSPEND": MappingProxyType({"resume": "RUNNING", "release": "RELEASING"}),
        "FAILED": MappingProxyType({"resume": "RUNNING", "release": "RELEASING"}),
        "FINISHED": MappingProxyType({"release": "RELEASING"}),
        "RELEASING": MappingProxyType({}),
        "RELEASED": MappingProxyType({"delete": "DELETED"}),
        "DELETED": MappingProxyType({}),
    }
)
# What the service does by itself: a run finishes or fails, a release completes.
AUTOMATIC = frozenset({("RUNNING", "FINISHED"), ("RUNNING", "FAILED"), ("RELEASING", "RELEASED")})


def _reachable() -> Mapping[str, frozenset[str]]:
    edges = {(src, dst) for src, row in LIFECYCLE.items() for dst in row.values()} | AUTOMATIC
    reach = {s: {s} for s in STATUSES}
    changed = True
    while changed:
        changed = False
        for src, dst in edges:
            for seen in reach.values():
                if src in seen and dst not in seen:
                    seen.add(dst)
                    changed = True
    return MappingProxyType({s: frozenset(v) for s, v in reach.items()})


# status -> the statuses some sequence of legal transitions leads to (itself included)
REACHABLE = _reachable()
# Statuses from which a project never runs again (FAILED is not one: resume runs it again).
TERMINAL = frozenset(s for s in STATUSES if RUNNING not in REACHABLE[s])


def reachable(src: str, dst: str) -> bool:
    return dst in REACHABLE[src]


def may_run_between(src: str, dst: str) -> bool:
    """Whether the project can have been RUNNING at some moment between two polls that
    showed ``src`` then ``dst`` (a different status: the same one twice is read as one
    stay in it)."""
    if src == dst:
        return src == RUNNING
    return reachable(src, RUNNING) and reachable(RUNNING, dst)


# -- steps (oms-api.md sections 3 and 4) -------------------------------------------------

# step -> the enable flags of which one must be on ((): a step every project has). The
# V3-era names of section 3; ``SYNC_V3_STEPS`` only on sync projects.
V3_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "PRE_CHECK": (),
        "STRUCT_MIGRATION": ("struct",),
        "INCR_LOG_PULL": ("incr",),
        "FULL_MIGRATION": ("full",),
        "INDEX_MIGRATION": ("struct", "full"),
        "INCR_SYNC": ("incr",),
        "APP_SWITCH": (),
        "REVERSE_INCR_SYNC": ("reverse",),
    }
)
SYNC_V3_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"STRUCT_SYNC": ("struct",), "SYNC_PREPARE": (), "SYNC_INCR_LOG_PULL": ("incr",)}
)
# The other names of ODC's step enumeration (section 4): the V4 renames and the rest.
OTHER_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "TRANSFER_PRECHECK": (),
        "PREPARE": (),
        "TRANSFER_PREPARE": (),
        "STRUCT_TRANSFER": ("struct",),
        "INDEX_TRANSFER": ("struct", "full"),
        "FULL_TRANSFER": ("full",),
        "CONNECTOR_FULL_SYNC": ("full",),
        "TRANSFER_INCR_LOG_PULL": ("incr",),
        "INCR_TRANSFER": ("incr",),
        "CONNECTOR_INCR_SYNC": ("incr",),
        "INCR_VERIFIER": ("incr",),
        "TRANSFER_APP_SWITCH": (),
        "REVERSE_INCR_TRANSFER": ("reverse",),
    }
)
# Full verification is a step, but never the current one (seed page: "excluding full
# verification").
FULL_VERIFICATION_STEPS = frozenset({"FULL_VALIDATION", "FULL_VERIFIER"})

# -- the progress `data` (seed page; oms-api.md section 1) --------------------------------

PROGRESS_FIELDS = ("structMigrationProgress", "fullMigrationProgress")
# progress field -> the flag of its phase
PROGRESS_PHASES = (("structMigrationProgress", "struct"), ("fullMigrationProgress", "full"))
# checkpoint field -> the flag of the sync it is the checkpoint of
MIGRATION_CHECKPOINTS = (("incrSyncCheckpoint", "incr"), ("reverseIncrSyncCheckpoint", "reverse"))
SYNC_CHECKPOINTS = (("incrSyncCheckpoint", "incr"),)
MIGRATION_FLAGS = (
    ("struct", "enableStructMigration"),
    ("full", "enableFullMigration"),
    ("incr", "enableIncrSync"),
    ("reverse", "enableReverseIncrSync"),
)
SYNC_FLAGS = (
    ("struct", "enableStructSync"),
    ("full", "enableFullSync"),
    ("incr", "enableIncrSync"),
)

# Checkpoints are Unix seconds. 0 means "none yet". No real checkpoint is older than
# this floor (2015-01-01T00:00:00Z, years before any OMS release that has this API); a
# checkpoint may run a little ahead of the server's clock (the source database's clock
# is not the server's), by at most the allowed skew (``--clock-skew``).
CHECKPOINT_FLOOR = 1_420_070_400
DEFAULT_CLOCK_SKEW = 600.0
# Without the server's clock (a body checked on its own), only a far-future bound:
# 2100-01-01. A checkpoint in milliseconds (13 digits) is far beyond it.
FAR_FUTURE = 4_102_444_800

# -- the envelope and errors (oms-api.md sections 1 and 4) -------------------------------

UNKNOWN_PROJECT_CODE = "GHANA-PROJECT000001"
PARAM_ERROR_CODE = "PARAM_ERROR"
ERROR_CODES = frozenset(
    {UNKNOWN_PROJECT_CODE, PARAM_ERROR_CODE, "INNER_ERROR", "GHANA-OPERAT000001"}
)
# The code of a success in the seed page's sample (V4 sends null instead).
SUCCESS_CODE = "success"
# Spellings of success no failure may carry as its code.
SUCCESS_SPELLINGS = frozenset({"success", "ok", "0", "200"})
# Error codes look like these: GHANA-XXXX000000, PARAM_ERROR, INNER_ERROR, ...
ERROR_CODE_MARKS = ("ERROR", "FAIL", "EXCEPTION")
OMS_CODE_PREFIX = "GHANA-"
# Gateway failures a client retries: timeouts, throttling, a bad or missing upstream.
TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})
