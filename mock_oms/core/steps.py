"""Step names (``currentStep``) and which enable flag each one needs.

Steps exist only for enabled phases; precheck and app switch are always there; full
verification is never reported as the current step (shared/guide/oms-api.md, section 3).
"""

from __future__ import annotations

from mock_oms.core.errors import excerpt
from mock_oms.core.kinds import Flags, Kind

__all__ = [
    "FULL_VERIFICATION_STEPS",
    "MIGRATION_STEPS",
    "STEPS",
    "SYNC_STEPS",
    "allowed_steps",
    "step_problem",
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
