"""Polling clients as teams write them, for the harness's tests: one robust client, and
the classic bugs, each one flag away from it (``follow(target, bug)``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal, get_args

import httpx

from mock_oms.testing import ClientTarget

SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}
TEMPORARY = {408, 429, 500, 502, 503, 504}
Bug = Literal[
    "no-retry-5xx",
    "no-retry-408",
    "no-retry-429",
    "crash-on-non-json",
    "suspend-is-failure",
    "polls-after-settled",
    "ignores-retry-after",
]
BUGS: tuple[Bug, ...] = get_args(Bug)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def is_temporary(status: int, bug: Bug | None, temporary: Collection[int]) -> bool:
    if bug == "no-retry-5xx" and status >= 500:
        return False
    if bug == "no-retry-408" and status == 408:
        return False
    if bug == "no-retry-429" and status == 429:
        return False
    return status in temporary


def follow(
    target: ClientTarget, bug: Bug | None = None, temporary: Collection[int] = TEMPORARY
) -> str | None:
    """Polls the project until it settles; retries what is ``temporary`` with a short
    backoff, or as long as Retry-After asks; gives up after target.max_polls polls."""
    failures = 0
    with target.client(timeout=5) as http:
        for _ in range(target.max_polls):
            try:
                response = http.get(target.path)
            except httpx.TransportError:  # closed, reset, cut short, timed out
                failures += 1
                target.sleep(0.01 * 2**failures)
                continue
            if response.status_code != 200:
                if not is_temporary(response.status_code, bug, temporary):
                    response.raise_for_status()
                failures += 1
                asked = retry_after(response)
                if asked is None or bug == "ignores-retry-after":
                    asked = 0.01 * 2**failures
                target.sleep(asked)
                continue
            if bug == "crash-on-non-json":
                body = response.json()
            else:
                try:
                    body = response.json()
                except ValueError:
                    failures += 1
                    target.sleep(0.01 * 2**failures)
                    continue
            if not body.get("success"):
                if body.get("code") == "GHANA-PROJECT000001":
                    return None  # no such project
                failures += 1  # an in-band error: try again
                target.sleep(0.01 * 2**failures)
                continue
            failures = 0
            status = str(body["data"]["status"])
            if status in SETTLED:
                if bug == "polls-after-settled":
                    http.get(target.path)  # "to be sure"
                return status
            if status == "SUSPEND" and bug == "suspend-is-failure":
                return "FAILED"
            target.sleep(target.poll_interval)
    return None


def robust(target: ClientTarget) -> str | None:
    return follow(target)
