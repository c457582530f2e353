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

from mock_oms.faults import Rule
from mock_oms.faultspec import parse_rules
from mock_oms.lifecycle import Action, Importance, Status, action_for, is_edge
from mock_oms.steps import Flags, Kind, step_problem

if TYPE_CHECKING:
    from mock_oms.replay import Replay

DEFAULT_RELEASE_SECONDS = 5.0

Path_ = tuple[str | int, ...]


class CheckpointMode(StrEnum):
    OFF = "off"  # not started yet: the checkpoint keeps its value (0 at first)
    FOLLOW = "follow"
    FREEZE = "freeze"


@dataclass(frozen=True, slots=True)
class CheckpointRule:
    mode: CheckpointMode = CheckpointMode.OFF
    lag: float = 0.0

    @property
    def follows(self) -> bool:
        return self.mode is CheckpointMode.FOLLOW


HOLD = CheckpointRule()


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


class ScenarioProblems(Exception):
    """Rule violations found by :func:`build`, each with the document path it concerns."""

    def __init__(self, problems: list[tuple[Path_, str]]) -> None:
        super().__init__("; ".join(reason for _, reason in problems))
        self.problems = problems


def _rule(spec: Any) -> CheckpointRule:
    if isinstance(spec, str):
        return CheckpointRule(CheckpointMode(spec))
    return CheckpointRule(CheckpointMode(spec["mode"]), float(spec.get("lag", 0)))


