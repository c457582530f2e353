"""Scenarios as text for people: a timeline table and a Mermaid state diagram."""

from __future__ import annotations

from mock_oms.core.lifecycle import Action
from mock_oms.core.scenario import Phase, Scenario, scripted_next
from mock_oms.faults.model import Latency
from mock_oms.faults.model import label as fault_label
from mock_oms.faults.rules import NO_END, Rule

__all__ = ["fault_lines", "mermaid", "replay_mermaid", "replay_table", "timeline"]


def _lasts(phase: Phase) -> str:
    if phase.seconds is not None:
        return f"{phase.seconds:g}s"
    if phase.polls is not None:
        return f"{phase.polls} poll{'s' if phase.polls != 1 else ''}"
    return "until an action"


def _span(span: tuple[int, int]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}->{span[1]}"


def _rule(phase: Phase, name: str) -> str:
    rule = getattr(phase, name)
    if rule.follows:
        return f"follow-{rule.lag:g}s"
    return "-" if rule.mode.value == "off" else "frozen"


def timeline(scenario: Scenario) -> str:
    flags = scenario.flags
    enabled = [n for n in ("struct", "full", "incr", "reverse") if getattr(flags, n)]
    ids = ", ".join([scenario.name, *scenario.projects])
    lines = [
        f"{scenario.name} ({scenario.kind.value}): {scenario.description}".rstrip(": "),
        f"  source: {scenario.source}",
        f"  enabled: {' '.join(enabled) or 'nothing'}; release takes "
        f"{scenario.release_seconds:g}s; project IDs: {ids} (and {scenario.name}~ANY)",
        "",
    ]
    header = (
        "#",
        "starts",
        "lasts",
        "status",
        "step",
        "struct",
        "full",
        "incr",
        "reverse",
        "alert",
        "note",
    )
    rows = [header]
    at: float | None = 0.0
    for phase in scenario.timeline:
        start = f"{at:g}s" if at is not None else "later"
        rows.append(
            (
                phase.label,
                start,
                _lasts(phase),
                phase.status.value,
                phase.step,
                _span(phase.struct),
                _span(phase.full),
                _rule(phase, "incr"),
                _rule(phase, "reverse"),
                phase.importance.value,
                phase.note + (f" (resume -> #{phase.resume})" if phase.resume is not None else ""),
            )
        )
        at = at + phase.seconds if at is not None and phase.seconds is not None else None
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append(("  " + "  ".join(cells) + "  " + str(row[-1])).rstrip())
    lines.extend(fault_lines(scenario))
    return "\n".join(lines)


def _seconds(span: tuple[float, float]) -> str:
    return f"{span[0]:g}s" if span[0] == span[1] else f"{span[0]:g}-{span[1]:g}s"


def _fault_rule(rule: Rule) -> str:
    when = []
    if rule.phase is not None:
        when.append(f"in phase #{rule.phase}")
    if rule.polls is not None:
        low, high = rule.polls
        when.append(
            f"on poll {low}" if low == high else f"on polls {low}..{high if high < NO_END else ''}"
        )
    if rule.every is not None:
        when.append(f"every {rule.every} polls")
    if rule.window is not None:
        when.append(f"from {rule.window[0]:g}s to {rule.window[1]:g}s")
    if rule.probability is not None:
        when.append(f"with probability {rule.probability:g}")
    what = fault_label(rule.fault)
    if isinstance(rule.fault, Latency):
        what += f" {_seconds((rule.fault.low, rule.fault.high))}"
    if rule.delay is not None:
        what += f" after {_seconds(rule.delay)}"
    return f"  {what}: {' '.join(when) or 'on every poll'}" + (
        f" ({rule.note})" if rule.note else ""
    )


def fault_lines(scenario: Scenario) -> list[str]:
    """The scenario's fault rules, in the order they are tried."""
    if not scenario.faults:
        return []
    return ["", "faults (the first that applies wins):", *(_fault_rule(r) for r in scenario.faults)]


def mermaid(scenario: Scenario) -> str:
    """The script as a Mermaid state diagram: one state per phase, edges for what moves on."""
    lines = ["stateDiagram-v2", "    direction LR"]
    timeline_ = scenario.timeline
    for phase in timeline_:
        lines.append(f"    p{phase.index}: {phase.status.value} {phase.step}")
    lines.append("    [*] --> p0")
    edges: dict[tuple[int, int], list[str]] = {}
    for phase in timeline_:
        nxt = phase.index + 1
        if nxt < len(timeline_) and not phase.waits:
            edges.setdefault((phase.index, nxt), []).append(f"after {_lasts(phase)}")
        for action in Action:
            target = scripted_next(phase, timeline_, action)
            if target is not None:
                edges.setdefault((phase.index, target), []).append(action.value)
    for (src, dst), labels in edges.items():
        lines.append(f"    p{src} --> p{dst}: {', or '.join(labels)}")
    last = timeline_[-1]
    if last.status.value == "DELETED":
        lines.append(f"    p{last.index} --> [*]")
    return "\n".join(lines)


def replay_table(scenario: Scenario) -> str:
    """A replay scenario's entries, one a line."""
    recording = scenario.replay
    assert recording is not None
    lines = [
        f"{scenario.name} (replay of the {scenario.kind.value} endpoint, mode "
        f"{recording.mode.value}): {scenario.description}".rstrip(": "),
        f"  source: {scenario.source}; {len(recording.entries)} entries",
        "",
    ]
    for i, entry in enumerate(recording.entries):
        if entry.fault is not None:
            what = f"fault {fault_label(entry.fault)}"
        elif entry.text is not None:
            what = f"{entry.status} text ({len(entry.text)} chars)"
        else:
            body = entry.document
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict):
                what = f"{entry.status} {data.get('status')} {data.get('currentStep')}"
            elif isinstance(body, dict):
                what = f"{entry.status} {body.get('code')}"
            else:
                what = f"{entry.status} body"
        lines.append(f"  #{i:<5} {entry.at:>9.3f}s  {what}  {entry.note}".rstrip())
    lines.extend(fault_lines(scenario))
    return "\n".join(lines)


def replay_mermaid(scenario: Scenario) -> str:
    """A replay as a Mermaid state diagram: the statuses its bodies show, in the order
    recorded, each change labelled with when it was first recorded."""
    recording = scenario.replay
    assert recording is not None
    lines = ["stateDiagram-v2", "    direction LR"]
    edges: dict[tuple[str, str], str] = {}
    previous = "[*]"
    for entry in recording.entries:
        body = entry.document if entry.has_body else None
        data = body.get("data") if isinstance(body, dict) else None
        status = data.get("status") if isinstance(data, dict) else None
        if not isinstance(status, str) or status == previous:
            continue
        label = "" if previous == "[*]" else f": at {entry.at:g}s"
        edges.setdefault((previous, status), label)
        previous = status
    if not edges:
        lines.extend(["    recorded: no status recorded", "    [*] --> recorded"])
    lines.extend(f"    {src} --> {dst}{label}" for (src, dst), label in edges.items())
    return "\n".join(lines)
