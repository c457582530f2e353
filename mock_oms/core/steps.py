"""Step names in both dialects and which enable flag each one needs.

V3 names (``currentStep``) first; then the V4 step list, where each step has its V4 name,
the V3 names it pairs with, a role and the label real payloads carry. Steps exist only for
enabled phases; precheck and app switch are always there; full verification is never
reported as the current step (shared/guide/oms-api.md, sections 3 and 4).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from mock_oms.core.errors import excerpt
from mock_oms.core.kinds import Flags, Kind

__all__ = [
    "FULL_VERIFICATION_STEPS",
    "INCREMENTAL_ROLES",
    "MIGRATION_STEPS",
    "STEPS",
    "SYNC_STEPS",
    "V4_STEPS",
    "Role",
    "Step",
    "StepStatus",
    "allowed_steps",
    "step_problem",
    "v4_name",
    "v4_step",
    "v4_steps",
]

# step -> the flag it needs (None: always present), per kind, in the order the service runs them.
MIGRATION_STEPS: dict[str, str | None] = {
    "PRE_CHECK": None,
    "STRUCT_MIGRATION": "struct",
    "INCR_LOG_PULL": "incr",
    "FULL_MIGRATION": "full",
    "INDEX_MIGRATION": "struct",
    "INCR_SYNC": "incr",
    "APP_SWITCH": None,
    "REVERSE_INCR_SYNC": "reverse",
}

SYNC_STEPS: dict[str, str | None] = {
    "PRE_CHECK": None,
    "SYNC_PREPARE": None,
    "STRUCT_SYNC": "struct",
    "SYNC_INCR_LOG_PULL": "incr",
    "FULL_MIGRATION": "full",
    "INCR_SYNC": "incr",
}

# Full verification is a step of the service but never the reported current step.
FULL_VERIFICATION_STEPS: frozenset[str] = frozenset({"FULL_VALIDATION", "FULL_VERIFIER"})

STEPS: dict[Kind, dict[str, str | None]] = {Kind.MIGRATION: MIGRATION_STEPS, Kind.SYNC: SYNC_STEPS}


def step_problem(kind: Kind, flags: Flags, step: str) -> str | None:
    """Why ``step`` cannot be the current step of such a project, or None when it can."""
    if step in FULL_VERIFICATION_STEPS:
        return f"currentStep {step} is full verification, which is never reported as current"
    table = STEPS[kind]
    if step not in table:
        return f"unknown {kind.value} step {excerpt(step)}; known steps: {', '.join(table)}"
    flag = table[step]
    if flag is not None and not getattr(flags, flag):
        return f"step {step} needs the {flag} phase, which this scenario does not enable"
    return None


def allowed_steps(kind: Kind, flags: Flags) -> list[str]:
    return [s for s in STEPS[kind] if step_problem(kind, flags, s) is None]


# -- the step list (V4) ----------------------------------------------------------------------


class StepStatus(StrEnum):
    """The status of one step in the V4 step list. MONITORING: an incremental step that has
    caught up and keeps running (it never finishes by itself)."""

    INIT = "INIT"
    RUNNING = "RUNNING"
    FAILED = "FAILED"
    FINISHED = "FINISHED"
    SUSPEND = "SUSPEND"
    MONITORING = "MONITORING"


class Role(StrEnum):
    """What a step does, which decides where its progress comes from and how it runs."""

    PRECHECK = "precheck"
    PREPARE = "prepare"
    STRUCT = "struct"
    LOG_PULL = "log-pull"
    FULL = "full"
    INDEX = "index"
    INCR = "incr"
    VERIFY = "verify"
    SWITCH = "switch"
    REVERSE = "reverse"


class Step(NamedTuple):
    """One step of the V4 step list: its V4 name, the V3 ``currentStep`` names it answers
    to (the first is the one V3 shows), the flag it needs, its role and the label real
    payloads carry (Chinese)."""

    name: str
    v3: tuple[str, ...]
    flag: str | None
    role: Role
    description: str


_VERIFIER = ("FULL_VERIFIER", "FULL_VALIDATION")
_LOG_PULL = "增量日志拉取"

# In the order the service runs them (shared/guide/oms-api.md, sections 3 and 4).
V4_STEPS: dict[Kind, tuple[Step, ...]] = {
    Kind.MIGRATION: (
        Step("TRANSFER_PRECHECK", ("PRE_CHECK",), None, Role.PRECHECK, "预检查"),
        Step("STRUCT_TRANSFER", ("STRUCT_MIGRATION",), "struct", Role.STRUCT, "结构迁移"),
        Step("TRANSFER_INCR_LOG_PULL", ("INCR_LOG_PULL",), "incr", Role.LOG_PULL, "增量日志拉取"),
        Step("FULL_TRANSFER", ("FULL_MIGRATION",), "full", Role.FULL, "全量迁移"),
        Step("INDEX_TRANSFER", ("INDEX_MIGRATION",), "struct", Role.INDEX, "索引迁移"),
        Step("INCR_TRANSFER", ("INCR_SYNC",), "incr", Role.INCR, "增量同步"),
        Step(
            "FULL_VERIFIER", ("FULL_VERIFIER", "FULL_VALIDATION"), "verify", Role.VERIFY, "全量校验"
        ),
        Step("TRANSFER_APP_SWITCH", ("APP_SWITCH",), None, Role.SWITCH, "正向切换"),
        Step("REVERSE_INCR_TRANSFER", ("REVERSE_INCR_SYNC",), "reverse", Role.REVERSE, "反向增量"),
    ),
    Kind.SYNC: (
        Step("TRANSFER_PRECHECK", ("PRE_CHECK",), None, Role.PRECHECK, "预检查"),
        Step("TRANSFER_PREPARE", ("SYNC_PREPARE",), None, Role.PREPARE, "同步准备"),
        Step("STRUCT_TRANSFER", ("STRUCT_SYNC",), "struct", Role.STRUCT, "结构同步"),
        Step(
            "TRANSFER_INCR_LOG_PULL", ("SYNC_INCR_LOG_PULL",), "incr", Role.LOG_PULL, "增量日志拉取"
        ),
        Step("FULL_TRANSFER", ("FULL_MIGRATION",), "full", Role.FULL, "全量同步"),
        Step("INCR_TRANSFER", ("INCR_SYNC",), "incr", Role.INCR, "增量同步"),
        Step(
            "FULL_VERIFIER", ("FULL_VERIFIER", "FULL_VALIDATION"), "verify", Role.VERIFY, "全量校验"
        ),
    ),
}

# Steps that keep running once caught up: the only ones that show MONITORING.
INCREMENTAL_ROLES: frozenset[Role] = frozenset({Role.INCR, Role.REVERSE})

_BY_V3: dict[Kind, dict[str, Step]] = {
    kind: {v3: step for step in table for v3 in step.v3} for kind, table in V4_STEPS.items()
}
_BY_V4: dict[Kind, dict[str, Step]] = {
    kind: {step.name: step for step in table} for kind, table in V4_STEPS.items()
}


def v4_steps(kind: Kind, flags: Flags) -> tuple[Step, ...]:
    """The steps of a project of ``kind`` with these flags, in order (disabled ones absent)."""
    return tuple(s for s in V4_STEPS[kind] if s.flag is None or getattr(flags, s.flag))


def v4_name(kind: Kind, v3_step: str) -> str:
    """The V4 name of a V3 ``currentStep`` (an unknown name is passed on as it is)."""
    step = _BY_V3[kind].get(v3_step)
    return v3_step if step is None else step.name


def v4_step(kind: Kind, name: str) -> Step | None:
    """The step of ``kind`` called ``name`` in V4, if there is one."""
    return _BY_V4[kind].get(name)
