"""Many pollers, operators and clock changes at once against a live server: no poller sees
an illegal transition, a torn (schema-invalid) body or a 5xx; the journal and the poll
timelines account for every request exactly, below and beyond the ring buffer's bound."""

from __future__ import annotations

import itertools
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mock_oms import schemas
from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import Status, reachable
from mock_oms.serve.live import LiveServer

pytestmark = pytest.mark.timeout(90)

SCENARIOS = (
    "full-migration",
    "release",
    "suspend-resume",
    "resume-after-failure",
    "incremental-sync",
    "precheck-failure",
    "deleted",
)
ACTIONS = ("start", "stop", "resume", "release", "delete", "fail")
POLLERS = 6
POLLS = 100  # per poller
ACTORS = 2
ACTS = 40  # per actor
CLOCK_CHANGES = 30
SYNC = "sync-project"  # polled too, on the sync endpoint


@dataclass
class Poller:
    seen: list[tuple[str, int, Any]] = field(default_factory=list)  # project, HTTP, body


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(targets))

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                start.wait(timeout=30)
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=80)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


@pytest.fixture(params=[100_000, 101], ids=["within-bound", "beyond-bound"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    settings = Settings(
        port=0, clock=ClockMode.REAL, speed=20, journal_size=request.param, log_level="warning"
    )
    with LiveServer(settings) as live:
        yield live


def test_concurrent_pollers_actors_and_clock(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    control = ControlClient(server.base_url)
    projects = [control.create(name, f"{name}~c")["projectId"] for name in SCENARIOS]
    projects.append("full-migration")  # a named project, started by whichever poll is first
    pollers = [Poller() for _ in range(POLLERS)]

    def poll(me: Poller, offset: int) -> Callable[[], None]:
        def run() -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                for i in range(POLLS):
                    if i % 10 == 9:
                        project, path = SYNC, f"/api/omsp/v2/sync/{SYNC}/progress"
                    else:
                        project = projects[(offset + i) % len(projects)]
                        path = f"/api/omsp/v2/migrations/{project}/progress"
                    response = http.get(path)
                    me.seen.append((project, response.status_code, response.json()))

        return run

    answers: list[dict[str, Any]] = []

    def act(seed: int) -> Callable[[], None]:
        def run() -> None:
            rng = random.Random(seed)
            with ControlClient(server.base_url, timeout=30) as client:
                for _ in range(ACTS):
                    answers.append(client.act(rng.choice(projects), rng.choice(ACTIONS)).to_json())

        return run

    def clock() -> None:
        rng = random.Random(99)
        with ControlClient(server.base_url, timeout=30) as client:
            for _ in range(CLOCK_CHANGES):
                if rng.random() < 0.5:
                    client.advance(rng.choice([0, 1, 5, 30, 120]))
                else:
                    client.set_speed(rng.choice([0, 1, 20, 200]))

    errors = run_threads(
        [poll(p, i) for i, p in enumerate(pollers)]
        + [act(seed) for seed in range(ACTORS)]
        + [clock]
    )
    assert errors == []
    assert [r.getMessage() for r in caplog.records] == []  # no exception inside the server

    # every answer well formed, none a 5xx, every transition a poller saw explainable
    sent: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    for poller in pollers:
        last: dict[str, Status] = {}
        for project, http_status, body in poller.seen:
            sent[project] += 1
            assert http_status == 200
            kind = Kind.SYNC if project == SYNC else Kind.MIGRATION
            assert schemas.errors(schemas.PROGRESS_SCHEMAS[kind], body) == []
            assert body["success"], body
            shown[project] += 1
            status = Status(body["data"]["status"])
            if project in last:
                assert reachable(last[project], status), (project, last[project], status)
            last[project] = status
    assert all(a["code"] in ("success", "GHANA-OPERAT000001") for a in answers), answers
    assert len(answers) == ACTORS * ACTS

    # the journal accounts for every request, exactly
    total = POLLERS * POLLS
    journal = control.requests()
    size = server.settings.journal_size
    assert (journal["total"], journal["kept"], journal["dropped"]) == (
        total,
        min(total, size),
        max(0, total - size),
    )
    assert [e["seq"] for e in journal["entries"]] == list(
        range(total - journal["kept"] + 1, total + 1)
    )
    if size >= total:
        assert Counter(e["projectId"] for e in journal["entries"]) == sent
        assert all(e["httpStatus"] == 200 for e in journal["entries"])

    # and so do the poll timelines, whatever the ring buffer dropped
    for project, count in sent.items():
        polls = control.polls(project)
        assert (polls["count"], polls["shown"], polls["errors"]) == (count, shown[project], 0)
        runs = polls["statuses"]
        assert sum(r["count"] for r in runs) == shown[project]
        for before, after in itertools.pairwise(runs):
            assert reachable(Status(before["status"]), Status(after["status"])), project
    control.close()
