"""Does mock-oms play a scenario exactly as the document says?

Loads the document through the control API, starts a project on it, moves the manual
clock to a point just after each phase starts and into its middle, and compares each poll
with :mod:`contract_tests.oracle`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from contract_tests.oracle import expected_data, phase_at, plan, sample_times
from contract_tests.target import Target, take_clock
from mock_oms.core.kinds import Kind

RULE = "scenario-playback"


def playback_mismatches(
    target: Target, document: Mapping[str, Any], *, load: bool = True
) -> list[str]:
    """Each way the server departs from ``document`` (empty when it plays it exactly)."""
    control = target.control
    if control is None:
        raise ValueError("playback needs mock-oms's control API")
    if load:
        control.add_scenario(document)
    take_clock(control)
    clock = control.clock()
    created = control.create(str(document["name"]))
    pid, kind = str(created["projectId"]), Kind(created["kind"])
    base = float(clock["epoch"]) + float(clock["now"])
    phases = plan(document)
    found: list[str] = []
    elapsed = 0.0
    try:
        for index, tau in enumerate(sample_times(phases)):
            target.wait(tau - elapsed)
            elapsed = tau
            response = target.get(kind, pid, at=tau, index=index)
            phase = phase_at(phases, tau)
            where = f"at {tau:g} s (phase {phase.index}, {phase.status})"
            data = response.data
            if data is None:
                found.append(f"{where}: the poll failed: {response.shown()}")
                continue
            expected = expected_data(document, tau, base, phases)
            wrong = [
                f"{name} expected {json.dumps(value)}, got {json.dumps(data.get(name))}"
                for name, value in expected.items()
                if data.get(name) != value
            ]
            if wrong:
                found.append(f"{where}: " + "; ".join(wrong))
    finally:
        control.delete(pid)
    return found


def playback_report(document: Mapping[str, Any], mismatches: list[str]) -> str:
    lines = [f"[{RULE}] mock-oms does not play scenario {document['name']!r} as written:"]
    lines += [f"  {m}" for m in mismatches[:10]]
    if len(mismatches) > 10:
        lines.append(f"  ... and {len(mismatches) - 10} more")
    lines.append("the scenario:")
    lines.append(json.dumps(document, indent=2))
    return "\n".join(lines)
