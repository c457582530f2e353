"""What the robustness harness serves: scenarios counted in polls, with the faults their
polls meet, and unknown projects."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.core.kinds import Kind
from mock_oms.strategies import (
    TRANSIENT,
    FaultName,
    FaultSpec,
    fault_sequences,
    scenarios,
    settled_outcomes,
    with_faults,
)

CASE_SCENARIO = "harness-case"
Outcome = str | None


@dataclass(frozen=True)
class Case:
    """What the harness serves to the client: a scenario, or a project that does not exist.

    ``faults``: what the project's successive polls meet (item N-1 is the Nth poll's
    fault, None a normal answer), as :func:`mock_oms.strategies.fault_sequences` draws
    them. They reach the server as the scenario's fault rules (:meth:`document`); a project
    that does not exist has none.
    """

    scenario: dict[str, Any]
    missing: bool = False
    faults: tuple[FaultSpec | None, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", tuple(self.faults))

    @property
    def kind(self) -> Kind:
        return Kind(self.scenario["kind"])

    def document(self) -> dict[str, Any]:
        """The scenario document the server plays: the scenario with its faults as rules."""
        return with_faults(self.scenario, self.faults)

    def truth(self) -> frozenset[Outcome]:
        """The conclusions a correct client may reach (faults change none of them)."""
        return frozenset({None}) if self.missing else settled_outcomes(self.scenario)


def client_cases(
    *,
    max_phases: int = 6,
    max_polls: int = 5,
    max_faults: int = 3,
    fault_polls: int = 10,
    max_delay: float = 0.1,
    fault_kinds: Collection[FaultName] = TRANSIENT,
) -> SearchStrategy[Case]:
    """Cases for :func:`check_client`: scenarios counted in polls whose first settled status
    stays true (FAILED is never resumed), one in ten asking about an unknown project.

    A scenario's project meets up to ``max_faults`` faults on its first ``fault_polls``
    polls, of ``fault_kinds`` (:data:`~mock_oms.strategies.TRANSIENT`: all but deliberate
    contract deviations), none making the client wait longer than ``max_delay`` seconds
    (latency, hangs, Retry-After); ``max_faults=0`` serves none. Shrinks towards a project
    that waits in INIT forever, without faults, else with fewer and simpler ones (a
    plain 500 on the first poll).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        scenario = draw(
            scenarios(
                timing="polls",
                max_phases=max_phases,
                max_polls=max_polls,
                resumable=False,
                name=CASE_SCENARIO,
            )
        )
        missing = draw(st.integers(0, 9)) == 9
        if missing or max_faults == 0:
            return Case(scenario, missing)
        faults = draw(
            fault_sequences(
                scenario["kind"],
                allow=fault_kinds,
                max_polls=fault_polls,
                max_faults=max_faults,
                max_delay=max_delay,
            )
        )
        return Case(scenario, missing, tuple(faults))

    return build()


def check_case(case: Case) -> None:
    """Refuse a case the harness cannot play poll for poll."""
    timeline = case.scenario["timeline"]
    if any("seconds" in phase for phase in timeline[:-1]):
        raise ValueError("the harness plays phases counted in polls; this case has seconds")
    if case.missing and any(f is not None for f in case.faults):
        raise ValueError("faults are served as a scenario's rules; a missing project has none")
