"""The V4 lifecycle on projects the kit creates: CreateProject, then the lifecycle actions
(StartProject, StopProject, ResumeProject, ReleaseProject, DeleteProject), legal and
illegal, each checked against the lifecycle table of ``shared/guide/oms-api.md`` section 2
as :mod:`contract_tests.facts` writes it (never against mock-oms's own table).

Creating projects changes the server: against mock-oms the kit does it on scenarios of its
own (loaded through the control API, chosen by a ``scenario:NAME`` label); against another
server only when given a CreateProject body (``--create-body FILE``), since a real OMS needs
endpoints and a mapping the kit cannot invent, and a created project really migrates
until the kit releases it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract_tests import facts
from contract_tests.levels import Level
from contract_tests.rules import Response, Rule, Violation
from contract_tests.target import Target

LIFECYCLE_SCENARIO = "contract-v4-lifecycle"
# How long the kit waits for a status an action leads to (scenario seconds against
# mock-oms, where the clock is moved a second at a time; real seconds otherwise).
SETTLE_SECONDS = 120.0
SETTLE_STEP = 1.0
REAL_SETTLE_STEP = 2.0
# action -> its name in the lifecycle table
ACTION = facts.V4_LIFECYCLE_ACTIONS
BY_VERB = {verb: action for action, verb in ACTION.items()}
# What happens by itself after a status: RUNNING may finish or fail, RELEASING completes.
AFTERWARDS: Mapping[str, frozenset[str]] = {
    src: frozenset(dst for s, dst in facts.AUTOMATIC if s == src) for src in facts.STATUSES
}


def lifecycle_scenario() -> dict[str, Any]:
    """What the kit's projects play on mock-oms: once started, they run until an action
    moves them (and a release takes five seconds)."""
    return {
        "name": LIFECYCLE_SCENARIO,
        "description": "contract kit, V4: runs until an action moves it",
        "kind": "migration",
        "flags": {"struct": False, "full": True, "incr": True},
        "release": {"seconds": 5},
        "timeline": [
            {"status": "INIT", "step": "PRE_CHECK", "seconds": 5},
            {
                "status": "RUNNING",
                "step": "FULL_MIGRATION",
                "progress": {"full": 30},
                "checkpoint": {"incr": {"mode": "follow", "lag": 5}},
            },
        ],
    }


@dataclass
class Walk:
    """What the walk saw: every answer (judged by the per-answer rules too) and the ways
    the server departed from the lifecycle table."""

    responses: list[Response] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)


@dataclass
class _Walker:
    target: Target
    level: Level
    walk: Walk = field(default_factory=Walk)
    start: float = 0.0

    def call(self, action: str, project_id: str, *, retry: bool = True) -> Response:
        answer = self.target.call(
            action,
            {"id": project_id},
            project_id=project_id,
            at=self.target.now() - self.start,
            index=len(self.walk.responses),
            server_time=self.target.server_clock(),
            retry=retry,
        )
        self.walk.responses.append(answer)
        return answer

    def fail(
        self, message: str, response: Response | None, previous: Response | None = None
    ) -> None:
        self.walk.problems.append(Violation(Rule.V4_LIFECYCLE, message, response, previous))

    def status(self, project_id: str) -> tuple[str | None, Response]:
        """The project's status (None: the call failed), ``DELETED`` for a project the
        server no longer knows (a fake may forget a deleted project)."""
        answer = self.call(facts.DESCRIBE_PROGRESS, project_id)
        data = answer.data
        if data is not None:
            status = data.get("status")
            return (status if isinstance(status, str) else None), answer
        body = answer.body
        if isinstance(body, dict) and facts.UNKNOWN_PROJECT_CODE in str(body.get("message")):
            return "DELETED", answer
        return None, answer

    def settle(self, project_id: str, was: str, wanted: frozenset[str], why: str) -> str | None:
        """Wait until the project shows a status of ``wanted``; ``was`` (the action not yet
        applied) may show meanwhile, anything else is a problem."""
        waited = 0.0
        step = SETTLE_STEP if self.target.mock else REAL_SETTLE_STEP
        while True:
            status, answer = self.status(project_id)
            if status in wanted:
                return status
            if status is None:
                self.fail(f"{why}: the progress call failed", answer)
                return None
            if status != was:
                self.fail(f"{why}: the project shows {status}, expected {_names(wanted)}", answer)
                return None
            if waited >= SETTLE_SECONDS:
                self.fail(
                    f"{why}: the project still shows {status} after {waited:g} s, expected "
                    f"{_names(wanted)}",
                    answer,
                )
                return None
            self.target.wait(step)
            waited += step

    def legal(self, project_id: str, verb: str, status: str) -> str | None:
        """Apply a legal action; the status it settles in (None: a problem was found)."""
        action = BY_VERB[verb]
        answer = self.call(action, project_id, retry=False)
        why = f"{action} in {status} (legal: leads to {facts.LIFECYCLE[status][verb]})"
        if answer.body is None or not answer.envelope or answer.body.get("success") is not True:
            self.fail(f"{why} was refused", answer)
            return None
        target = facts.LIFECYCLE[status][verb]
        return self.settle(project_id, status, frozenset({target}) | AFTERWARDS[target], why)

    def illegal(self, project_id: str, verb: str, status: str) -> None:
        """An action the table does not allow in ``status`` is refused in band and changes
        nothing (strict: with ``GHANA-OPERAT000001``)."""
        action = BY_VERB[verb]
        answer = self.call(action, project_id, retry=False)
        why = f"{action} in {status} (illegal: from {status} only {_verbs(status)})"
        body = answer.body
        if answer.status_code != 200 or not answer.envelope or body.get("success") is not False:
            shown = json.dumps(body.get("success")) if isinstance(body, dict) else "no envelope"
            self.fail(
                f"{why}: expected an in-band refusal (HTTP 200, success false), got HTTP "
                f"{answer.status_code} with success {shown}",
                answer,
            )
        elif self.level is Level.STRICT and body.get("code") != facts.ILLEGAL_ACTION_CODE:
            self.fail(
                f"{why}: refused with code {json.dumps(body.get('code'))}, mock-oms promises "
                f"{facts.ILLEGAL_ACTION_CODE}",
                answer,
            )
        now, shown_status = self.status(project_id)
        if now is not None and now != status and now not in AFTERWARDS[status]:
            self.fail(f"{why}: refused, yet the project moved to {now}", shown_status, answer)

    def create(self, body: Mapping[str, Any]) -> str | None:
        """A new project (None: a problem was found); it must wait in INIT."""
        answer = self.target.call(
            facts.CREATE_PROJECT,
            body,
            at=self.target.now() - self.start,
            index=len(self.walk.responses),
            server_time=self.target.server_clock(),
            retry=False,
        )
        self.walk.responses.append(answer)
        created = answer.result
        if not isinstance(created, str) or not created:
            self.fail(f"CreateProject answered no project ID (data {json.dumps(created)})", answer)
            return None
        status, shown = self.status(created)
        if status != "INIT":
            self.fail(
                f"a project just created shows {status}, not INIT (it waits for StartProject)",
                shown,
                answer,
            )
            return None
        return created


def _names(statuses: frozenset[str]) -> str:
    return " or ".join(s for s in facts.STATUSES if s in statuses)


def _verbs(status: str) -> str:
    legal = [BY_VERB[v] for v in facts.LIFECYCLE[status]]
    return ", ".join(legal) if legal else "nothing"


def walk_lifecycle(
    target: Target, bodies: tuple[Mapping[str, Any], Mapping[str, Any]], level: Level
) -> Walk:
    """Two projects through the lifecycle, with ``bodies`` as their CreateProject bodies.

    The first: created (INIT; stop, resume and release refused), started (RUNNING; start
    and release refused), stopped (SUSPEND; start and stop refused), resumed, stopped
    again, released (RELEASING, then RELEASED by itself; resume refused), deleted. The
    second: created and deleted at once. A project that finishes or fails by itself on
    the way is released from there."""
    walker = _Walker(target, level, start=target.now())
    first = walker.create(bodies[0])
    if first is not None:
        _walk_first(walker, first)
    second = walker.create(bodies[1])
    if second is not None:
        walker.illegal(second, "release", "INIT")
        after = walker.legal(second, "delete", "INIT")
        if after == "DELETED":
            walker.illegal(second, "start", "DELETED")
    return walker.walk


def _walk_first(walker: _Walker, pid: str) -> None:
    for verb in ("stop", "resume", "release"):
        walker.illegal(pid, verb, "INIT")
    status = walker.legal(pid, "start", "INIT")
    if status == "RUNNING":
        walker.illegal(pid, "start", "RUNNING")
        walker.illegal(pid, "release", "RUNNING")
        status = walker.legal(pid, "stop", "RUNNING")
    if status == "SUSPEND":
        walker.illegal(pid, "start", "SUSPEND")
        walker.illegal(pid, "stop", "SUSPEND")
        status = walker.legal(pid, "resume", "SUSPEND")
    if status == "RUNNING":
        status = walker.legal(pid, "stop", "RUNNING")
    if status in ("SUSPEND", "FAILED", "FINISHED"):
        status = walker.legal(pid, "release", status)
    if status == "RELEASING":
        walker.illegal(pid, "resume", "RELEASING")
        status = walker.settle(pid, "RELEASING", frozenset({"RELEASED"}), "a release")
    if status == "RELEASED":
        walker.illegal(pid, "resume", "RELEASED")
        walker.legal(pid, "delete", "RELEASED")
