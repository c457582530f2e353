"""The scenario model: one project's story as a timeline of phases.

``build`` turns a document that already passed ``scenario.schema.json`` into a frozen
:class:`Scenario`, resolving what each phase inherits from the one before, and checks the
rules a schema cannot express. Every problem names the path of the offending value so the
loader can report its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Action, Importance, Status, action_for
from mock_oms.core.steps import StepStatus
from mock_oms.faults.rules import Rule

if TYPE_CHECKING:
    from mock_oms.core.replay import Replay

__all__ = [
    "DEFAULT_RELEASE_SECONDS",
    "DEFAULT_ROWS",
    "HOLD",
    "CheckpointMode",
    "CheckpointRule",
    "Phase",
    "Scenario",
    "StepSpec",
    "Verification",
    "scripted_next",
]

DEFAULT_RELEASE_SECONDS = 5.0
DEFAULT_ROWS = 1000  # the estimated rows of the full transfer (stepInfo.capacity)


class CheckpointMode(StrEnum):
    OFF = "off"  # not started yet: the checkpoint keeps its value (0 at first)
    FOLLOW = "follow"
    FREEZE = "freeze"


@dataclass(frozen=True, slots=True)
class CheckpointRule:
    mode: CheckpointMode = CheckpointMode.OFF
    lag: float = 0.0
    # whether the checkpoint follows the clock: read on every poll, so kept as a field
    follows: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "follows", self.mode is CheckpointMode.FOLLOW)


HOLD = CheckpointRule()


@dataclass(frozen=True, slots=True)
class StepSpec:
    """What a phase scripts for one V4 step, over what the phases would show by default:
    its status, its progress (``(from, to)`` moved over the phase) and, for a failed step,
    the error its ``extraInfo`` carries."""

    name: str  # the V4 step name
    status: StepStatus | None = None
    progress: tuple[int, int] | None = None
    error: tuple[str, str] | None = None  # (errorCode, errorMsg)


@dataclass(frozen=True, slots=True)
class Verification:
    """The result full verification reaches (ListProjectFullVerifyResult)."""

    differences: int = 0


@dataclass(frozen=True, slots=True)
class Phase:
    """One resolved phase. ``incr``/``reverse`` are the rules in effect during the phase."""

    index: int
    status: Status
    step: str
    importance: Importance
    seconds: float | None = None
    polls: int | None = None
    struct: tuple[int, int] = (0, 0)
    full: tuple[int, int] = (0, 0)
    incr: CheckpointRule = HOLD
    reverse: CheckpointRule = HOLD
    id: str | None = None
    resume: int | None = None
    note: str = ""
    implicit: bool = False
    steps: tuple[StepSpec, ...] = ()  # V4 steps scripted while the phase plays

    @property
    def waits(self) -> bool:
        """True when only an action ends the phase."""
        return self.seconds is None and self.polls is None

    @property
    def label(self) -> str:
        return self.id or f"#{self.index}"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    kind: Kind
    flags: Flags
    timeline: tuple[Phase, ...]
    description: str = ""
    importance: Importance = Importance.LOW
    projects: tuple[str, ...] = ()
    release_seconds: float = DEFAULT_RELEASE_SECONDS
    source: str = "<memory>"
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # fault rules: those of the phases first (in timeline order), then the scenario's own
    faults: tuple[Rule, ...] = ()
    replay: Replay | None = None  # a recording served instead of the timeline (replay.py)
    rows: int = DEFAULT_ROWS  # the full transfer's estimated rows (V4 stepInfo)
    verification: Verification = Verification()  # its result, when flags.verify
    # True when neither faults nor a recording apply: the hot path checks only this
    plain: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", not self.faults and self.replay is None)

    @property
    def duration(self) -> float | None:
        """Scenario seconds until the last phase starts, when every phase is timed."""
        total = 0.0
        for phase in self.timeline[:-1]:
            if phase.seconds is None:
                return None
            total += phase.seconds
        return total

    def statuses(self) -> list[Status]:
        """The statuses the story passes, in order (a replay's: those recorded)."""
        if self.replay is not None:
            return self.replay.statuses()
        seen: list[Status] = []
        for phase in self.timeline:
            if phase.status not in seen:
                seen.append(phase.status)
        return seen


def scripted_next(phase: Phase, timeline: tuple[Phase, ...], action: Action) -> int | None:
    """The phase an operator action moves the script to, when the script foresees it.

    start, resume, release and delete act on phases whose figures stand still, so they may
    skip the rest of the current status (an early start, say) and jump to the next phase
    whose status is the action's result (or to the phase named by ``resume``). stop and
    fail interrupt work in progress, so they follow the script only from a phase that
    waits for an action; elsewhere the engine holds the project where it is instead.
    """
    if action is Action.RESUME and phase.resume is not None:
        return phase.resume
    if action in (Action.STOP, Action.FAIL) and not phase.waits:
        return None
    for later in timeline[phase.index + 1 :]:
        if later.status is not phase.status:
            if action_for(phase.status, later.status) is action:
                return later.index
            return None
    return None
