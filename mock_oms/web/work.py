"""Control work that may take long (reading an uploaded scenario, reloading the scenario
files): one job at a time per server, run in a thread of its own so that the event loop
keeps answering polls meanwhile.

A job holds the server's work slot, which a second job waits for (at most
:data:`SLOT_WAIT` seconds, then :class:`~mock_oms.core.errors.Busy`): one document in
memory at a time. While any job runs, the interpreter hands the GIL back to the event loop
every :data:`QUICK_SWITCH` seconds rather than every 5 ms, so that a poll waits for
parsing at most that long between two steps of its own, and the cyclic garbage collector
is paused (see :class:`_Switches`). The thread is a daemon: a server
told to stop does not wait for a job to finish.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, TypeVar

from mock_oms.core.errors import Busy

__all__ = ["QUICK_SWITCH", "SLOT_WAIT", "Work", "off_loop", "quick_switches"]

SLOT_WAIT = 10.0  # seconds a job waits for the slot (well below --body-timeout)
QUICK_SWITCH = 0.0005  # seconds: the GIL switch interval while a job runs

_T = TypeVar("_T")


class Work:
    """The work slot of one server."""

    def __init__(self) -> None:
        self._slot = threading.Lock()

    @property
    def busy(self) -> bool:
        return self._slot.locked()

    @asynccontextmanager
    async def slot(self, wait: float = SLOT_WAIT) -> AsyncIterator[None]:
        """Hold the slot for a job; :class:`Busy` when another holds it for ``wait`` s."""
        deadline = time.monotonic() + wait
        while not self._slot.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise Busy(
                    "another scenario is being loaded; try again when it is done", retry_after=2
                )
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            self._slot.release()


class _Switches:
    """While any job runs: the process's GIL switch interval shortened, and its cyclic
    garbage collector paused (a full collection walks every object a large document made,
    holding the GIL for hundreds of milliseconds; the job's objects are freed by reference
    counting anyway). Jobs of several servers in one process may overlap: the first job
    changes both, the last restores them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs = 0
        self._before = sys.getswitchinterval()
        self._collecting = gc.isenabled()

    @contextmanager
    def quick(self) -> Iterator[None]:
        with self._lock:
            if self._jobs == 0:
                self._before = sys.getswitchinterval()
                self._collecting = gc.isenabled()
                sys.setswitchinterval(min(self._before, QUICK_SWITCH))
                gc.disable()
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1
                if self._jobs == 0:
                    sys.setswitchinterval(self._before)
                    if self._collecting:
                        gc.enable()


_SWITCHES = _Switches()  # the interpreter has one switch interval: so has this module
quick_switches = _SWITCHES.quick


async def off_loop(fn: Callable[..., _T], *args: Any) -> _T:
    """``fn(*args)`` in a daemon thread, awaited without blocking the event loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # the request was cancelled (a server stopping)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        with quick_switches():
            try:
                result: Any = fn(*args)
                error: BaseException | None = None
            except BaseException as exc:
                result, error = None, exc
        with suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="mock-oms control work", daemon=True).start()
    return await future
