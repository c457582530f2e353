"""How check_client judges the polls a client made: none after a settled status it was
shown, none before the Retry-After it was sent; and what it says of a client that is too
slow."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from sample_clients import follow

from mock_oms.strategies import FaultSpec
from mock_oms.testing import Case, ClientFailure, ClientTarget, check_client

FLAGS = {"struct": False, "full": False, "incr": False, "reverse": False}
SETTLED = {"FINISHED", "FAILED", "RELEASED", "DELETED"}


def case(*statuses: str, faults: tuple[FaultSpec | None, ...] = ()) -> Case:
    timeline: list[dict[str, Any]] = [{"status": s, "polls": 1} for s in statuses[:-1]]
    timeline.append({"status": statuses[-1]})
    scenario = {"name": "harness-case", "kind": "migration", "flags": FLAGS, "timeline": timeline}
    return Case(scenario, faults=faults)


def check(drive: Any, served: Case, **options: Any) -> None:
    check_client(drive, cases=st.just(served), max_examples=1, **options)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def confirming(target: ClientTarget) -> str | None:
    """Right about the outcome, but polls once more "to be sure"."""
    with target.client() as http:
        for _ in range(target.max_polls):
            status = http.get(target.path).json()["data"]["status"]
            if status in SETTLED:
                http.get(target.path)
                return str(status)
    return None


def test_polling_after_a_settled_status_fails() -> None:
    """Before, the server counted the extra poll but check_client let the client pass."""
    with pytest.raises(ClientFailure, match="kept polling after poll 2 showed FINISHED: 1 more"):
        check(confirming, case("RUNNING", "FINISHED"))


def test_a_settled_status_the_client_never_got_whole_does_not_count() -> None:
    """A truncated or wrongly typed answer showing FINISHED is no answer: polling again
    is right."""
    strict = case("RUNNING", "FINISHED", faults=(None, "truncate", {"content-type": "text/html"}))
    check(follow_strictly, strict)


def follow_strictly(target: ClientTarget) -> str | None:
    """Retries anything that is not a whole JSON answer, content type included."""
    with target.client() as http:
        for _ in range(target.max_polls):
            try:
                response = http.get(target.path)
            except httpx.TransportError:
                continue
            if not response.headers.get("content-type", "").startswith("application/json"):
                continue
            status = response.json()["data"]["status"]
            if status in SETTLED:
                return str(status)
    return None


RATE_LIMITED = case("RUNNING", "FINISHED", faults=({"status": 429},))
UNAVAILABLE = case("RUNNING", "FINISHED", faults=({"status": {"code": 503, "retryAfter": 2}},))


@pytest.mark.parametrize("served", [RATE_LIMITED, UNAVAILABLE], ids=["429", "503"])
def test_ignoring_retry_after_fails(served: Case) -> None:
    """Before, the harness always sent Retry-After: 0, so this bug passed."""
    with pytest.raises(ClientFailure, match=r"ignored Retry-After: poll 1 was answered"):
        check(lambda target: follow(target, "ignores-retry-after"), served)


@pytest.mark.parametrize("served", [RATE_LIMITED, UNAVAILABLE], ids=["429", "503"])
def test_waiting_through_target_sleep_honours_retry_after(served: Case) -> None:
    check(follow, served)


def test_waiting_with_time_sleep_honours_it_too() -> None:
    """A client that cannot take a sleep function is judged on the real clock."""

    def real_sleeper(target: ClientTarget) -> str | None:
        return follow(ClientTarget(**{**vars(target), "sleeper": time.sleep}))

    check(real_sleeper, RATE_LIMITED)


def test_a_client_that_ignores_the_poll_interval_is_told_why_it_is_too_slow() -> None:
    """Before: 'did not return within 10 s', and no hint."""
    served: list[str] = []

    def leisurely(target: ClientTarget) -> str | None:
        served.append(target.project_id)
        with target.client() as http:
            while True:
                http.get(target.path)
                time.sleep(0.1)  # its own interval, not target.poll_interval

    with pytest.raises(ClientFailure) as caught:
        check(leisurely, case("INIT"), time_limit=0.35)
    reason = caught.value.reason
    assert reason.startswith("it did not return within 0.35 s: it polled ")
    assert re.search(r"waiting up to 0\.\d+ s between polls", reason), reason
    assert "target.poll_interval (0 s)" in reason
    assert "target.sleep()" in reason
    assert len(served) == 1  # hypothesis's final replay of the case reuses its verdict
