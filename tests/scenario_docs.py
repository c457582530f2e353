"""A hypothesis strategy for valid scenario documents that stress the engine: timed, counted
and waiting phases, resume targets, restarts of progress, checkpoint rules that change."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from mock_oms.core.kinds import Flags, Kind
from mock_oms.core.lifecycle import EDGES, Status, action_for
from mock_oms.core.steps import allowed_steps


@st.composite
def scenario_documents(draw: st.DrawFn, max_phases: int = 8) -> dict[str, Any]:
    kind = draw(st.sampled_from(Kind))
    flags = Flags(
        struct=draw(st.booleans()),
        full=draw(st.booleans()),
        incr=draw(st.booleans()),
        reverse=kind is Kind.MIGRATION and draw(st.booleans()),
    )
    steps = allowed_steps(kind, flags)
    n = draw(st.integers(1, max_phases))
    statuses = [draw(st.sampled_from([Status.INIT, Status.RUNNING, Status.INIT]))]
    while len(statuses) < n and statuses[-1] is not Status.DELETED:
        here = statuses[-1]
        options = [here, *sorted((dst for src, dst in EDGES if src is here), key=str)]
        statuses.append(draw(st.sampled_from(options)))

    phases: list[dict[str, Any]] = []
    figures = {"struct": 0, "full": 0}
    previous: Status | None = None
    for i, status in enumerate(statuses):
        nxt = statuses[i + 1] if i + 1 < len(statuses) else None
        phase: dict[str, Any] = {"status": status.value, "step": draw(st.sampled_from(steps))}
        may_wait = nxt is None or action_for(status, nxt) is not None
        duration = draw(
            st.sampled_from(["seconds", "polls", "wait"] if may_wait else ["seconds", "polls"])
        )
        if duration == "seconds":
            phase["seconds"] = draw(st.integers(1, 120))
        elif duration == "polls":
            phase["polls"] = draw(st.integers(1, 4))
        if status is Status.RUNNING:
            new_run = previous is not Status.RUNNING
            progress = {}
            for name in ("struct", "full"):
                if not getattr(flags, name):
                    continue
                low = 0 if new_run and draw(st.booleans()) else figures[name]
                start = draw(st.integers(low, 100)) if duration != "wait" else figures[name]
                if duration == "wait":
                    start = end = figures[name] if not new_run else draw(st.integers(low, 100))
                else:
                    end = draw(st.integers(start, 100))
                if nxt is Status.FINISHED:
                    if duration == "wait":
                        start = 100
                    end = 100
                progress[name] = [start, end]
                figures[name] = end
            if progress:
                phase["progress"] = progress
        checkpoint = {}
        for name, flag in (("incr", flags.incr), ("reverse", flags.reverse)):
            if flag and draw(st.booleans()):
                mode = draw(st.sampled_from(["follow", "freeze"]))
                lag = draw(st.integers(0, 60))
                checkpoint[name] = mode if draw(st.booleans()) else {"mode": mode, "lag": lag}
        if checkpoint:
            phase["checkpoint"] = checkpoint
        if draw(st.booleans()):
            phase["importance"] = draw(st.sampled_from(["HIGH", "MEDIUM", "LOW", "IGNORE"]))
        phases.append(phase)
        previous = status

    running = [i for i, s in enumerate(statuses) if s is Status.RUNNING]
    for i, status in enumerate(statuses):
        if status in (Status.SUSPEND, Status.FAILED) and running and draw(st.booleans()):
            target = draw(st.sampled_from(running))
            phases[target]["id"] = f"run{target}"
            phases[i]["resume"] = f"run{target}"
    return {
        "name": "generated",
        "kind": kind.value,
        "flags": {
            "struct": flags.struct,
            "full": flags.full,
            "incr": flags.incr,
            **({"reverse": flags.reverse} if kind is Kind.MIGRATION else {}),
        },
        "timeline": phases,
        "release": {"seconds": draw(st.integers(1, 30))},
    }
