"""The V4 step rules: what a project's step list (DescribeProjectSteps) must show, on its
own and beside the progress call (DescribeProjectProgress).

The kit looks at a V4 project in *rounds*: the progress call, the step list, the progress
call again (:class:`Round`). A real server moves on between two calls; the two progress
answers bracket the moment of the step list, so a figure the two share (a progress, a
checkpoint) must lie between them, and what they agree on (the status, the current step)
held when the steps were read. Every rule here rests on a fact of
``shared/guide/oms-api.md`` section 4, written out in :mod:`contract_tests.facts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from contract_tests import facts
from contract_tests.levels import Level
from contract_tests.rules import Response, Rule, Violation, number
from contract_tests.temporal import response_flags

Step = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Round:
    """One look at a V4 project: ``before`` (DescribeProjectProgress), ``steps``
    (DescribeProjectSteps), ``after`` (DescribeProjectProgress again). ``before`` and
    ``after`` may be None (a step list judged on its own)."""

    steps: Response
    before: Response | None = None
    after: Response | None = None

    def step_list(self) -> list[Step]:
        """The steps of a successful answer (objects only; the schema judges the rest)."""
        found = self.steps.result
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []

    def settled(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The two progress ``data`` when both answered and agree on the status and the
        current step (nothing moved on between them but figures), else None."""
        if self.before is None or self.after is None:
            return None
        a, b = self.before.data, self.after.data
        if a is None or b is None:
            return None
        if a.get("status") != b.get("status") or a.get("currentStep") != b.get("currentStep"):
            return None
        return a, b


def _steps(rounds: Sequence[Round]) -> Iterator[tuple[Round, Step, str, str]]:
    for one in rounds:
        for step in one.step_list():
            name, status = step.get("name"), step.get("status")
            if isinstance(name, str) and isinstance(status, str):
                yield one, step, name, status


def finished_step_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A FINISHED step is at 100 (a step is done when FINISHED at 100: ODC's checker)."""
    found = []
    for one, step, name, status in _steps(rounds):
        if status == "FINISHED" and number(step.get("progress")) != 100:
            found.append(
                Violation(
                    Rule.V4_STEP_FINISHED,
                    f"step {name} is FINISHED at progress {_shown(step.get('progress'))}, not 100",
                    one.steps,
                )
            )
    return found


def monitoring_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """Only an incremental step shows MONITORING (incremental sync keeps running: it never
    finishes). Compatible: a step of an incremental phase (log pull, sync, verifier) or a
    name no documentation gives; strict: the incremental sync steps."""
    found = []
    allowed = facts.INCR_SYNC_STEPS if level is Level.STRICT else facts.INCREMENTAL_STEPS
    for one, _, name, status in _steps(rounds):
        if status != "MONITORING" or name in allowed:
            continue
        if level is Level.COMPATIBLE and name not in facts.ALL_STEPS:
            continue  # a step of a newer release
        found.append(
            Violation(
                Rule.V4_STEP_MONITORING,
                f"step {name} is MONITORING, which only an incremental step shows",
                one.steps,
            )
        )
    return found


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, facts.V4_TIME_FORMAT)
    except ValueError:
        return None  # the schema judges the format


