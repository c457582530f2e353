"""``/_mock/health`` and the scenario clock: ``/_mock/clock``, ``.../advance``, ``.../speed``."""

from __future__ import annotations

from fastapi import APIRouter

from mock_oms import __version__
from mock_oms.web.control.deps import RuntimeDep
from mock_oms.web.control.models import Advance, ClockState, Health, Speed
from mock_oms.web.runtime import Runtime

__all__ = ["advance", "clock_state", "get_clock", "health", "router", "set_speed"]

router = APIRouter(tags=["mock-oms control API"])


@router.get("/_mock/health")
async def health(runtime: RuntimeDep) -> Health:
    """200 while the server serves. Never needs a control token."""
    store = runtime.store
    return Health(version=__version__, scenarios=len(store.library), projects=len(store))


def clock_state(runtime: Runtime) -> ClockState:
    clock, epoch = runtime.clock, runtime.store.epoch
    now = clock.now()
    return ClockState(
        now=now, mode=clock.mode.value, speed=clock.speed, epoch=epoch, unix_now=epoch + now
    )


@router.get("/_mock/clock")
async def get_clock(runtime: RuntimeDep) -> ClockState:
    """The scenario clock."""
    return clock_state(runtime)


@router.post("/_mock/clock/advance")
async def advance(body: Advance, runtime: RuntimeDep) -> ClockState:
    """Move scenario time forward (under every clock; the only way under the manual one)."""
    runtime.store.advance(body.seconds)
    return clock_state(runtime)


@router.post("/_mock/clock/speed")
async def set_speed(body: Speed, runtime: RuntimeDep) -> ClockState:
    """Change the clock's speed from now on, without a jump (0 makes it manual)."""
    runtime.store.set_speed(body.speed)
    return clock_state(runtime)
