"""A sample OMS client, V3 and V4, for the exposure coverage tests: it follows a project
until it settles or its time is up, tolerating what a robust client tolerates (transport
errors, non-2xx answers, bodies that are not JSON, in-band errors), and nothing more. Its
sleeps move the server's manual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from mock_oms.core.kinds import Kind
from mock_oms.core.library import Library

SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}
FINAL = {"RELEASED", "DELETED"}  # nothing moves a project on from these by itself
INTERVAL = 2.0  # scenario seconds between polls
ACT_RETRIES = 3

Sleep = Callable[[float], object]
Act = Callable[[str, str], object]  # (project, action)


def _json(response: httpx.Response) -> dict[str, Any] | None:
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and body.get("success") is True else None


def _status(body: dict[str, Any] | None) -> str | None:
    data = body.get("data") if body is not None else None
    status = data.get("status") if isinstance(data, dict) else None
    return status if isinstance(status, str) else None


def v3_poll(http: httpx.Client, project: str, kind: Kind) -> str | None:
    segment = "migrations" if kind is Kind.MIGRATION else "sync"
    try:
        return _status(_json(http.get(f"/api/omsp/v2/{segment}/{project}/progress")))
    except httpx.TransportError:
        return None


def v4_poll(http: httpx.Client, project: str, kind: Kind) -> str | None:
    """DescribeProjectProgress, then DescribeProjectSteps, as ODC reads them together."""
    try:
        progress = http.post("/api/v2?Action=DescribeProjectProgress", json={"id": project})
        http.post("/api/v2?Action=DescribeProjectSteps", json={"id": project})
    except httpx.TransportError:
        return None
    return _status(_json(progress))


Poll = Callable[[httpx.Client, str, Kind], "str | None"]


def follow(
    http: httpx.Client,
    project: str,
    sleep: Sleep,
    *,
    poll: Poll = v3_poll,
    kind: Kind = Kind.MIGRATION,
    budget: float = 900.0,
    actions: Iterable[tuple[str, str]] = (),
    act: Act | None = None,
    until: Iterable[str] = SETTLED,
) -> str | None:
    """Poll ``project`` every :data:`INTERVAL` s until it shows a status of ``until`` or
    ``budget`` scenario seconds are over; the last status seen. ``actions``: (action,
    status) pairs taken in order through ``act``, each once the project shows its status."""
    stop = set(until)
    pending = list(actions)
    waited = 0.0
    last = None
    while waited <= budget:
        status = poll(http, project, kind) or last
        last = status
        if pending and status == pending[0][1] and act is not None:
            act(project, pending.pop(0)[0])
            continue
        if status in stop and not pending:
            return status
        sleep(INTERVAL)
        waited += INTERVAL
    return last


def budget(library: Library, name: str) -> float:
    """Scenario seconds to follow a scenario for: its timed phases, and a minute more."""
    scenario = library.scenarios[name]
    if scenario.replay is not None:
        return scenario.replay.offsets[-1] + 60 if scenario.replay.offsets else 60.0
    return sum(p.seconds or 0.0 for p in scenario.timeline) + 60.0
