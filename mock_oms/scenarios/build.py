"""Building the scenario model from a document.

``build`` turns a document that already passed ``scenario.schema.json`` into a frozen
:class:`~mock_oms.core.scenario.Scenario`, resolving what each phase inherits from the one
before, and checks the rules a schema cannot express. Every problem names the path of the
offending value so the loader can report its line.
"""

from __future__ import annotations

from typing import Any

from mock_oms.core.errors import DocPath, DocProblems, DocumentProblems
from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import Importance, Status, action_for, is_edge
from mock_oms.core.scenario import (
    DEFAULT_RELEASE_SECONDS,
    DEFAULT_ROWS,
    HOLD,
    CheckpointMode,
    CheckpointRule,
    Phase,
    Scenario,
    StepSpec,
    Verification,
)
from mock_oms.core.steps import INCREMENTAL_ROLES, StepStatus, step_problem, v4_step
from mock_oms.faults.rules import Rule
from mock_oms.faults.spec import parse_rules

__all__ = ["build"]


def _rule(spec: Any) -> CheckpointRule:
    if isinstance(spec, str):
        return CheckpointRule(CheckpointMode(spec))
    lag = float(spec["lag"]) if "lag" in spec else -float(spec.get("lead", 0))
    return CheckpointRule(CheckpointMode(spec["mode"]), lag)


def build(doc: dict[str, Any], source: str = "<memory>") -> Scenario:
    """A :class:`Scenario` from a schema-valid document, or
    :class:`~mock_oms.core.errors.DocumentProblems`."""
    problems: DocProblems = []
    kind = Kind(doc["kind"])
    raw_flags = doc.get("flags", {})
    flags = Flags(
        struct=raw_flags.get("struct", True),
        full=raw_flags.get("full", True),
        incr=raw_flags.get("incr", False),
        reverse=raw_flags.get("reverse", False),
        verify=raw_flags.get("verify", False),
    )
    if kind is Kind.SYNC and flags.reverse:
        problems.append((("flags", "reverse"), "sync projects have no reverse incremental sync"))
    if "verification" in doc and not flags.verify:
        problems.append((("verification",), "a verification result needs flags.verify: true"))
    importance = Importance(doc.get("importance", "LOW"))
    release_seconds = float(doc.get("release", {}).get("seconds", DEFAULT_RELEASE_SECONDS))
    raw_phases: list[dict[str, Any]] = doc["timeline"]
    ids = _phase_ids(raw_phases, problems)
    phases = _Timeline(kind, flags, importance, release_seconds, problems).read(raw_phases, ids)
    faults = _fault_rules(doc, raw_phases, kind, ids, problems)
    if phases and phases[-1].status is Status.RELEASING:
        phases.append(_released_after(phases[-1]))
    if problems:
        raise DocumentProblems(problems)
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
        faults=faults,
        rows=int(doc.get("rows", DEFAULT_ROWS)),
        verification=Verification(int(doc.get("verification", {}).get("differences", 0))),
    )


def _phase_ids(raw_phases: list[dict[str, Any]], problems: DocProblems) -> dict[str, int]:
    """Each phase id and the index of the (first) phase that has it."""
    ids: dict[str, int] = {}
    for i, raw in enumerate(raw_phases):
        pid = raw.get("id")
        if pid is not None:
            if pid in ids:
                problems.append(
                    (("timeline", i, "id"), f"phase id {pid!r} is already used by phase {ids[pid]}")
                )
            ids.setdefault(pid, i)
    return ids