def step_time_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A step starts before it finishes: a ``finishTime`` comes with a ``startTime`` no
    later than it. At the strict level also: a FINISHED step has a ``finishTime``, a step
    that ran (any status but INIT) a ``startTime``."""
    found = []
    for one, step, name, status in _steps(rounds):
        start, finish = _time(step.get("startTime")), _time(step.get("finishTime"))
        said = (
            f"startTime {_shown(step.get('startTime'))}, "
            f"finishTime {_shown(step.get('finishTime'))}"
        )
        problem = None
        if finish is not None and start is None:
            problem = f"step {name} has a finishTime but no startTime ({said})"
        elif start is not None and finish is not None and finish < start:
            problem = f"step {name} finished before it started ({said})"
        elif level is Level.STRICT and status == "FINISHED" and finish is None:
            problem = f"step {name} is FINISHED without a finishTime ({said})"
        elif level is Level.STRICT and status != "INIT" and start is None:
            problem = f"step {name} is {status} without a startTime ({said})"
        if problem is not None:
            found.append(Violation(Rule.V4_STEP_TIMES, problem, one.steps))
    return found


def disabled_step_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """No step of a phase the progress call's flags disable is in the list (steps exist
    only for enabled phases)."""
    found = []
    for one in rounds:
        shown = [(p, p.data) for p in (one.before, one.after) if p is not None]
        flags = next((response_flags(p, d) for p, d in shown if d is not None), None)
        if flags is None:
            continue
        for step in one.step_list():
            name = step.get("name")
            needs = facts.ALL_STEPS.get(name) if isinstance(name, str) else None
            if needs and not any(getattr(flags, flag) for flag in needs):
                found.append(
                    Violation(
                        Rule.V4_STEP_DISABLED,
                        f"step {name} is listed, but the progress call's flags disable its "
                        f"{' or '.join(needs)} phase ({flags})",
                        one.steps,
                        one.before,
                    )
                )
    return found


def current_step_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """While the project is RUNNING, its ``currentStep`` is in the step list, and not INIT
    there (judged when the progress calls on either side of the list agree). Compatible:
    under either name of a V3-era / V4 pair (``FULL_MIGRATION`` finds ``FULL_TRANSFER``);
    strict: under its own."""
    found = []
    for one in rounds:
        settled = one.settled()
        if settled is None or not isinstance(one.steps.result, list):
            continue
        data = settled[0]
        current = data.get("currentStep")
        if data.get("status") != facts.RUNNING or not isinstance(current, str):
            continue
        listed = {s.get("name"): s for s in one.step_list()}
        step = listed.get(current)
        if step is None and level is Level.COMPATIBLE:  # the name's other spelling
            step = next((listed[n] for n in facts.step_spellings(current) if n in listed), None)
        problem = None
        if step is None:
            names = ", ".join(str(n) for n in listed)
            problem = f"currentStep {current} is not in the step list ({names})"
        elif step.get("status") == "INIT":
            problem = f"currentStep {current} is INIT in the step list while the project runs"
        if problem is not None:
            found.append(Violation(Rule.V4_STEP_CURRENT, problem, one.steps, one.before))
    return found


def _between(value: int | float, a: int | float, b: int | float) -> bool:
    return min(a, b) <= value <= max(a, b)


def figures_violations(rounds: Sequence[Round], level: Level = Level.COMPATIBLE) -> list[Violation]:
    """The step list and the progress call tell the same figures: FULL_TRANSFER's progress
    is ``fullTransferProgress`` (strict: STRUCT_TRANSFER's ``structTransferProgress``
    too), and an incremental step's ``stepInfo.incrTimestampCheckpoint`` is the progress
    call's checkpoint of that sync, when both give one. The value of the step list lies
    between the two progress answers around it (equal, when they are); at the compatible
    level a checkpoint may also trail them by up to ``STEP_CHECKPOINT_SAMPLE_LAG`` seconds
    (a sample: "the sample trails the checkpoint by a few seconds")."""
    table = facts.STRICT_STEP_PROGRESS if level is Level.STRICT else facts.STEP_PROGRESS
    # compatible: a step's checkpoint may be a sample (stepInfo.checkpointSampleTimestamp),
    # older than the progress call's by up to STEP_CHECKPOINT_SAMPLE_LAG seconds
    checkpoints = set(facts.STEP_CHECKPOINTS.values()) if level is Level.COMPATIBLE else set()
    found = []
    for one in rounds:
        settled = one.settled()
        if settled is None:
            continue
        before, after = settled
        for step in one.step_list():
            name = step.get("name")
            if not isinstance(name, str):
                continue
            pairs: list[tuple[str, Any, str]] = []
            if name in table:
                pairs.append((f"{name} progress", step.get("progress"), table[name]))
            info = step.get("stepInfo")
            if name in facts.STEP_CHECKPOINTS and isinstance(info, dict):
                field = facts.STEP_CHECKPOINT_FIELD
                pairs.append((f"{name} {field}", info.get(field), facts.STEP_CHECKPOINTS[name]))
            for what, raw, field in pairs:
                value, a, b = number(raw), number(before.get(field)), number(after.get(field))
                if value is None or a is None or b is None or _between(value, a, b):
                    continue
                lag = facts.STEP_CHECKPOINT_SAMPLE_LAG if field in checkpoints else 0
                if lag and min(a, b) - lag <= value <= max(a, b):
                    continue  # a sample, trailing the checkpoint
                said = _shown(before.get(field))
                if a != b:
                    said = f"between {said} and {_shown(after.get(field))}"
                if lag:
                    said += f" (a sample may trail it by {lag} s at most)"
                found.append(
                    Violation(
                        Rule.V4_STEP_FIGURES,
                        f"{what} is {_shown(raw)} but the progress call's {field} is {said}",
                        one.steps,
                        one.before,
                    )
                )
    return found


def failed_reason_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A FAILED step says why: its ``extraInfo`` has an ``errorMsg``, ``errorCode`` or
    ``errorDetails`` (they are "all null unless failed"; ODC fails a task with the failed
    precheck's ``errorMsg``)."""
    found = []
    for one, step, name, status in _steps(rounds):
        if status != "FAILED":
            continue
        info = step.get("extraInfo")
        given = isinstance(info, dict) and any(
            info.get(field) not in (None, "", [], {}) for field in facts.STEP_REASON_FIELDS
        )
        if not given:
            found.append(
                Violation(
                    Rule.V4_STEP_FAILED_REASON,
                    f"step {name} is FAILED without a reason: extraInfo {_shown(info)} has "
                    f"no {', '.join(facts.STEP_REASON_FIELDS)}",
                    one.steps,
                )
            )
    return found


