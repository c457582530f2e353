"""Which fault a poll gets: the injected ones first (the project's, then the global ones,
newest first in each), then the scenario's rules. Pure: time is handed in."""

from __future__ import annotations

from mock_oms.faults.injections import Active, Injections
from mock_oms.faults.model import DEFAULT_MAX_DELAY, Fault
from mock_oms.faults.rules import Choice, Rule, needs_draw, pick, resolve, stream

__all__ = ["FaultChooser"]


class FaultChooser:
    """The fault choices of one server: its fault seed, the longest delay it allows, and
    the faults injected into it."""

    def __init__(
        self,
        seed: int = 0,
        max_delay: float = DEFAULT_MAX_DELAY,
        injections: Injections | None = None,
    ) -> None:
        self.seed = seed
        self.max_delay = max_delay
        self.injections = injections if injections is not None else Injections()

    def _injected(self, project_id: str | None, poll: int | None, now: float) -> Choice | None:
        covering, poll = self.injections.take(project_id, poll, now)
        for active in covering:
            chosen = self._fire(active, project_id or "", poll)
            if chosen is not None:
                return chosen
        return None

    def _fire(self, active: Active, project: str, poll: int) -> Choice | None:
        injection = active.injection
        rng = None
        if needs_draw(injection.delay, injection.fault, injection.probability):
            rng = stream(self.seed, project, poll, active.key)
            if injection.probability is not None and rng.random() >= injection.probability:
                return None
        return resolve(injection.fault, injection.delay, rng, self.max_delay, active.key)

    def choose(
        self,
        rules: tuple[Rule, ...],
        project_id: str,
        poll: int,
        phase: int,
        elapsed: float,
        now: float,
    ) -> Choice | None:
        """The fault of the ``poll``-th poll of a project (None: answer normally)."""
        if self.injections.armed:
            chosen = self._injected(project_id, poll, now)
            if chosen is not None:
                return chosen
        if not rules:
            return None
        return pick(
            rules,
            seed=self.seed,
            project=project_id,
            poll=poll,
            phase=phase,
            elapsed=elapsed,
            max_delay=self.max_delay,
        )

    def choose_global(self, now: float) -> Choice | None:
        """The fault of a request that polls no project (unknown ID, bad path)."""
        return self._injected(None, None, now) if self.injections.armed else None

    def entry_choice(self, fault: Fault, project_id: str, poll: int, key: str) -> Choice:
        """A recorded fault (a replay entry's), resolved with the same seeded draws."""
        rng = stream(self.seed, project_id, poll, key) if needs_draw(None, fault, None) else None
        return resolve(fault, None, rng, self.max_delay, key)
