"""The bundled failure scenarios do what their descriptions say (read from the journal labels
of the replies, so that nothing waits for real)."""

from __future__ import annotations

from collections import Counter

import pytest

from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.web.app import MockOms, create_app


@pytest.fixture(scope="module")
def seeded() -> MockOms:
    """One app for the module (its own seed: the draws these tests expect)."""
    return create_app(Settings(clock=ClockMode.MANUAL, seed=5))


def labels(app: MockOms, project: str, polls: int, step: float = 0.0) -> list[str | None]:
    out = []
    for _ in range(polls):
        out.append(
            app.oms.answer("GET", f"/api/omsp/v2/migrations/{project}/progress".encode()).fault
        )
        if step:
            app.runtime.store.advance(step)
    return out


def test_flaky_network(seeded: MockOms) -> None:
    seen = Counter(labels(seeded, "flaky-network~t", 400))
    assert 0.08 < seen["status:503"] / 400 < 0.22
    assert 0.01 < seen["reset"] / 400 < 0.1
    assert set(seen) == {None, "status:503", "reset"}


def test_rate_limited(seeded: MockOms) -> None:
    seen = labels(seeded, "rate-limited~t", 9)
    assert seen == [None, None, "status:429"] * 3  # the full migration has not begun


def test_slow_service(seeded: MockOms) -> None:
    before = labels(seeded, "slow-service~t", 20)
    assert all(x is not None and x.startswith("latency:") for x in before)
    assert all(0.5 <= float(str(x).split(":")[1]) <= 2 for x in before)
    seeded.runtime.store.advance(100)  # into the full migration
    during = [float(str(x).split(":")[1]) for x in labels(seeded, "slow-service~t", 60)]
    assert any(d >= 8 for d in during)
    assert any(d <= 2 for d in during)


def test_malformed_body(seeded: MockOms) -> None:
    seen = Counter(labels(seeded, "malformed-body~t", 400))
    assert {
        "not-json",
        "truncate",
        "content-type:text/html",
        "deviation:missing:data.status",
    } <= set(seen)
    assert seen[None] > 200


def test_outage_then_recovery(seeded: MockOms) -> None:
    project = "outage-then-recovery~t"
    assert labels(seeded, project, 5) == [None] * 5
    seeded.runtime.store.advance(60)
    outage = labels(seeded, project, 60, step=2)  # 60 s to 180 s
    assert all(x is not None for x in outage)
    assert {x.split("+")[0] for x in outage if x} <= {
        "status:503",
        "status:502",
        "status:504",
        "reset",
    }
    recovery = labels(seeded, project, 30, step=2)  # 180 s to 240 s
    assert set(recovery) == {None, "error:INNER_ERROR"}
    assert labels(seeded, project, 10) == [None] * 10


def test_recorded_outage_replays_on_scenario_time(seeded: MockOms) -> None:
    project = "recorded-outage~t"
    seen = labels(seeded, project, 11, step=2)  # at 0, 2, ... 20 s
    assert seen == [None] * 4 + ["status:502", *["status:504"] * 3, "reset", "status:503", None]
    seeded.runtime.store.advance(60)
    assert labels(seeded, project, 1) == [None]
    assert seeded.runtime.store.observe(project)[1].status.value == "FINISHED"


def test_a_recorded_slow_answer_is_replayed_slow(seeded: MockOms) -> None:
    seeded.oms.answer("GET", b"/api/omsp/v2/migrations/recorded-outage~slow/progress")
    seeded.runtime.store.advance(10)
    reply = seeded.oms.answer("GET", b"/api/omsp/v2/migrations/recorded-outage~slow/progress")
    assert reply.status == 504
    assert reply.plan is not None
    assert reply.plan.delay == pytest.approx(5.005)
