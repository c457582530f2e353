"""What a server holds (issue 13, reproductions 5, 6 and 7, scaled down): fault injections
are capped, refused for an ID no poll can name and cost a poll nothing however many there
are; projects are evicted least recently polled first at the cap, never a scenario's own
IDs; the projects listing is paged; recordings keep no secret; sources are relative."""

from __future__ import annotations

import logging
import timeit
from pathlib import Path

import httpx
import pytest
import yaml
from servers import MakeClient

from mock_oms.client import ControlError
from mock_oms.config import Settings
from mock_oms.core.kinds import Kind
from mock_oms.faults.chooser import FaultChooser
from mock_oms.faults.injections import Injection, Injections
from mock_oms.faults.model import HttpStatus, Reset
from mock_oms.serve.live import LiveServer
from mock_oms.serve.recorder import record
from mock_oms.serve.recording import Options

# -- injections ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["full-migration~bad+id", "full-migration~a b", "x" * 200])
def test_an_injection_for_an_id_no_poll_can_name_is_refused(
    make_client: MakeClient, bad: str
) -> None:
    _, client = make_client()
    with pytest.raises(ControlError) as refused:
        client.inject_fault("reset", project_id=bad)
    assert (refused.value.status, refused.value.code) == (400, "PARAM_ERROR")
    assert client.faults().active == []


def test_injections_are_capped(make_client: MakeClient) -> None:
    _, client = make_client(max_injections=5)
    for n in range(5):
        client.inject_fault({"status": 503}, project_id=f"full-migration~{n}", count=1)
    with pytest.raises(ControlError) as refused:
        client.inject_fault("reset")
    assert (refused.value.status, refused.value.code) == (409, "LIMIT_REACHED")
    assert client.poll("full-migration~0").status_code == 503  # its one poll: spent
    client.inject_fault("reset")
    assert client.clear_faults() == 5