def build(doc: dict[str, Any], source: str = "<memory>") -> Scenario:
    """A :class:`Scenario` from a schema-valid document, or :class:`ScenarioProblems`."""
    problems: list[tuple[Path_, str]] = []

    def problem(path: Path_, reason: str) -> None:
        problems.append((path, reason))

    kind = Kind(doc["kind"])
    raw_flags = doc.get("flags", {})
    flags = Flags(
        struct=raw_flags.get("struct", True),
        full=raw_flags.get("full", True),
        incr=raw_flags.get("incr", False),
        reverse=raw_flags.get("reverse", False),
    )
    if kind is Kind.SYNC and flags.reverse:
        problem(("flags", "reverse"), "sync projects have no reverse incremental sync")
    importance = Importance(doc.get("importance", "LOW"))
    release_seconds = float(doc.get("release", {}).get("seconds", DEFAULT_RELEASE_SECONDS))

    raw_phases: list[dict[str, Any]] = doc["timeline"]
    ids: dict[str, int] = {}
    for i, raw in enumerate(raw_phases):
        pid = raw.get("id")
        if pid is not None:
            if pid in ids:
                problem(
                    ("timeline", i, "id"), f"phase id {pid!r} is already used by phase {ids[pid]}"
                )
            ids.setdefault(pid, i)

    phases: list[Phase] = []
    step = "PRE_CHECK"
    level = importance
    figures = {"struct": 0, "full": 0}
    rules = {"incr": HOLD, "reverse": HOLD}
    prev: Status | None = None
    for i, raw in enumerate(raw_phases):
        at: Path_ = ("timeline", i)
        status = Status(raw["status"])
        step = raw.get("step", step)
        level = Importance(raw.get("importance", level))
        if (reason := step_problem(kind, flags, step)) is not None:
            problem((*at, "step") if "step" in raw else at, reason)
        seconds = raw.get("seconds")
        polls = raw.get("polls")
        waits = seconds is None and polls is None

        if prev is not None and prev is not status and not is_edge(prev, status):
            problem(
                (*at, "status"),
                f"illegal status change {prev.value} -> {status.value}"
                f" (phase {i - 1} to phase {i}); see the lifecycle table",
            )
        if prev is not None and phases[-1].waits and action_for(prev, status) is None:
            problem(
                (*at, "status"),
                f"phase {i} can never start: phase {i - 1} ({prev.value}) "
                f"has no seconds or polls, so only an action ends it, and no action leads "
                f"from {prev.value} to {status.value}",
            )
        new_run = status is Status.RUNNING and prev is not Status.RUNNING

        spans: dict[str, tuple[int, int]] = {}
        for name in ("struct", "full"):
            spec = raw.get("progress", {}).get(name)
            where: Path_ = (*at, "progress", name)
            carried = figures[name]
            span = (
                (carried, carried)
                if spec is None
                else ((spec, spec) if isinstance(spec, int) else (spec[0], spec[1]))
            )
            if spec is not None:
                if i == 0:  # the story may begin anywhere: nothing is carried yet
                    carried = span[0]
                if not getattr(flags, name) and span != (0, 0):
                    problem(where, f"{name} progress must stay 0: the {name} phase is not enabled")
                if status is not Status.RUNNING and span != (carried, carried):
                    problem(
                        where,
                        f"{name} progress can change only while RUNNING "
                        f"(it is {carried} here, the phase is {status.value})",
                    )
                elif span[1] < span[0] or (span[0] < carried and not new_run):
                    problem(
                        where,
                        f"{name} progress would decrease ({carried} -> {span[0]} -> "
                        f"{span[1]}); it may restart lower only when a new run begins",
                    )
                if waits and span[0] != span[1]:
                    problem(
                        where,
                        f"{name} progress cannot move from {span[0]} to {span[1]} in "
                        "a phase without seconds or polls",
                    )
            spans[name] = span
            figures[name] = span[1]

        effective: dict[str, CheckpointRule] = {}
        for name, flag in (("incr", flags.incr), ("reverse", flags.reverse)):
            spec = raw.get("checkpoint", {}).get(name)
            if spec is not None:
                if not flag:
                    problem(
                        (*at, "checkpoint", name),
                        f"the {name} checkpoint cannot move: {name} sync is not enabled",
                    )
                rules[name] = _rule(spec)
            running = status is Status.RUNNING
            follows = rules[name].mode is CheckpointMode.FOLLOW
            # outside RUNNING nothing syncs: the checkpoint holds, and the rule resumes later
            effective[name] = (
                CheckpointRule(CheckpointMode.FREEZE) if follows and not running else rules[name]
            )

        if status is Status.FINISHED:
            for name in ("struct", "full"):
                if getattr(flags, name) and figures[name] != 100:
                    problem(
                        at,
                        f"FINISHED with {name} progress at {figures[name]}: every enabled "
                        "phase must be at 100",
                    )

        resume = None
        if "resume" in raw:
            target = ids.get(raw["resume"])
            if status not in (Status.SUSPEND, Status.FAILED):
                problem((*at, "resume"), "only a SUSPEND or FAILED phase can say where resume goes")
            elif target is None:
                problem((*at, "resume"), f"no phase has the id {raw['resume']!r}")
            elif Status(raw_phases[target]["status"]) is not Status.RUNNING:
                problem(
                    (*at, "resume"),
                    f"resume must lead to a RUNNING phase, "
                    f"phase {target} is {raw_phases[target]['status']}",
                )
            else:
                resume = target
        if status is Status.DELETED and i != len(raw_phases) - 1:
            problem(at, "DELETED is terminal: it must be the last phase")

        if status is Status.RELEASING and waits:
            seconds = release_seconds
        phases.append(
            Phase(
                index=i,
                status=status,
                step=step,
                importance=level,
                seconds=None if seconds is None else float(seconds),
                polls=polls,
                struct=spans["struct"],
                full=spans["full"],
                incr=effective["incr"],
                reverse=effective["reverse"],
                id=raw.get("id"),
                resume=resume,
                note=raw.get("note", ""),
            )
        )
        prev = status

    faults: list[Rule] = []
    for i, raw in enumerate(raw_phases):
        if "faults" in raw:
            faults.extend(
                parse_rules(raw["faults"], ("timeline", i, "faults"), kind, problems, phase=i)
            )
    faults.extend(
        parse_rules(
            doc.get("faults", []),
            ("faults",),
            kind,
            problems,
            phase_ids=ids,
            phases=len(raw_phases),
        )
    )

    if phases and phases[-1].status is Status.RELEASING:
        last = phases[-1]
        phases.append(
            Phase(
                index=len(phases),
                status=Status.RELEASED,
                step=last.step,
                importance=last.importance,
                struct=(last.struct[1],) * 2,
                full=(last.full[1],) * 2,
                implicit=True,
                note="RELEASING becomes RELEASED by itself",
            )
        )
    if problems:
        raise ScenarioProblems(problems)
    return Scenario(
        name=doc["name"],
        kind=kind,
        flags=flags,
        timeline=tuple(phases),
        description=doc.get("description", ""),
        importance=importance,
        projects=tuple(doc.get("projects", ())),
        release_seconds=release_seconds,
        source=source,
        document=doc,
        faults=tuple(faults),
    )


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
