"""A stateful contract test of mock-oms's lifecycle, driven through its control API.

:class:`LifecycleMachine` is a hypothesis ``RuleBasedStateMachine``: it creates projects,
moves the clock and applies legal and illegal actions in random order, and checks every
answer against :class:`Model`, a model of the lifecycle written here from the table of
``shared/guide/oms-api.md`` section 2, independently of ``mock_oms.lifecycle`` (checking
the server against its own table would prove nothing).

The machine plays three scenarios of its own (:func:`machine_scenarios`), whose timings
it knows: one that only actions move, one whose run finishes by itself, one whose run
fails by itself. Durations end on half seconds and the clock moves by whole seconds, so
no check ever lands on a phase boundary.

Use it against any mock-oms server, and subclass it to add rules or invariants::

    from hypothesis import settings
    from hypothesis.stateful import invariant, run_state_machine_as_test
    from contract_tests.machine import LifecycleMachine
    from mock_oms.client import ControlClient

    class MyMachine(LifecycleMachine):
        @invariant()
        def nobody_is_high(self) -> None:
            ...

    with ControlClient("http://127.0.0.1:8089") as client:
        machine = MyMachine.bind(client)   # loads the scenarios, makes the clock manual
        run_state_machine_as_test(machine, settings=settings(max_examples=20))
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from contract_tests.levels import Level
from contract_tests.rules import Response, parse_json, report, response_violations
from contract_tests.target import take_clock
from contract_tests.temporal import SESSION_RULES
from mock_oms.client import ControlClient, ControlError, progress_path
from mock_oms.core.kinds import Kind

# oms-api.md section 2: status -> {action: resulting status}. `fail` is mock-oms's way to
# make the service fail a running project (RUNNING -> FAILED happens by itself in OMS).
TABLE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "INIT": MappingProxyType({"start": "RUNNING", "delete": "DELETED"}),
        "RUNNING": MappingProxyType({"stop": "SUSPEND", "fail": "FAILED"}),
        "SUSPEND": MappingProxyType({"resume": "RUNNING", "release": "RELEASING"}),
        "FAILED": MappingProxyType({"resume": "RUNNING", "release": "RELEASING"}),
        "FINISHED": MappingProxyType({"release": "RELEASING"}),
        "RELEASING": MappingProxyType({}),
        "RELEASED": MappingProxyType({"delete": "DELETED"}),
        "DELETED": MappingProxyType({}),
    }
)
ACTIONS = ("start", "stop", "resume", "release", "delete", "fail")
ILLEGAL_ACTION_CODE = "GHANA-OPERAT000001"
MODEL_RULE = "lifecycle-model"

RELEASE_SECONDS = 10.5
IDLE, FINISHES, FAILS = (
    "contract-lifecycle-idle",
    "contract-lifecycle-finishes",
    "contract-lifecycle-fails",
)
# scenario -> (seconds its run lasts, the status it ends in); the idle one has no run.
RUNS: Mapping[str, tuple[float, str]] = MappingProxyType(
    {FINISHES: (30.5, "FINISHED"), FAILS: (20.5, "FAILED")}
)


def machine_scenarios() -> list[dict[str, Any]]:
    """The scenarios the machine plays (fresh documents on every call)."""
    return [
        {
            "name": IDLE,
            "description": "contract kit: waits in INIT; only actions move it",
            "kind": "migration",
            "release": {"seconds": RELEASE_SECONDS},
            "timeline": [{"status": "INIT", "step": "PRE_CHECK"}],
        },
        {
            "name": FINISHES,
            "description": "contract kit: once started, runs 30.5 s and finishes",
            "kind": "migration",
            "flags": {"struct": True, "full": True},
            "release": {"seconds": RELEASE_SECONDS},
            "timeline": [
                {"status": "INIT", "step": "PRE_CHECK"},
                {
                    "status": "RUNNING",
                    "step": "FULL_MIGRATION",
                    "seconds": RUNS[FINISHES][0],
                    "progress": {"struct": [0, 100], "full": [0, 100]},
                },
                {"status": "FINISHED", "step": "APP_SWITCH"},
            ],
        },
        {
            "name": FAILS,
            "description": "contract kit: once started, runs 20.5 s and fails",
            "kind": "sync",
            "flags": {"struct": True, "full": True, "incr": True},
            "release": {"seconds": RELEASE_SECONDS},
            "timeline": [
                {"status": "INIT", "step": "PRE_CHECK"},
                {
                    "status": "RUNNING",
                    "step": "FULL_MIGRATION",
                    "seconds": RUNS[FAILS][0],
                    "progress": {"full": [0, 40]},
                    "checkpoint": {"incr": {"mode": "follow", "lag": 2}},
                },
                {"status": "FAILED", "step": "FULL_MIGRATION", "importance": "HIGH"},
            ],
        },
    ]


@dataclass
class ModelProject:
    """What the model expects of one project.

    ``left``: seconds of the scripted run still to play (None: no timed run ahead, the
    project stays where it is unless an action moves it). ``paused``: a stop or fail
    interrupted the scripted run, and resume continues it.
    """

    scenario: str
    kind: Kind
    status: str = "INIT"
    left: float | None = None
    paused: bool = False
    release_left: float | None = None

    def legal(self) -> set[str]:
        return set(TABLE[self.status])

    def act(self, action: str) -> str | None:
        """Apply ``action``; the new status, or None when the table refuses it."""
        target = TABLE[self.status].get(action)
        if target is None:
            return None
        if action == "start":
            run = RUNS.get(self.scenario)
            self.left = run[0] if run else None
        elif action in ("stop", "fail"):
            self.paused = self.left is not None
        elif action == "resume":
            if not self.paused:
                self.left = None  # resumed off the script: runs until someone acts
            self.paused = False
        elif action == "release":
            self.left, self.paused, self.release_left = None, False, RELEASE_SECONDS
        self.status = target
        return target

    def advance(self, seconds: float) -> None:
        if self.status == "RUNNING" and self.left is not None:
            self.left -= seconds
            if self.left <= 0:
                self.status, self.left = RUNS[self.scenario][1], None
        elif self.status == "RELEASING" and self.release_left is not None:
            self.release_left -= seconds
            if self.release_left <= 0:
                self.status, self.release_left = "RELEASED", None


@dataclass
class Model:
    projects: dict[str, ModelProject] = field(default_factory=dict)


class LifecycleMachine(RuleBasedStateMachine):
    """Random walks through the lifecycle of mock-oms projects, checked against
    :class:`Model`. Bind it to a server with :meth:`bind` before running it."""

    client: ClassVar[ControlClient]
    auth: ClassVar[tuple[str, str] | None] = None
    level: ClassVar[Level] = Level.COMPATIBLE
    max_projects: ClassVar[int] = 4
    projects = Bundle("projects")

    @classmethod
    def bind(
        cls,
        client: ControlClient,
        *,
        auth: tuple[str, str] | None = None,
        level: Level = Level.COMPATIBLE,
    ) -> type[LifecycleMachine]:
        """A subclass that runs against ``client``'s server (``auth``: the OMS endpoints'
        credentials, when the server asks for them; ``level``: how strictly its polls
        are judged).

        Loads :func:`machine_scenarios` and makes the server's clock manual (the machine
        moves it), which also affects the other projects the server holds.
        """
        take_clock(client)
        for document in machine_scenarios():
            client.add_scenario(document)
        bound: type[LifecycleMachine] = type(
            cls.__name__,
            (cls,),
            {"client": client, "auth": auth, "level": level, "__module__": cls.__module__},
        )
        return bound

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.sessions: dict[str, list[Response]] = {}
        self.at = 0.0

    # -- steps --------------------------------------------------------------------------

    @initialize(target=projects, scenario=st.sampled_from([IDLE, FINISHES, FAILS]))
    def first_project(self, scenario: str) -> str:
        return self._create(scenario)

    @precondition(lambda self: len(self.model.projects) < self.max_projects)
    @rule(target=projects, scenario=st.sampled_from([IDLE, FINISHES, FAILS]))
    def create(self, scenario: str) -> str:
        return self._create(scenario)

    @rule(seconds=st.sampled_from([1, 2, 5, 10, 30]))
    def advance(self, seconds: int) -> None:
        self.client.advance(seconds)
        self.at += seconds
        for project in self.model.projects.values():
            project.advance(seconds)
        for pid in self.model.projects:
            self._poll(pid)

    @rule(project=projects, action=st.sampled_from(ACTIONS))
    def act(self, project: str, action: str) -> None:
        model = self.model.projects[project]
        before = model.status
        answer = self.client.act(project, action)
        expected = model.act(action)
        if expected is None:
            _expect(
                answer.get("success") is False and answer.get("code") == ILLEGAL_ACTION_CODE,
                f"{action} is illegal in {before}: expected an in-band refusal with code "
                f"{ILLEGAL_ACTION_CODE}, got {answer}",
            )
        else:
            _expect(
                answer.get("success") is True,
                f"{action} in {before} is legal (-> {expected}), but was refused: {answer}",
            )
            self._check_described(answer["data"], f"after {action} in {before}")
        self._poll(project)

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def sessions_keep_the_contract(self) -> None:
        for pid, session in self.sessions.items():
            found = [v for rule in SESSION_RULES.values() for v in rule(session, self.level)]
            assert not found, f"project {pid}:\n{report(found)}"

    def teardown(self) -> None:
        for pid in self.model.projects:
            with suppress(ControlError):
                self.client.delete(pid)

    # -- helpers ------------------------------------------------------------------------

    def _create(self, scenario: str) -> str:
        created = self.client.create(scenario)
        pid = str(created["projectId"])
        self.model.projects[pid] = ModelProject(scenario, Kind(created["kind"]))
        self.sessions[pid] = []
        self._check_described(created.to_json(), "when created")
        self._poll(pid)
        return pid

    def _check_described(self, described: dict[str, Any], when: str) -> None:
        """The control API's view of a project (status, legal actions) matches the model."""
        pid = str(described["projectId"])
        model = self.model.projects[pid]
        status, legal = described["status"], set(described["legalActions"])
        _expect(
            status == model.status,
            f"{pid} {when}: the lifecycle table leads to {model.status}, the server says {status}",
        )
        _expect(
            legal == model.legal(),
            f"{pid} {when}, in {status}: the server lists the legal actions {sorted(legal)}, "
            f"the lifecycle table says {sorted(model.legal())}",
        )

    def _poll(self, pid: str) -> None:
        model = self.model.projects[pid]
        session = self.sessions[pid]
        auth = httpx.BasicAuth(*self.auth) if self.auth else httpx.USE_CLIENT_DEFAULT
        reply = self.client.http.get(progress_path(model.kind, pid), auth=auth)
        response = Response(
            model.kind,
            pid,
            reply.status_code,
            parse_json(reply.content),
            reply.text,
            self.at,
            len(session),
            content_type=reply.headers.get("content-type", ""),
            server_time=float(self.client.clock()["unixNow"]),
        )
        session.append(response)
        found = response_violations(response, self.level)
        assert not found, report(found)
        data = response.data
        _expect(data is not None, f"polling {pid} failed: {response.shown()}")
        assert data is not None
        _expect(
            data["status"] == model.status,
            f"{pid}: the lifecycle table leads to {model.status}, a poll shows {data['status']}",
        )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"[{MODEL_RULE}] {message}")