def test_a_polls_fault_costs_the_same_with_ten_thousand_injected() -> None:
    # the probe: 0.66 ms a poll with none, 13.6 ms at 1,001, 153 ms at 20,001
    def chooser(injected: int) -> FaultChooser:
        book = FaultChooser(1, injections=Injections(max_active=20_000))
        for _ in range(injected // 2):
            book.injections.inject(Injection(Reset(), count=10**6), "p", 0.0)
            book.injections.inject(Injection(HttpStatus(503), count=10**6), None, 0.0)
        if injected == 0:
            book.injections.inject(Injection(Reset(), count=10**6), "p", 0.0)
        return book

    def cost(book: FaultChooser) -> float:
        polls = iter(range(1, 10**7))
        return min(
            timeit.repeat(lambda: book.choose((), "p", next(polls), 0, 0.0, 0.0), number=500)
        )

    one, many = chooser(0), chooser(10_000)
    assert len(many.injections) == 10_000
    assert cost(many) < 5 * cost(one)  # O(n) a poll would be thousands of times slower


# -- projects --------------------------------------------------------------------------------


def test_at_the_cap_instances_are_evicted_and_named_projects_still_start(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, client = make_client(max_projects=10)
    for n in range(10):
        assert client.progress(f"full-migration~{n}")["success"] is True
    client.progress("full-migration~0")  # the most recently polled now
    with caplog.at_level(logging.WARNING, logger="mock_oms"):
        for n in range(10, 13):
            assert client.progress(f"full-migration~{n}")["success"] is True
        # the probe: even the bundled scenario's own name was refused at the cap
        assert client.progress("full-migration")["success"] is True
    held = {p.project_id for p in client.projects()}
    assert {"full-migration~1", "full-migration~2", "full-migration~3"}.isdisjoint(held)
    assert {"full-migration~0", "full-migration~12", "full-migration"} <= held
    assert len(held) == 11  # the cap, and the scenario's own ID beside it
    journal = client.requests()
    assert journal.evicted == 3
    assert [(e.project_id, e.for_id) for e in journal.evictions] == [
        (f"full-migration~{n}", f"full-migration~{n + 9}") for n in (1, 2, 3)
    ]
    assert "evicted full-migration~1, the least recently polled" in caplog.text


def test_the_projects_listing_is_paged_and_summarised(make_client: MakeClient) -> None:
    _, client = make_client()
    for n in range(25):
        client.progress(f"full-migration~{n}")
    first = client.http.get("/_mock/projects", params={"limit": 10})
    assert len(first.json()) == 10 and "events" not in first.json()[0]
    assert first.headers["x-total-count"] == "25"
    pages = [first]
    while "next" in pages[-1].links:
        pages.append(client.http.get(pages[-1].links["next"]["url"]))
    ids = [p["projectId"] for page in pages for p in page.json()]
    assert ids == [f"full-migration~{n}" for n in range(25)]
    assert len(pages) == 3
    # the client follows the pages itself
    assert [p.project_id for p in client.projects()] == ids
    assert all(p.events == [] for p in client.projects(full=True))
    assert client.http.get("/_mock/projects", params={"cursor": "x"}).status_code == 400


def test_a_page_weighs_the_same_whatever_the_server_holds(make_client: MakeClient) -> None:
    # the probe: 44.5 MB for 100,000 projects in one answer
    app, client = make_client()
    store = app.runtime.store
    sizes = []
    for held in (100, 3000):
        for n in range(len(store), held):
            store.poll(f"full-migration~{n}", Kind.MIGRATION)
        sizes.append(len(client.http.get("/_mock/projects").content))
    assert sizes[0] == pytest.approx(sizes[1], rel=0.05)


# -- recordings and sources ------------------------------------------------------------------


def test_a_recording_keeps_no_credential(tmp_path: Path) -> None:
    settings = Settings(port=0, auth=("admin", "s3cret-pw"))
    with LiveServer(settings) as server:
        upstream = server.base_url.replace("http://", "http://admin:s3cret-pw@")
        out = tmp_path / "incident.yaml"
        record(Options(upstream, ("full-migration",), out, max_polls=2))
    text = out.read_text(encoding="utf-8")
    assert "s3cret" not in text and "admin" not in text
    document = yaml.safe_load(text)
    assert document["recorded"]["upstream"] == server.base_url
    assert all(e["body"]["success"] is True for e in document["entries"])  # it did log in


def test_scenario_sources_are_relative_to_their_folder(
    make_client: MakeClient, tmp_path: Path
) -> None:
    _, bundled = make_client()
    sources = {s.name: s.source for s in bundled.scenarios()}
    assert sources["full-migration"] == "full-migration.yaml"
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "nightly.yaml").write_text(
        "name: nightly\nkind: migration\ntimeline: [{status: INIT}]\n", encoding="utf-8"
    )
    _, own = make_client(scenarios=(tmp_path,))
    assert [s.source for s in own.scenarios()] == ["team/nightly.yaml"]
    assert own.add_scenario("name: up\nkind: sync\ntimeline: [{status: INIT}]\n").source == (
        "<request body>"
    )


def test_an_upstream_with_credentials_is_not_echoed_in_an_error(tmp_path: Path) -> None:
    from mock_oms.serve.recorder import check
    from mock_oms.serve.recording import RecordError

    with pytest.raises(RecordError) as refused:
        check(Options("ftp://admin:s3cret@oms", ("p",), tmp_path / "o.yaml"))
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://admin:pw@oms:8089/base?token=abc#x", "http://oms:8089/base"),
        ("https://admin@oms", "https://oms"),
        ("http://u:p@[::1]:80/", "http://[::1]:80/"),
    ],
)
def test_a_url_is_written_without_credentials(url: str, shown: str) -> None:
    from mock_oms.serve.recording import public_url

    assert public_url(url) == shown


def test_a_failure_note_keeps_no_credential() -> None:
    from mock_oms.serve.recording import entry_from_error

    error = httpx.ConnectError("cannot reach http://admin:s3cret@oms.example:8089/api")
    assert "s3cret" not in entry_from_error(0.0, error, 1.0)["note"]


def test_the_client_reads_an_empty_listing_as_before(make_client: MakeClient) -> None:
    _, client = make_client()
    assert client.projects() == [] and client.projects(full=True) == []
