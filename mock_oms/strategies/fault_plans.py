"""Faults placed: a scenario's fault rules, bodies for the control API's injections, and
what the successive polls of one project meet."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.core.kinds import Kind
from mock_oms.strategies.common import Document
from mock_oms.strategies.fault import (
    FAULT_NAMES,
    IN_BAND_ERROR_CODES,
    TRANSIENT,
    FaultName,
    FaultSpec,
    faults,
)
from mock_oms.strategies.fault_parts import delay, notes

__all__ = ["fault_rules", "fault_sequences", "injections", "with_faults"]


def _is_hang(fault: FaultSpec) -> bool:
    return fault == "hang" or (isinstance(fault, dict) and "hang" in fault)


@st.composite
def _rule(
    draw: st.DrawFn,
    fault: SearchStrategy[FaultSpec],
    phases: int,
    max_poll: int,
    max_delay: float,
    seeded: bool,
) -> Document:
    chosen = draw(fault)
    rule: Document = {"fault": chosen}
    if draw(st.booleans()) and not _is_hang(chosen):  # a hang is a delay already
        rule["delay"] = draw(delay(max_delay, seeded))
    if phases and draw(st.booleans()):
        rule["phase"] = draw(st.integers(0, phases - 1))
    if draw(st.booleans()):
        first = draw(st.integers(1, max_poll))
        last = draw(st.integers(first, max_poll))
        shape = draw(st.sampled_from(["one", "range", "from", "to"]))
        rule["polls"] = {
            "one": first,
            "range": {"from": first, "to": last},
            "from": {"from": first},
            "to": {"to": last},
        }[shape]
    if draw(st.booleans()):
        rule["every"] = draw(st.integers(1, max_poll))
    if draw(st.booleans()):
        start = draw(st.integers(0, 600))
        end = draw(st.integers(start + 1, start + 600))
        shape = draw(st.sampled_from(["both", "from", "to"]))
        rule["window"] = {
            "both": {"from": start, "to": end},
            "from": {"from": start},
            "to": {"to": end},
        }[shape]
    if seeded and draw(st.booleans()):
        rule["probability"] = draw(st.integers(1, 20)) / 20
    if draw(st.booleans()):
        rule["note"] = draw(notes())
    return rule


def fault_rules(
    kind: Kind | str | None = None,
    *,
    phases: int = 0,
    max_poll: int = 20,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
    statuses: Collection[int] | None = None,
    max_retry_after: float | None = None,
) -> SearchStrategy[Document]:
    """Fault rules as a scenario declares them under ``faults:`` (``$defs/FaultRule``): a
    fault from :func:`faults` (same options) and any of the conditions: a phase (an index
    below ``phases``; 0: none, as for a rule inside a phase), polls up to ``max_poll``,
    every Nth poll, a window of scenario seconds, a probability (only with ``seeded``),
    and a delay before the fault (never with a hang). Shrinks towards a rule without
    conditions or delay, ``{"fault": {"status": 500}}``: every poll gets it."""
    if max_poll < 1 or phases < 0:
        raise ValueError("max_poll must be >= 1 and phases >= 0")
    fault = faults(
        kind,
        allow=allow,
        max_delay=max_delay,
        seeded=seeded,
        error_codes=error_codes,
        statuses=statuses,
        max_retry_after=max_retry_after,
    )
    return _rule(fault, phases, max_poll, max_delay, seeded)


@st.composite
def _injection(
    draw: st.DrawFn,
    fault: SearchStrategy[FaultSpec],
    max_count: int,
    max_seconds: int,
    max_delay: float,
    seeded: bool,
) -> Document:
    chosen = draw(fault)
    body: Document = {"fault": chosen}
    if draw(st.booleans()) and not _is_hang(chosen):
        body["delay"] = draw(delay(max_delay, seeded))
    if draw(st.booleans()):
        body["count"] = draw(st.integers(1, max_count))
    if draw(st.booleans()):
        body["seconds"] = draw(st.integers(1, max_seconds))
    if seeded and draw(st.booleans()):
        body["probability"] = draw(st.integers(1, 20)) / 20
    if draw(st.booleans()):
        body["note"] = draw(notes())
    return body


def injections(
    kind: Kind | str | None = None,
    *,
    max_count: int = 10,
    max_seconds: int = 600,
    allow: Collection[FaultName] = FAULT_NAMES,
    max_delay: float = 1.0,
    seeded: bool = True,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
    statuses: Collection[int] | None = None,
    max_retry_after: float | None = None,
) -> SearchStrategy[Document]:
    """Bodies for ``POST /_mock/faults`` and ``/_mock/projects/{id}/faults``
    (``$defs/Injection``): a fault from :func:`faults` (same options), for at most
    ``max_count`` polls and/or ``max_seconds`` of scenario time, maybe with a probability
    (``seeded``) or a delay. Shrinks towards ``{"fault": {"status": 500}}``, until
    cleared."""
    if max_count < 1 or max_seconds < 1:
        raise ValueError("max_count and max_seconds must be >= 1")
    fault = faults(
        kind,
        allow=allow,
        max_delay=max_delay,
        seeded=seeded,
        error_codes=error_codes,
        statuses=statuses,
        max_retry_after=max_retry_after,
    )
    return _injection(fault, max_count, max_seconds, max_delay, seeded)


def _capped(max_faults: int, sequence: list[FaultSpec | None]) -> list[FaultSpec | None]:
    """At most ``max_faults`` faults (the first ones), without trailing normal polls."""
    out: list[FaultSpec | None] = []
    kept = 0
    for fault in sequence:
        if fault is not None and kept < max_faults:
            kept += 1
            out.append(fault)
        else:
            out.append(None)
    while out and out[-1] is None:
        out.pop()
    return out


def fault_sequences(
    kind: Kind | str | None = None,
    *,
    allow: Collection[FaultName] = TRANSIENT,
    max_polls: int = 10,
    max_faults: int = 3,
    max_delay: float = 1.0,
    error_codes: Sequence[str] = IN_BAND_ERROR_CODES,
    statuses: Collection[int] | None = None,
    max_retry_after: float | None = None,
) -> SearchStrategy[list[FaultSpec | None]]:
    """What the successive polls of one project meet: item N-1 is the fault of the Nth
    poll (None: a normal answer), over the first ``max_polls`` polls, at most
    ``max_faults`` of them. Faults as :func:`faults` draws them, by default only
    :data:`TRANSIENT` ones, and none that depends on the server's seed (no latency range),
    so a sequence plays the same on any server. :func:`with_faults` puts a sequence into a
    scenario document as rules. Shrinks towards no fault at all, then fewer faults,
    earlier, of the simplest kinds (a plain 500), with no delay."""
    if max_polls < 0 or max_faults < 0:
        raise ValueError("max_polls and max_faults must be >= 0")
    fault = faults(
        kind,
        allow=allow,
        max_delay=max_delay,
        seeded=False,
        error_codes=error_codes,
        statuses=statuses,
        max_retry_after=max_retry_after,
    )
    polls = st.lists(st.one_of(st.none(), fault), max_size=max_polls)
    return polls.map(partial(_capped, max_faults))


def with_faults(document: Mapping[str, Any], sequence: Sequence[FaultSpec | None]) -> Document:
    """``document`` with ``sequence`` as fault rules: the Nth poll of each of its projects
    gets the sequence's Nth fault (``polls: N``). They come before the document's own
    scenario rules, so they win over those (a phase's own rules are still tried first).
    The document is not changed."""
    rules = [
        {"fault": fault, "polls": n} for n, fault in enumerate(sequence, 1) if fault is not None
    ]
    out = dict(document)
    if rules:
        out["faults"] = [*rules, *document.get("faults", [])]
    return out
