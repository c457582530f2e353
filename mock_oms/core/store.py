"""The projects a server holds: which scenario serves an ID, and each project's state.

No web imports: the web layer asks the store and serializes what it answers. All state
changes happen under one lock, and each project's state is an immutable value swapped in
whole, so a reader never sees half of a change.

A store holds at most ``max_projects`` projects. At the cap, a new project makes room by
evicting the least recently polled ``NAME~suffix`` instance (``on_evict`` is told, so
that the server can say so); a scenario's own names and listed IDs are never refused (there
are only as many as the library names). When no instance is left to evict, a new instance
or a created project is refused.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from mock_oms.core import engine, replay
from mock_oms.core.clock import Clock
from mock_oms.core.engine import Compiled, ProjectState, Snapshot
from mock_oms.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    ParamError,
    ProjectNotFound,
)
from mock_oms.core.kinds import Kind, progress_path
from mock_oms.core.library import Library
from mock_oms.core.lifecycle import Action, Importance
from mock_oms.core.scenario import Scenario

__all__ = [
    "DEFAULT_MAX_PROJECTS",
    "INSTANCE_SEPARATOR",
    "PROJECT_ID",
    "PROJECT_ID_MAX",
    "Evicted",
    "Origin",
    "Page",
    "Project",
    "Store",
    "check_project_id",
    "well_formed",
]

PROJECT_ID_MAX = 128
# A letter or digit, then letters, digits, '_', '-', '.', and '~' (which separates a
# scenario name from an instance name).
PROJECT_ID = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.~-]{{0,{PROJECT_ID_MAX - 1}}}")
INSTANCE_SEPARATOR = "~"
DEFAULT_MAX_PROJECTS = 100_000


def well_formed(project_id: str) -> bool:
    """Whether ``project_id`` is an ID a poll can name."""
    return PROJECT_ID.fullmatch(project_id) is not None


def check_project_id(project_id: str) -> str:
    """``project_id`` when well formed, else :class:`ParamError` saying why."""
    if not project_id:
        raise ParamError("projectId is empty")
    if len(project_id) > PROJECT_ID_MAX:
        raise ParamError(f"projectId is longer than {PROJECT_ID_MAX} characters")
    if PROJECT_ID.fullmatch(project_id) is None:
        raise ParamError(
            "projectId must start with a letter or digit and hold only letters, digits and _ - . ~"
        )
    return project_id


class Origin(StrEnum):
    NAMED = "named"  # the scenario's own name, or an ID the scenario lists
    INSTANCE = "instance"  # NAME~anything, created at its first poll
    CONTROL = "control"  # created through the control API


@dataclass
class Project:
    """A project's identity and its current state (swapped whole on every change)."""

    id: str
    scenario: str
    origin: Origin
    state: ProjectState
    polls: int = 0  # polls answered since it started: numbers them for faults and replays
    name: str | None = None  # the name a V4 CreateProject gave it (None: its ID)
    hold: bool = False  # it waits in INIT for a start action (created through the V4 API)
    seq: int = 0  # the how-manieth project the store made: orders and pages the listing
    kind: Kind = field(init=False)  # which endpoint serves it (read on every poll)

    def __post_init__(self) -> None:
        self.kind = self.state.scenario.kind


@dataclass(frozen=True, slots=True)
class Evicted:
    """A project evicted to make room, and for which one."""

    project: Project
    instances: int  # the instances held before it went
    for_id: str  # the project that took its place


@dataclass(frozen=True, slots=True)
class Page:
    """Some of the projects, in the order they were made; ``after``: the cursor of the
    next page (None: this was the last)."""

    projects: list[Project]
    after: int | None
    total: int


