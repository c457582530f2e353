"""What the robustness harness serves: scenarios counted in polls, with the faults their
polls meet, and unknown projects; the classic cases go with them."""

from __future__ import annotations

import weakref
from collections.abc import Collection

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.core.kinds import Kind
from mock_oms.strategies import (
    KINDS,
    TRANSIENT,
    FaultName,
    fault_sequences,
    scenarios,
)
from mock_oms.testing.case import CASE_SCENARIO, Case
from mock_oms.testing.classics import classic_cases

__all__ = ["classics_of", "client_cases"]

# The classic cases of each strategy client_cases made, served before its generated ones.
_CLASSICS: weakref.WeakKeyDictionary[SearchStrategy[Case], tuple[Case, ...]] = (
    weakref.WeakKeyDictionary()
)


def client_cases(
    *,
    kinds: Collection[Kind | str] = KINDS,
    max_phases: int = 6,
    max_polls: int = 5,
    max_faults: int = 3,
    fault_polls: int = 10,
    max_delay: float = 0.1,
    max_retry_after: float = 2,
    fault_kinds: Collection[FaultName] = TRANSIENT,
    statuses: Collection[int] | None = None,
    classics: bool = True,
) -> SearchStrategy[Case]:
    """Cases for :func:`check_client`: scenarios of ``kinds`` counted in polls whose first
    settled status stays true (FAILED is never resumed), one in ten asking about an
    unknown project.

    A scenario's project meets up to ``max_faults`` faults on its first ``fault_polls``
    polls, of ``fault_kinds`` (:data:`~mock_oms.strategies.TRANSIENT`: all but deliberate
    contract deviations), none making the client wait longer than ``max_delay`` seconds
    (latency, hangs); ``max_faults=0`` serves none. ``statuses``: the HTTP statuses the
    faults answer with, those your client treats as temporary (default: 500, 502, 503,
    504, 408 and 429). A 429 or 503 may ask for up to ``max_retry_after`` seconds of
    ``Retry-After``, which a client waits through ``target.sleep`` at no cost. Shrinks
    towards a project that waits in INIT forever, without faults, else with fewer and
    simpler ones (a plain 500 on the first poll).

    ``classics``: whether :func:`check_client` serves this strategy's classic cases first
    (one small case for each classic client bug, within the same options).
    """
    chosen = [Kind(k) for k in kinds]

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        scenario = draw(
            scenarios(
                kinds=chosen,
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
                statuses=statuses,
                max_retry_after=max_retry_after,
            )
        )
        return Case(scenario, missing, tuple(faults))

    strategy = build()
    if not classics:
        return strategy
    _CLASSICS[strategy] = tuple(
        classic_cases(
            kinds=chosen,
            max_phases=max_phases,
            max_faults=max_faults,
            max_delay=max_delay,
            max_retry_after=max_retry_after,
            fault_kinds=fault_kinds,
            statuses=statuses,
        )
    )
    return strategy


def classics_of(strategy: SearchStrategy[Case]) -> tuple[Case, ...]:
    """The classic cases that go with a strategy made by :func:`client_cases`."""
    return _CLASSICS.get(strategy, ())