class _Timeline:
    """Reads the phases in order, resolving what each inherits from the one before (step,
    alert level, progress figures, checkpoint rules) and checking the rules between them."""

    def __init__(
        self,
        kind: Kind,
        flags: Flags,
        importance: Importance,
        release_seconds: float,
        problems: DocProblems,
    ) -> None:
        self.kind = kind
        self.flags = flags
        self.release_seconds = release_seconds
        self.problems = problems
        self.step = "PRE_CHECK"
        self.level = importance
        self.figures = {"struct": 0, "full": 0}
        self.rules = {"incr": HOLD, "reverse": HOLD}

    def problem(self, path: DocPath, reason: str) -> None:
        self.problems.append((path, reason))

    def read(self, raw_phases: list[dict[str, Any]], ids: dict[str, int]) -> list[Phase]:
        phases: list[Phase] = []
        for i, raw in enumerate(raw_phases):
            at: DocPath = ("timeline", i)
            status = Status(raw["status"])
            self.step = raw.get("step", self.step)
            self.level = Importance(raw.get("importance", self.level))
            if (reason := step_problem(self.kind, self.flags, self.step)) is not None:
                self.problem((*at, "step") if "step" in raw else at, reason)
            seconds = raw.get("seconds")
            waits = seconds is None and raw.get("polls") is None
            previous = phases[-1] if phases else None
            self._transition(previous, status, i)
            new_run = status is Status.RUNNING and (
                previous is None or previous.status is not status
            )
            struct = self._span("struct", raw, i, status, new_run, waits)
            full = self._span("full", raw, i, status, new_run, waits)
            incr = self._checkpoint("incr", raw, at, status)
            reverse = self._checkpoint("reverse", raw, at, status)
            if status is Status.FINISHED:
                for name in ("struct", "full"):
                    if getattr(self.flags, name) and self.figures[name] != 100:
                        self.problem(
                            at,
                            f"FINISHED with {name} progress at {self.figures[name]}: every "
                            "enabled phase must be at 100",
                        )
            resume = self._resume(raw, at, status, ids, raw_phases)
            if status is Status.DELETED and i != len(raw_phases) - 1:
                self.problem(at, "DELETED is terminal: it must be the last phase")
            if status is Status.RELEASING and waits:
                seconds = self.release_seconds
            steps = self._steps(raw.get("steps", {}), at, status)
            phases.append(
                Phase(
                    index=i,
                    status=status,
                    step=self.step,
                    importance=self.level,
                    seconds=None if seconds is None else float(seconds),
                    polls=raw.get("polls"),
                    struct=struct,
                    full=full,
                    incr=incr,
                    reverse=reverse,
                    id=raw.get("id"),
                    resume=resume,
                    note=raw.get("note", ""),
                    steps=steps,
                )
            )
        return phases

    def _steps(self, raw: dict[str, Any], at: DocPath, status: Status) -> tuple[StepSpec, ...]:
        """The V4 steps a phase scripts, checked against the project's step list."""
        specs: list[StepSpec] = []
        for name, given in raw.items():
            where: DocPath = (*at, "steps", name)
            step = v4_step(self.kind, name)
            if step is None:
                self.problem(where, f"no {self.kind.value} project has a V4 step {name!r}")
                continue
            if step.flag is not None and not getattr(self.flags, step.flag):
                self.problem(where, f"step {name} needs the {step.flag} flag, which is off")
                continue
            spec: dict[str, Any] = {"status": given} if isinstance(given, str) else given
            step_status = StepStatus(spec["status"]) if "status" in spec else None
            progress = spec.get("progress")
            span = None
            if progress is not None:
                span = (progress, progress) if isinstance(progress, int) else tuple(progress)
                if span[1] < span[0]:
                    self.problem((*where, "progress"), "a step's progress never decreases")
            if step_status is StepStatus.MONITORING and step.role not in INCREMENTAL_ROLES:
                self.problem(where, f"only incremental steps show MONITORING, not {name}")
            if step_status is StepStatus.FINISHED and span not in (None, (100, 100)):
                self.problem((*where, "progress"), "a FINISHED step is at 100")
            if status is Status.INIT and step_status not in (None, StepStatus.INIT):
                self.problem(where, "no step runs while the project is INIT")
            error = spec.get("error")
            if error is not None and step_status not in (None, StepStatus.FAILED):
                self.problem((*where, "error"), "only a FAILED step carries an error")
            specs.append(
                StepSpec(
                    name,
                    step_status,
                    None if span is None else (int(span[0]), int(span[1])),
                    None if error is None else (error.get("code", "STEP_FAILED"), error["message"]),
                )
            )
        return tuple(specs)

    def _transition(self, previous: Phase | None, status: Status, i: int) -> None:
        """DocProblems with the move from the previous phase to this one."""
        if previous is None:
            return
        prev = previous.status
        at: DocPath = ("timeline", i, "status")
        if prev is not status and not is_edge(prev, status):
            self.problem(
                at,
                f"illegal status change {prev.value} -> {status.value}"
                f" (phase {i - 1} to phase {i}); see the lifecycle table",
            )
        if previous.waits and action_for(prev, status) is None:
            self.problem(
                at,
                f"phase {i} can never start: phase {i - 1} ({prev.value}) "
                f"has no seconds or polls, so only an action ends it, and no action leads "
                f"from {prev.value} to {status.value}",
            )

    def _span(
        self,
        name: str,
        raw: dict[str, Any],
        i: int,
        status: Status,
        new_run: bool,
        waits: bool,
    ) -> tuple[int, int]:
        """The ``name`` progress over phase ``i``: [from, to], carried on when unset."""
        spec = raw.get("progress", {}).get(name)
        carried = self.figures[name]
        if spec is None:
            return carried, carried
        where: DocPath = ("timeline", i, "progress", name)
        span: tuple[int, int] = (spec, spec) if isinstance(spec, int) else (spec[0], spec[1])
        if i == 0:  # the story may begin anywhere: nothing is carried yet
            carried = span[0]
        if not getattr(self.flags, name) and span != (0, 0):
            self.problem(where, f"{name} progress must stay 0: the {name} phase is not enabled")
        if status is not Status.RUNNING and span != (carried, carried):
            self.problem(
                where,
                f"{name} progress can change only while RUNNING "
                f"(it is {carried} here, the phase is {status.value})",
            )
        elif span[1] < span[0] or (span[0] < carried and not new_run):
            self.problem(
                where,
                f"{name} progress would decrease ({carried} -> {span[0]} -> "
                f"{span[1]}); it may restart lower only when a new run begins",
            )
        if waits and span[0] != span[1]:
            self.problem(
                where,
                f"{name} progress cannot move from {span[0]} to {span[1]} in "
                "a phase without seconds or polls",
            )
        self.figures[name] = span[1]
        return span

    def _checkpoint(
        self, name: str, raw: dict[str, Any], at: DocPath, status: Status
    ) -> CheckpointRule:
        """The ``name`` checkpoint rule in effect during the phase."""
        spec = raw.get("checkpoint", {}).get(name)
        if spec is not None:
            if not getattr(self.flags, name):
                self.problem(
                    (*at, "checkpoint", name),
                    f"the {name} checkpoint cannot move: {name} sync is not enabled",
                )
            self.rules[name] = _rule(spec)
        rule = self.rules[name]
        # outside RUNNING nothing syncs: the checkpoint holds, and the rule resumes later
        if rule.mode is CheckpointMode.FOLLOW and status is not Status.RUNNING:
            return CheckpointRule(CheckpointMode.FREEZE)
        return rule

    def _resume(
        self,
        raw: dict[str, Any],
        at: DocPath,
        status: Status,
        ids: dict[str, int],
        raw_phases: list[dict[str, Any]],
    ) -> int | None:
        """The phase a resume jumps to, when the phase says."""
        if "resume" not in raw:
            return None
        target = ids.get(raw["resume"])
        if status not in (Status.SUSPEND, Status.FAILED):
            self.problem(
                (*at, "resume"), "only a SUSPEND or FAILED phase can say where resume goes"
            )
        elif target is None:
            self.problem((*at, "resume"), f"no phase has the id {raw['resume']!r}")
        elif Status(raw_phases[target]["status"]) is not Status.RUNNING:
            self.problem(
                (*at, "resume"),
                f"resume must lead to a RUNNING phase, "
                f"phase {target} is {raw_phases[target]['status']}",
            )
        else:
            return target
        return None


def _fault_rules(
    doc: dict[str, Any],
    raw_phases: list[dict[str, Any]],
    kind: Kind,
    ids: dict[str, int],
    problems: DocProblems,
) -> tuple[Rule, ...]:
    """The phases' own fault rules (in timeline order), then the scenario's."""
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
    return tuple(faults)


def _released_after(last: Phase) -> Phase:
    """The RELEASED phase a timeline ending in RELEASING reaches by itself."""
    return Phase(
        index=last.index + 1,
        status=Status.RELEASED,
        step=last.step,
        importance=last.importance,
        struct=(last.struct[1],) * 2,
        full=(last.full[1],) * 2,
        implicit=True,
        note="RELEASING becomes RELEASED by itself",
    )