@dataclass
class Store:
    library: Library
    clock: Clock
    epoch: float  # Unix seconds at clock time 0
    max_projects: int = DEFAULT_MAX_PROJECTS
    on_evict: Callable[[Evicted], None] | None = None  # told under the store's lock
    _projects: dict[str, Project] = field(default_factory=dict)
    # the NAME~suffix instances, least recently polled first: who goes at the cap
    _instances: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _made: int = 0
    _compiled: dict[str, Compiled] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- scenarios ---------------------------------------------------------------------

    def scenario(self, name: str) -> Scenario:
        try:
            return self.library.scenarios[name]
        except KeyError:
            raise NotFound(self.library.missing(name)) from None

    def replace_library(self, library: Library) -> None:
        """Serve ``library`` from now on. Running projects keep playing what they started
        with; a reset restarts them on the new version."""
        with self._lock:
            self.library = library
            self._compiled = {}

    def _compile(self, name: str) -> Compiled:
        compiled = self._compiled.get(name)
        if compiled is None:
            compiled = self._compiled[name] = engine.compile_scenario(self.scenario(name))
        return compiled

    # -- projects ----------------------------------------------------------------------

    def _scenario_for(self, project_id: str) -> tuple[str, Origin] | None:
        library = self.library
        if project_id in library.scenarios:
            return project_id, Origin.NAMED
        if project_id in library.aliases:
            return library.aliases[project_id], Origin.NAMED
        name, sep, rest = project_id.partition(INSTANCE_SEPARATOR)
        if sep and rest and name in library.scenarios:
            return name, Origin.INSTANCE
        return None

    def _new(
        self, project_id: str, name: str, origin: Origin, t: float, hold: bool = False
    ) -> Project:
        if len(self._projects) >= self.max_projects and origin is not Origin.NAMED:
            self._make_room(project_id)
        state = engine.start(self._compile(name), project_id, t, self.epoch, hold=hold)
        self._made += 1
        project = Project(project_id, name, origin, state, seq=self._made)
        self._projects[project_id] = project
        if origin is Origin.INSTANCE:
            self._instances[project_id] = None
        return project

    def _make_room(self, for_id: str) -> None:
        """Evict the least recently polled instance, or refuse when there is none."""
        if not self._instances:
            raise ParamError(
                f"mock-oms holds {self.max_projects} projects already and none of them is a "
                "NAME~suffix instance it could evict; delete some, reset it or raise "
                "--max-projects"
            )
        instances = len(self._instances)
        victim_id, _ = self._instances.popitem(last=False)
        victim = self._projects.pop(victim_id)
        if self.on_evict is not None:
            self.on_evict(Evicted(victim, instances, for_id))

    def _forget(self, project_id: str) -> Project | None:
        self._instances.pop(project_id, None)
        return self._projects.pop(project_id, None)

    def _get(self, project_id: str, t: float, create: bool = True) -> Project:
        project = self._projects.get(project_id)
        if project is None:
            found = self._scenario_for(project_id) if create else None
            if found is None:
                raise ProjectNotFound(project_id)
            project = self._new(project_id, *found, t)
        return project

    def poll(self, project_id: str, kind: Kind | None) -> tuple[Project, Snapshot]:
        """What a client polling ``project_id`` on the ``kind`` endpoint is shown now
        (``kind`` None: the V4 API, which serves projects of both kinds)."""
        with self._lock:
            project = self._projects.get(project_id)
            if project is None:
                found = self._scenario_for(project_id)
                if found is None:
                    raise ProjectNotFound(project_id, advice=self._unknown_advice(project_id))
                served = self.library.scenarios[found[0]].kind
                if kind is not None and served is not kind:
                    raise ProjectNotFound(project_id, advice=_other_kind(project_id, served))
                project = self._new(project_id, *found, self.clock.now())
            elif kind is not None and project.kind is not kind:
                raise ProjectNotFound(project_id, advice=_other_kind(project_id, project.kind))
            elif project.origin is Origin.INSTANCE:
                self._instances.move_to_end(project_id)  # the most recently polled
            project.state, snap = engine.poll(project.state, self.clock.now())
            project.polls += 1
            return project, snap

    def _unknown_advice(self, project_id: str) -> str | None:
        """A misspelt scenario name in an unknown ID: say which one was meant."""
        name = project_id.partition(INSTANCE_SEPARATOR)[0]
        said = self.library.missing(name)
        if "did you mean" not in said:
            return None
        return f"{said[0].upper()}{said[1:]} (any SCENARIO~NAME is a fresh instance of it)"

    def observe(self, project_id: str, *, create: bool = False) -> tuple[Project, Snapshot]:
        """The project's current state, without counting a poll (and without creating it,
        unless ``create``: a V4 read of a scenario's project starts it as a poll would)."""
        with self._lock:
            project = self._get(project_id, self.clock.now(), create=create)
            project.state, snap = engine.observe(project.state, self.clock.now())
            recording = project.state.scenario.replay
            if recording is not None:  # what the recording shows, not the placeholder phase
                index = replay.entry_at(recording, project.polls, snap.elapsed)
                snap = replay.snapshot(recording, index, snap)
            return project, snap

    def read(
        self, project_id: str, *, create: bool = True
    ) -> tuple[Project, ProjectState, Snapshot]:
        """What :meth:`observe` answers, with the state the snapshot was made from (taken
        under the same lock: the step list is read from it)."""
        with self._lock:
            project, snap = self.observe(project_id, create=create)
            return project, project.state, snap

    def serves(self, project_id: str) -> bool:
        """Whether polling ``project_id`` reaches a project (started or not yet)."""
        with self._lock:
            return project_id in self._projects or (
                well_formed(project_id) and self._scenario_for(project_id) is not None
            )

    def __len__(self) -> int:
        return len(self._projects)

    def projects(self) -> list[Project]:
        with self._lock:
            return list(self._projects.values())

    def page(self, after: int = 0, limit: int = 100) -> Page:
        """At most ``limit`` projects made after the one numbered ``after`` (a cursor a
        previous page gave), oldest first: O(log n) to find, whatever the store holds."""
        with self._lock:
            held = list(self._projects.values())  # made in order: sorted by seq
        start = bisect.bisect_right(held, after, key=lambda p: p.seq)
        chosen = held[start : start + limit]
        more = start + limit < len(held)
        return Page(chosen, chosen[-1].seq if more and chosen else None, len(held))

    def create(
        self,
        scenario: str,
        project_id: str | None = None,
        *,
        hold: bool = False,
        name: str | None = None,
    ) -> Project:
        """A new project of ``scenario``, starting its story now (``hold``: waiting in INIT
        for a start action, as a project created through the V4 API does)."""
        with self._lock:
            self.scenario(scenario)
            if project_id is None:
                project_id = self._fresh_id(scenario)
            check_project_id(project_id)
            if project_id in self._projects:
                raise Conflict(f"project {project_id!r} exists already")
            found = self._scenario_for(project_id)
            if found is not None and found[0] != scenario:
                raise Conflict(f"project ID {project_id!r} belongs to scenario {found[0]!r}")
            project = self._new(project_id, scenario, Origin.CONTROL, self.clock.now(), hold)
            project.name = name
            project.hold = hold
            return project

    def _fresh_id(self, scenario: str) -> str:
        n = len(self._projects) + 1
        while f"{scenario}{INSTANCE_SEPARATOR}{n}" in self._projects:
            n += 1
        return f"{scenario}{INSTANCE_SEPARATOR}{n}"

    def delete(self, project_id: str) -> None:
        """Forget the project (a named one starts afresh at its next poll)."""
        with self._lock:
            if self._forget(project_id) is None:
                raise ProjectNotFound(project_id)

    def act(
        self,
        project_id: str,
        action: Action,
        *,
        step: str | None = None,
        importance: Importance | None = None,
        detail: str = "",
    ) -> tuple[Project, Snapshot]:
        with self._lock:
            t = self.clock.now()
            project = self._get(project_id, t)
            if project.state.scenario.replay is not None:
                raise ParamError(
                    f"project {project_id!r} replays a recording; actions do not apply to it",
                    advice="Reset or delete the project to replay the recording again.",
                )
            project.state = engine.act(
                project.state, action, t, step=step, importance=importance, detail=detail
            )
            project.state, snap = engine.observe(project.state, t)
            return project, snap

    def reset(self, project_id: str | None = None) -> int:
        """Start one project (or every project) afresh; returns how many were reset.

        Projects created through the control API restart on the current version of their
        scenario; the others are forgotten and start again at their next poll.
        """
        with self._lock:
            ids = list(self._projects) if project_id is None else [project_id]
            t = self.clock.now()
            for pid in ids:
                project = self._projects.get(pid)
                if project is None:
                    raise ProjectNotFound(pid)
                if project.origin is Origin.CONTROL and project.scenario in self.library.scenarios:
                    compiled = self._compile(project.scenario)
                    project.state = engine.start(compiled, pid, t, self.epoch, hold=project.hold)
                    project.kind = compiled.scenario.kind  # it may have been replaced
                    project.polls = 0
                else:
                    self._forget(pid)
            return len(ids)

    def advance(self, seconds: float) -> float:
        try:
            return self.clock.advance(seconds)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def set_speed(self, speed: float) -> None:
        try:
            self.clock.set_speed(speed)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None


def _other_kind(project_id: str, served: Kind) -> str:
    return (
        f"{project_id!r} exists as a {served.value} project: poll it at "
        f"{progress_path(served, project_id)}"
    )
