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

# -- the V4 API (oms-api.md section 4) ----------------------------------------------------

# POST /api/v2?Action=NAME, a JSON body; the client appends /api/v2 to the base URL.
V4_PATH = "/api/v2"
DESCRIBE_PROGRESS = "DescribeProjectProgress"
DESCRIBE_STEPS = "DescribeProjectSteps"
DESCRIBE_PROJECT = "DescribeProject"
LIST_PROJECTS = "ListProjects"
CREATE_PROJECT = "CreateProject"
LIST_VERIFY_RESULT = "ListProjectFullVerifyResult"
# the lifecycle actions, and the action of section 2's table each one is
V4_LIFECYCLE_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "StartProject": "start",
        "StopProject": "stop",
        "ResumeProject": "resume",
        "ReleaseProject": "release",
        "DeleteProject": "delete",
    }
)
V4_ACTIONS = (
    DESCRIBE_PROGRESS,
    DESCRIBE_STEPS,
    DESCRIBE_PROJECT,
    LIST_PROJECTS,
    CREATE_PROJECT,
    *V4_LIFECYCLE_ACTIONS,
    LIST_VERIFY_RESULT,
)
# The envelope key only V4 has: detection asks ListProjects and looks for it (or for any
# envelope with HTTP 200: a serializer that leaves nulls out drops it from a success).
V4_MARK = "errorDetail"
# A V4 project's status: the eight of V3 and two a project shows while it is modified or
# merged (their place in the lifecycle is not documented: the rules over time skip them).
V4_STATUSES = (*STATUSES, "RUNNING_MODIFYING", "RUNNING_MERGING")
STEP_STATUSES = ("INIT", "RUNNING", "FAILED", "FINISHED", "SUSPEND", "MONITORING")
# A step's times: UTC without a zone, "2023-05-31T04:07:32".
V4_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"

# The V4 names of what DescribeProjectProgress reports (V3 names: above).
V4_FLAGS = (
    ("struct", "enableStructTransfer"),
    ("full", "enableFullTransfer"),
    ("incr", "enableIncrSync"),
    ("reverse", "enableReverseIncrTransfer"),
)
V4_PROGRESS_PHASES = (("structTransferProgress", "struct"), ("fullTransferProgress", "full"))
V4_PROGRESS_FIELDS = tuple(name for name, _ in V4_PROGRESS_PHASES)
V4_CHECKPOINTS = (("incrSyncCheckpoint", "incr"), ("reverseIncrTransferCheckpoint", "reverse"))

# The step names of the V4 API (section 4's renames, and the steps it shares with V3), with
# the flags of which one must be on; what mock-oms promises (the strict level).
V4_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        name: OTHER_STEPS[name]
        for name in (
            "TRANSFER_PRECHECK",
            "TRANSFER_PREPARE",
            "STRUCT_TRANSFER",
            "TRANSFER_INCR_LOG_PULL",
            "FULL_TRANSFER",
            "INDEX_TRANSFER",
            "INCR_TRANSFER",
            "TRANSFER_APP_SWITCH",
            "REVERSE_INCR_TRANSFER",
        )
    }
    | {"FULL_VERIFIER": ()}
)
# Every name of ODC's step enumeration (V3-era and V4) with its flags: a real V4 step list
# may use any (the compatible level). Full verification has no flag in the progress call.
ALL_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {**V3_STEPS, **SYNC_V3_STEPS, **OTHER_STEPS} | dict.fromkeys(FULL_VERIFICATION_STEPS, ())
)
# MONITORING: "incremental sync keeps running, it never finishes". The steps of an
# incremental phase (log pull, sync, verifier: the compatible level), and the incremental
# sync steps themselves (what mock-oms promises).
INCREMENTAL_STEPS = frozenset(
    n for n, flags in ALL_STEPS.items() if set(flags) & {"incr", "reverse"}
)
INCR_SYNC_STEPS = frozenset(
    {
        "INCR_TRANSFER",
        "REVERSE_INCR_TRANSFER",
        "INCR_SYNC",
        "REVERSE_INCR_SYNC",
        "CONNECTOR_INCR_SYNC",
    }
)
# A step's progress is the progress call's figure of its phase (ODC reads FULL_TRANSFER's
# progress for its percentage; mock-oms promises STRUCT_TRANSFER's too, the strict level).
STEP_PROGRESS: Mapping[str, str] = MappingProxyType({"FULL_TRANSFER": "fullTransferProgress"})
STRICT_STEP_PROGRESS: Mapping[str, str] = MappingProxyType(
    {**STEP_PROGRESS, "STRUCT_TRANSFER": "structTransferProgress"}
)
# The incremental steps' checkpoint (stepInfo.incrTimestampCheckpoint) is the progress
# call's checkpoint of the same sync.
STEP_CHECKPOINTS: Mapping[str, str] = MappingProxyType(
    {
        "INCR_TRANSFER": "incrSyncCheckpoint",
        "REVERSE_INCR_TRANSFER": "reverseIncrTransferCheckpoint",
    }
)
STEP_CHECKPOINT_FIELD = "incrTimestampCheckpoint"
# stepInfo carries checkpointSampleTimestamp: "the sample trails the checkpoint by a few
# seconds". A step list may show a sampled checkpoint, older than the progress call's; how
# much older is not documented: the compatible level allows this many seconds (assumed),
# the strict level none.
STEP_CHECKPOINT_SAMPLE_LAG = 60
# "V3-era names and V4 *TRANSFER* names come in pairs (STRUCT_MIGRATION / STRUCT_TRANSFER,
# ...)": the pairs, so that a currentStep in one spelling finds its step in the other.
STEP_PAIRS: Mapping[str, str] = MappingProxyType(
    {
        "PRE_CHECK": "TRANSFER_PRECHECK",
        "PREPARE": "TRANSFER_PREPARE",
        "STRUCT_MIGRATION": "STRUCT_TRANSFER",
        "INDEX_MIGRATION": "INDEX_TRANSFER",
        "FULL_MIGRATION": "FULL_TRANSFER",
        "INCR_LOG_PULL": "TRANSFER_INCR_LOG_PULL",
        "INCR_SYNC": "INCR_TRANSFER",
        "APP_SWITCH": "TRANSFER_APP_SWITCH",
        "REVERSE_INCR_SYNC": "REVERSE_INCR_TRANSFER",
        "FULL_VALIDATION": "FULL_VERIFIER",
    }
)


def step_spellings(name: str) -> frozenset[str]:
    """``name`` and the name it pairs with (V3-era and V4), if any."""
    pairs = {name, STEP_PAIRS.get(name, name)}
    pairs |= {v3 for v3, v4 in STEP_PAIRS.items() if v4 == name}
    return frozenset(pairs)


# A step's extraInfo: "errorDetails, errorCode, errorMsg, errorParam, failedTime: all null
# unless failed"; a failed step says why in one of these (ODC fails a task with errorMsg).
STEP_REASON_FIELDS = ("errorMsg", "errorCode", "errorDetails")
# A step that is over while the project runs on (ODC: a step is done when FINISHED at 100;
# only a FAILED step is allowed to recover).
STEP_DONE = "FINISHED"
# What no step of a FINISHED project shows (the project is done: ODC's checker stops there):
# a step still at work, failed, suspended or incremental sync still running.
STEP_AT_WORK = frozenset({"RUNNING", "FAILED", "SUSPEND", "MONITORING"})
# The code of an action the status does not allow: not documented; mock-oms's assumption,
# judged only at the strict level.
ILLEGAL_ACTION_CODE = "GHANA-OPERAT000001"