def finished_project_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """A FINISHED project's steps are over (judged when the progress calls on either side
    of the list both say FINISHED): none is still RUNNING, FAILED, SUSPEND or MONITORING.
    A client such as ODC stops at FINISHED, so a step still at work there is work it never
    sees done. Strict: every step is FINISHED."""
    found = []
    for one in rounds:
        settled = one.settled()
        if settled is None or settled[0].get("status") != "FINISHED":
            continue
        for step in one.step_list():
            name, status = step.get("name"), step.get("status")
            if level is Level.STRICT:
                wrong = status != facts.STEP_DONE
            else:
                wrong = status in facts.STEP_AT_WORK
            if wrong:
                found.append(
                    Violation(
                        Rule.V4_STEP_FINISHED_PROJECT,
                        f"step {name} is {status} while the project is FINISHED",
                        one.steps,
                        one.before,
                    )
                )
    return found


def stays_finished_violations(
    rounds: Sequence[Round], level: Level = Level.COMPATIBLE
) -> list[Violation]:
    """While the project stays RUNNING, a FINISHED step stays FINISHED (a step is done when
    FINISHED at 100; only a failed step is allowed to recover). A round in which a progress
    call shows another status (a suspend, a failure, a resume) starts afresh: a new run may
    redo a step."""
    found = []
    done: dict[str, Response] = {}  # step -> the step list that showed it FINISHED
    for one in rounds:
        shown = [p.data.get("status") if p.data else None for p in (one.before, one.after) if p]
        if not shown or any(status != facts.RUNNING for status in shown):
            done.clear()
            continue
        for step in one.step_list():
            name, status = step.get("name"), step.get("status")
            if not isinstance(name, str):
                continue
            if status == facts.STEP_DONE:
                done[name] = one.steps
            elif name in done:
                found.append(
                    Violation(
                        Rule.V4_STEP_STAYS_FINISHED,
                        f"step {name} was FINISHED and is {status} again at "
                        f"{_shown(step.get('progress'))} %, while the project stayed RUNNING",
                        one.steps,
                        done.pop(name),
                    )
                )
    return found


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class RoundRule(Protocol):
    def __call__(
        self, rounds: Sequence[Round], level: Level = Level.COMPATIBLE
    ) -> list[Violation]: ...


STEP_RULES: Mapping[Rule, RoundRule] = MappingProxyType(
    {
        Rule.V4_STEP_FINISHED: finished_step_violations,
        Rule.V4_STEP_MONITORING: monitoring_violations,
        Rule.V4_STEP_TIMES: step_time_violations,
        Rule.V4_STEP_DISABLED: disabled_step_violations,
        Rule.V4_STEP_CURRENT: current_step_violations,
        Rule.V4_STEP_FIGURES: figures_violations,
        Rule.V4_STEP_FAILED_REASON: failed_reason_violations,
        Rule.V4_STEP_FINISHED_PROJECT: finished_project_violations,
        Rule.V4_STEP_STAYS_FINISHED: stays_finished_violations,
    }
)


def round_violations(rounds: Sequence[Round], level: Level = Level.COMPATIBLE) -> list[Violation]:
    """Every step rule over a project's rounds."""
    return [v for rule in STEP_RULES.values() for v in rule(rounds, level)]
