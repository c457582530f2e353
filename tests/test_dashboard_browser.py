"""The dashboard (``/_mock/ui``) driven in a real headless Chromium against a live server.

Debian's ``chromium`` package, driven by Playwright for Python (``.ci/run`` installs both;
never ``playwright install``). Every wait is on the page's state, through Playwright's
expectations. Each page is offline: any request to another origin is refused and fails the
test, as does any script error. The projects and timeline screenshots of
``docs/dashboard.md`` are taken here, so they show the page as it is.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.serve.live import LiveServer

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
EPOCH = 1_767_225_600.0  # 2026-01-01: screenshots that do not change from run to run
TOKEN = "dashboard-s3cret"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium installed (apt-get install chromium): the dashboard's browser "
        "tests drive a real one",
    ),
]

expect.set_options(timeout=15_000)  # a shared, busy machine: the page refreshes every second


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _settings(control_token: str | None = None) -> Settings:
    return Settings(
        port=0, clock=ClockMode.MANUAL, epoch=EPOCH, seed=7, control_token=control_token
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(_settings()) as live:
        yield live


@pytest.fixture
def oms(server: LiveServer) -> Iterator[ControlClient]:
    with ControlClient(server.base_url) as client:
        client.reset(fresh=True)
        yield client


@dataclass
class Watch:
    """What a page did that it must not: ask another origin, throw."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _open(browser: Browser, base_url: str, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def offline(route: Route) -> None:
        if route.request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield page
    context.close()
    assert not watch.outside, f"the page asked another origin: {watch.outside}"
    assert not watch.errors, f"script errors: {watch.errors}"


@pytest.fixture
def page(browser: Browser, server: LiveServer, oms: ControlClient) -> Iterator[Page]:
    yield from _open(browser, server.base_url, Watch())


def _ui(page: Page, server: LiveServer) -> None:
    page.goto(server.base_url + "/_mock/ui")


def _row(page: Page, project: str) -> Locator:
    return page.locator(f'#projects tbody tr[data-project="{project}"]')


def _snapshot(page: Page, selector: str, name: str) -> None:
    """A screenshot for docs/dashboard.md, when the tests run in a checkout."""
    if not DOCS_IMG.parent.is_dir():
        return
    DOCS_IMG.mkdir(exist_ok=True)
    png = page.locator(selector).screenshot(animations="disabled")
    assert len(png) > 10_000, "a screenshot this small is a blank page"
    target = DOCS_IMG / name
    if not target.is_file() or target.read_bytes() != png:
        target.write_bytes(png)


# -- the projects table -----------------------------------------------------------------------

SCENE = {
    "full-migration": "migration",
    "full-migration-failure": "migration",
    "incremental-sync": "migration",
    "reverse-sync": "migration",
    "suspend-resume": "migration",
    "release": "migration",
    "precheck-failure": "migration",
    "sync-project": "sync",
}


