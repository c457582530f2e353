"""The OMS project lifecycle: statuses, actions and the legal transitions between them.

This is the single table the engine, the scenario validator, the control API and the
contract kit consult. It follows ``shared/guide/oms-api.md`` section 2, plus the two
transitions the service makes by itself (RUNNING -> FINISHED, RUNNING -> FAILED) and the
automatic RELEASING -> RELEASED.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIONS",
    "AUTOMATIC",
    "EDGES",
    "REACHABLE",
    "SETTLED",
    "Action",
    "Importance",
    "Status",
    "action_for",
    "is_edge",
    "legal_actions",
    "reachable",
    "result_of",
]


class Status(StrEnum):
    INIT = "INIT"
    RUNNING = "RUNNING"
    SUSPEND = "SUSPEND"
    FAILED = "FAILED"
    FINISHED = "FINISHED"
    RELEASING = "RELEASING"
    RELEASED = "RELEASED"
    DELETED = "DELETED"


class Importance(StrEnum):
    """The alert level, lowest first."""

    IGNORE = "IGNORE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class Action(StrEnum):
    """What an operator (or a scripted event) does to a project."""

    START = "start"
    STOP = "stop"
    RESUME = "resume"
    RELEASE = "release"
    DELETE = "delete"
    FAIL = "fail"


# (from status, action) -> resulting status. Operator actions follow the guide's table;
# `fail` is the service failing a running project (a fault injected by a test).
ACTIONS: dict[tuple[Status, Action], Status] = {
    (Status.INIT, Action.START): Status.RUNNING,
    (Status.INIT, Action.DELETE): Status.DELETED,
    (Status.RUNNING, Action.STOP): Status.SUSPEND,
    (Status.RUNNING, Action.FAIL): Status.FAILED,
    (Status.SUSPEND, Action.RESUME): Status.RUNNING,
    (Status.SUSPEND, Action.RELEASE): Status.RELEASING,
    (Status.FAILED, Action.RESUME): Status.RUNNING,
    (Status.FAILED, Action.RELEASE): Status.RELEASING,
    (Status.FINISHED, Action.RELEASE): Status.RELEASING,
    (Status.RELEASED, Action.DELETE): Status.DELETED,
}

# Transitions the service makes by itself, without an operator action.
AUTOMATIC: frozenset[tuple[Status, Status]] = frozenset(
    {
        (Status.RUNNING, Status.FINISHED),
        (Status.RUNNING, Status.FAILED),
        (Status.RELEASING, Status.RELEASED),
    }
)

EDGES: frozenset[tuple[Status, Status]] = frozenset(
    {(src, dst) for (src, _), dst in ACTIONS.items()} | AUTOMATIC
)

# Statuses in which a project changes no more unless an operator acts: a polling client
# may stop here. DELETED is final in every sense.
SETTLED: frozenset[Status] = frozenset(
    {Status.FINISHED, Status.FAILED, Status.RELEASED, Status.DELETED}
)


def legal_actions(status: Status) -> tuple[Action, ...]:
    """The actions accepted in ``status``, in the order of the Action enumeration."""
    return tuple(action for action in Action if (status, action) in ACTIONS)


def result_of(status: Status, action: Action) -> Status | None:
    """The status ``action`` leads to from ``status``, or None when it is illegal there."""
    return ACTIONS.get((status, action))


def action_for(src: Status, dst: Status) -> Action | None:
    """The operator action that moves a project from ``src`` to ``dst``, if one does."""
    for (frm, action), to in ACTIONS.items():
        if frm is src and to is dst:
            return action
    return None


def is_edge(src: Status, dst: Status) -> bool:
    return src is dst or (src, dst) in EDGES


def _closure() -> dict[Status, frozenset[Status]]:
    reach: dict[Status, set[Status]] = {s: {s} for s in Status}
    changed = True
    while changed:
        changed = False
        for src, dst in EDGES:
            for seen in reach.values():
                if src in seen and dst not in seen:
                    seen.add(dst)
                    changed = True
    return {s: frozenset(v) for s, v in reach.items()}


REACHABLE: dict[Status, frozenset[Status]] = _closure()


def reachable(src: Status, dst: Status) -> bool:
    """True when some path of legal edges leads from ``src`` to ``dst`` (or they are equal).

    A client polling now and then may miss intermediate statuses; what it sees must still
    be explainable by legal edges.
    """
    return dst in REACHABLE[src]
