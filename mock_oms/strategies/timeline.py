"""Successive progress responses of one project, as a client polling it could see them."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Importance, Status
from mock_oms.strategies.common import (
    FLAG_FIELDS,
    PROGRESS_FIELDS,
    Document,
    allowed,
    kinds_of,
    successors,
)
from mock_oms.strategies.response import envelope

__all__ = ["timelines"]


@st.composite
def _timeline(
    draw: st.DrawFn, kind: Kind, min_size: int, max_size: int, start: Status | None
) -> list[Document]:
    flags = {
        "struct": draw(st.booleans()),
        "full": draw(st.booleans()),
        "incr": draw(st.booleans()),
        "reverse": draw(st.booleans()) and kind is Kind.MIGRATION,
    }
    steps = allowed(kind, flags)
    size = draw(st.integers(min_size, max_size))
    status = start if start is not None else draw(st.sampled_from(list(Status)))
    enabled = {PROGRESS_FIELDS[0]: flags["struct"], PROGRESS_FIELDS[1]: flags["full"]}

    def figure(name: str, low: int = 0) -> int:  # a phase that is off makes no progress
        return draw(st.integers(low, 100)) if enabled[name] else 0

    progress = {name: 0 if status is Status.INIT else figure(name) for name in PROGRESS_FIELDS}
    epoch = draw(st.integers(1_500_000_000, 2_000_000_000))
    checkpoints = {
        "incr": epoch if flags["incr"] else 0,
        "reverse": epoch if flags["reverse"] else 0,
    }
    importance = draw(st.sampled_from(list(Importance)))
    step = draw(st.sampled_from(steps))
    out: list[Document] = []
    previous: Status | None = None
    for _ in range(size):
        if previous is not None:
            status = draw(st.sampled_from([status, *successors(status)]))
        if status is Status.RUNNING:
            if previous is not None and previous is not Status.RUNNING and draw(st.booleans()):
                progress = {name: figure(name) for name in PROGRESS_FIELDS}  # a new run
            else:
                progress = {n: figure(n, v) for n, v in progress.items()}
            for name in checkpoints:
                if flags[name]:
                    checkpoints[name] += draw(st.integers(0, 600))
            step = draw(st.sampled_from([step, *steps]))
        if status is Status.FINISHED:
            for flag, name in (("struct", PROGRESS_FIELDS[0]), ("full", PROGRESS_FIELDS[1])):
                if flags[flag]:
                    progress[name] = 100
        importance = draw(st.sampled_from([importance, *Importance]))
        data: Document = {"status": status.value, "importance": importance.value}
        for name, flag in FLAG_FIELDS[kind].items():
            data[name] = flags[flag]
        data["currentStep"] = step
        data.update(progress)
        if kind is Kind.MIGRATION:
            data["incrSyncCheckpoint"] = checkpoints["incr"]
            data["reverseIncrSyncCheckpoint"] = checkpoints["reverse"]
        else:
            data["incrSyncCheckpoint"] = str(checkpoints["incr"])
        request_id = str(draw(st.uuids(version=4)))
        out.append(envelope(data, request_id, draw(st.integers(0, 2000))))
        previous = status
    return out


def timelines(
    kind: Kind | str | None = None,
    *,
    min_size: int = 1,
    max_size: int = 30,
    start: Status | str | None = None,
) -> SearchStrategy[list[Document]]:
    """Successive progress responses of one project, as a client polling it could see
    them: statuses move along legal transitions (one per poll at most), progress never
    decreases within a run, checkpoints never go back, a FINISHED project is complete,
    steps fit the flags. ``start``: the status of the first response (``"INIT"``: a
    project followed from its creation); by default any, as a client that starts
    following a project late sees it. Shrinks towards a short timeline that stays in INIT
    with every flag false."""
    if min_size < 1 or max_size < min_size:
        raise ValueError("timelines need 1 <= min_size <= max_size")
    first = None if start is None else Status(start)
    return st.one_of(*(_timeline(k, min_size, max_size, first) for k in kinds_of(kind)))