def test_the_projects_table_shows_a_bundled_scenario(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    for project, kind in SCENE.items():
        oms.poll(project, kind)
    for _ in range(10):
        oms.advance(15)
        for project, kind in SCENE.items():
            oms.poll(project, kind)
    oms.act("release", "release")
    listed = {p.project_id: p for p in oms.projects(full=True)}
    _ui(page, server)

    row = _row(page, "full-migration")
    shown = listed["full-migration"]
    expect(row.locator(".status")).to_have_text(shown.status)
    expect(row.locator(".status")).to_have_class(f"badge st-{shown.status} status")
    expect(row.locator("td").nth(2)).to_have_text(shown.current_step)
    expect(row.locator("progress.structure")).to_have_attribute("value", str(shown.struct_progress))
    expect(row.locator("progress.full")).to_have_attribute("value", str(shown.full_progress))
    expect(row.locator("td.polls")).to_have_text("11")
    expect(row.locator("td").nth(8)).to_have_text("0.0 s ago")
    expect(row.locator(".steps span")).to_have_count(len(shown.steps))
    first = shown.steps[0]
    expect(row.locator(f'.steps span[data-step="{first.name}"]')).to_have_class(
        f"st-{first.status}"
    )
    expect(page.locator("#projects tbody tr")).to_have_count(len(SCENE))
    expect(_row(page, "full-migration-failure").locator(".status")).to_have_text(
        listed["full-migration-failure"].status
    )
    lagging = _row(page, "incremental-sync").locator("td").nth(5)
    expect(lagging).to_have_text(_lag(oms, listed["incremental-sync"].incr_checkpoint))
    _snapshot(page, "#projects-panel", "dashboard-projects.png")


def _lag(oms: ControlClient, checkpoint: int) -> str:
    return f"{round(oms.clock().unix_now - checkpoint)} s" if checkpoint else "\u2013"


def test_advancing_the_clock_from_the_page_moves_a_progress_bar(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.poll("full-migration")
    _ui(page, server)
    bar = _row(page, "full-migration").locator("progress.structure")
    expect(bar).to_have_attribute("value", "0")
    page.fill("#advance-seconds", "60")
    page.click("#advance")
    expect(bar).to_have_attribute("value", "50")  # the structure phase, half way
    expect(page.locator("#clock-now")).to_have_text(f"{oms.clock().now:.1f}")


def test_a_stop_from_the_page_turns_the_row_suspend(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.poll("full-migration")
    oms.advance(40)
    _ui(page, server)
    row = _row(page, "full-migration")
    expect(row.locator(".status")).to_have_text("RUNNING")
    row.click()
    page.locator('#actions button[data-action="stop"]').click()
    expect(row.locator(".status")).to_have_text("SUSPEND")
    expect(row).to_have_attribute("data-status", "SUSPEND")
    assert oms.project("full-migration").status == "SUSPEND"


def test_only_the_actions_legal_now_are_offered(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.poll("full-migration")
    oms.advance(40)
    _ui(page, server)
    _row(page, "full-migration").click()
    buttons = page.locator("#actions button")
    legal = oms.project("full-migration").legal_actions
    expect(buttons).to_have_text(legal)
    expect(page.locator('#actions button[data-action="resume"]')).to_have_count(0)
    page.locator('#actions button[data-action="stop"]').click()
    expect(buttons).to_have_text(oms.project("full-migration").legal_actions)
    expect(page.locator('#actions button[data-action="stop"]')).to_have_count(0)
    expect(page.locator('#actions button[data-action="resume"]')).to_have_count(1)


def test_an_injected_fault_appears_in_the_request_tail(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.poll("full-migration")
    _ui(page, server)
    _row(page, "full-migration").click()
    page.select_option("#fault-kind", label="HTTP 503")
    page.fill("#fault-count", "1")
    page.click("#inject")
    expect(page.locator("#active-faults")).to_contain_text("status:503 (1 left)")
    assert oms.poll("full-migration").status_code == 503
    faulted = page.locator("#requests tbody tr.faulted")
    expect(faulted).to_have_count(1)
    expect(faulted.locator("td").nth(6)).to_have_text("status:503")
    expect(faulted.locator("td").nth(4)).to_have_text("503")
    page.select_option("#request-filter", "full-migration")
    expect(page.locator("#requests tbody tr")).to_have_count(2)
    expect(page.locator("#timeline line.tick.fault")).to_have_count(1)


def test_the_timeline_shows_the_clients_polls(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.poll("suspend-resume")
    for _ in range(14):
        oms.advance(10)
        oms.poll("suspend-resume")
    oms.inject_fault({"status": 503}, project_id="suspend-resume", count=2)
    for _ in range(2):
        oms.advance(5)
        oms.poll("suspend-resume")
    oms.advance(10)
    oms.poll("suspend-resume")
    _ui(page, server)
    _row(page, "suspend-resume").click()
    timeline = page.locator("#timeline")
    expect(timeline.locator("line.tick")).to_have_count(18)
    expect(timeline.locator("line.tick.fault")).to_have_count(2)
    expect(timeline).to_have_attribute("data-polls", "18")
    runs = oms.polls("suspend-resume").statuses
    expect(timeline.locator("path.seen")).to_have_count(len(runs))
    line = oms.timeline("suspend-resume")
    expect(timeline.locator("rect.band")).not_to_have_count(0)
    played = {s.phase for s in line.spans if not s.planned}
    for phase in played:
        expect(timeline.locator(f'rect.band[data-phase="{phase}"]').first).to_be_visible()
    _snapshot(page, "#detail", "dashboard-timeline.png")


# -- the control token ------------------------------------------------------------------------


def test_the_page_asks_for_the_token_once_per_session(browser: Browser) -> None:
    with LiveServer(_settings(control_token=TOKEN)) as live:
        with ControlClient(live.base_url, token=TOKEN) as oms:
            oms.poll("full-migration")
        watch = Watch()
        pages = _open(browser, live.base_url, watch)
        page = next(pages)
        page.goto(live.base_url + "/_mock/ui")
        assert TOKEN not in page.content()
        form = page.locator("#token-form")
        expect(form).to_be_visible()
        expect(page.locator("#projects tbody tr")).to_have_count(0)
        page.fill("#token", "wrong")
        page.locator("#token-form button").click()
        expect(page.locator("#token-problem")).to_have_text("That token was refused.")
        page.fill("#token", TOKEN)
        page.locator("#token-form button").click()
        expect(form).to_be_hidden()
        expect(_row(page, "full-migration")).to_have_count(1)
        assert page.evaluate("sessionStorage.getItem('mock-oms.control-token')") == TOKEN
        assert page.evaluate("localStorage.length") == 0
        page.reload()  # the same session: not asked again
        expect(_row(page, "full-migration")).to_have_count(1)
        expect(form).to_be_hidden()
        other = page.context.new_page()  # another tab: a session of its own
        other.goto(live.base_url + "/_mock/ui")
        expect(other.locator("#token-form")).to_be_visible()
        other.close()
        with pytest.raises(StopIteration):
            next(pages)


# -- exposure coverage ------------------------------------------------------------------------


def _headline(oms: ControlClient, since: int | None = None) -> str:
    r = oms.coverage(since=since)
    scope = f" since mark {since}" if since else ""
    return (
        f"{r.shown} of {r.total} situations shown ({r.percent:.1f} %), "
        f"in {r.responses} responses{scope}"
    )


def test_the_coverage_panel_shows_the_report_and_what_would_show_the_rest(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.clear_coverage()
    oms.poll("full-migration")
    while oms.poll("full-migration").json()["data"]["status"] != "FINISHED":
        oms.advance(30)
    _ui(page, server)
    panel = page.locator("#coverage-panel")
    expect(panel.locator("#coverage-headline")).to_have_text(_headline(oms))
    report = oms.coverage()
    for tally in report.categories:
        row = panel.locator(f'#coverage-table tr[data-category="{tally.category}"]')
        column = ["v3", "v4"].index(tally.api) + 1
        expect(row.locator("td").nth(column)).to_have_text(f"{tally.shown}/{tally.total}")
    # what the happy path never showed, under what would show it
    suspend = next(e for e in report.elements if e.key == "v3 status SUSPEND")
    assert suspend.count == 0 and suspend.hint is not None
    hint = page.get_by_text(suspend.hint.text, exact=True)
    group = panel.locator("#coverage-never li").filter(has=hint)
    expect(group.locator(".what")).to_contain_text("status SUSPEND")
    # the list names exactly the elements never shown: `category value`, `(api)` when one
    # API missed it
    listed = set()
    for text in panel.locator("#coverage-never .what").all_inner_texts():
        for name in text.split(", "):
            found = re.fullmatch(r"(\S+) (\S+)(?: \((v3|v4)\))?", name)
            assert found is not None, name
            for api in [found[3]] if found[3] else ["v3", "v4"]:
                listed.add(f"{api} {found[1]} {found[2]}")
    assert listed == set(report.never_shown)

    # a fault served: the panel follows once the client was answered
    oms.inject_fault({"status": 503}, project_id="full-migration", count=1)
    assert oms.poll("full-migration").status_code == 503
    expect(panel.locator("#coverage-headline")).to_have_text(_headline(oms))
    faults = next(t for t in oms.coverage().categories if t.api == "v3" and t.category == "fault")
    expect(panel.locator('tr[data-category="fault"] td').nth(1)).to_have_text(
        f"{faults.shown}/{faults.total}"
    )
    _snapshot(page, "#coverage-panel", "dashboard-coverage.png")

    # one test measured alone: from a mark, nothing shown yet, then what came after it
    page.click("#coverage-mark")
    expect(panel.locator("#coverage-headline")).to_contain_text("in 0 responses since mark")
    mark = oms.coverage_marks()[-1].mark
    expect(page.locator("#coverage-all")).to_be_visible()
    oms.poll("precheck-failure")
    expect(panel.locator("#coverage-headline")).to_have_text(_headline(oms, since=mark))
    page.click("#coverage-all")
    expect(panel.locator("#coverage-headline")).to_have_text(_headline(oms))
    expect(page.locator("#coverage-all")).to_be_hidden()


def test_the_coverage_panel_says_when_the_server_counts_none(browser: Browser) -> None:
    with LiveServer(replace(_settings(), coverage=False)) as live:
        with ControlClient(live.base_url) as oms:
            oms.poll("full-migration")
        watch = Watch()
        pages = _open(browser, live.base_url, watch)
        page = next(pages)
        page.goto(live.base_url + "/_mock/ui")
        expect(_row(page, "full-migration")).to_have_count(1)
        expect(page.locator("#coverage-off")).to_contain_text("--no-coverage")
        expect(page.locator("#coverage-report")).to_be_hidden()
        with pytest.raises(StopIteration):
            next(pages)


def test_the_coverage_panel_recovers_from_a_failed_fetch_a_reset_and_a_late_answer(
    page: Page, server: LiveServer, oms: ControlClient
) -> None:
    oms.clear_coverage()
    oms.poll("full-migration")
    oms.poll("full-migration")
    held: list[Route] = []
    plan = {"busy": 1, "hold": False}

    def coverage(route: Route) -> None:
        if plan["busy"]:  # the route's documented 503 (the work slot is taken)
            plan["busy"] -= 1
            route.fulfill(status=503, json={"success": False, "code": "BUSY", "message": "busy"})
        elif plan["hold"] and "since=" not in route.request.url:
            plan["hold"] = False
            held.append(route)  # answered later, after a newer question
        else:
            route.fallback()

    page.route("**/_mock/coverage*", coverage)
    _ui(page, server)
    headline = page.locator("#coverage-headline")
    # before, the panel stayed empty after a failed fetch until a client was answered
    expect(headline).to_have_text(_headline(oms))

    # an emptied journal counts its requests from 0 again: before, as many polls after it as
    # before it left the panel as it was
    oms.reset()
    oms.inject_fault({"status": 503}, project_id="full-migration", count=1)
    oms.poll("full-migration")
    oms.poll("full-migration")
    expect(headline).to_have_text(_headline(oms))

    # a report asked for before "Count from now" and answered after it must not win
    plan["hold"] = True
    oms.poll("release")
    for _ in range(150):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the panel did not ask for the report"
    page.click("#coverage-mark")
    held[0].fallback()
    expect(headline).to_contain_text("in 0 responses since mark")
    page.wait_for_timeout(1500)  # a few refreshes: the mark's report stays
    expect(headline).to_contain_text("since mark")
