"""``/_mock/ui`` as a server serves it (web/control/ui.py): an open page that holds no data,
its two files from the package, the vocabulary escaped. The page in a browser is
``test_dashboard_browser.py``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mock_oms.client import ControlClient
from mock_oms.config import Settings
from mock_oms.core.clock import ClockMode
from mock_oms.core.lifecycle import Status
from mock_oms.web.app import MockOms, create_app
from mock_oms.web.control import ui

TOKEN = "ui-s3cret-token"


@pytest.fixture
def guarded() -> MockOms:
    return create_app(Settings(clock=ClockMode.MANUAL, control_token=TOKEN))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.found.append(value)


def test_the_page_and_its_files_are_open_and_hold_no_data(guarded: MockOms) -> None:
    with ControlClient.in_process(guarded, token=TOKEN) as admin:
        admin.create("full-migration", "secret-project-name")
    with ControlClient.in_process(guarded) as anonymous:  # what a browser sends first
        _open_and_empty(anonymous)


def _open_and_empty(guarded: ControlClient) -> None:
    page = guarded.http.get("/_mock/ui")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert TOKEN not in page.text
    assert "secret-project-name" not in page.text  # the data comes from the control API
    for name, kind in (("ui.js", "text/javascript"), ("ui.css", "text/css")):
        got = guarded.http.get(f"/_mock/ui/{name}")
        assert got.status_code == 200
        assert got.headers["content-type"].startswith(kind)
        assert TOKEN not in got.text
    # ...whose every call needs the token, as any client's
    assert guarded.http.get("/_mock/projects").status_code == 401
    assert guarded.http.get("/_mock/ui/other.js").status_code == 401  # unknown: guarded


def test_the_page_needs_nothing_from_another_origin(client: ControlClient) -> None:
    page = client.http.get("/_mock/ui")
    parser = _Links()
    parser.feed(page.text)
    assert parser.found
    for link in parser.found:
        assert link.startswith(("/", "data:")), link
        if link.startswith("/"):
            assert client.http.get(link).status_code == 200, link
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "script-src 'self'" in policy  # no inline script, nothing from elsewhere
    assert "<script>" not in page.text
    script = client.http.get("/_mock/ui/ui.js").text
    assert not re.search(r"https?://", script.replace("http://www.w3.org/2000/svg", ""))
    assert ".innerHTML" not in script  # values go in as text


def test_the_page_shows_every_status_and_offers_the_schemas_faults(
    client: ControlClient,
) -> None:
    text = client.http.get("/_mock/ui").text
    for status in Status:
        assert f'class="badge st-{status.value}"' in text
    for label, _ in ui.fault_presets():
        assert f">{label}</option>" in text
    assert "HTTP 503" in text and ">reset</option>" in text
    assert '<option value="{&quot;status&quot;:503}">' in text  # JSON, escaped


def test_the_vocabulary_is_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    evil = '<script>alert("x")</script>'
    monkeypatch.setattr(ui, "fault_presets", lambda: [(evil, '"><img src=x>')])
    text = ui.render().decode()
    assert evil not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_the_page_is_not_part_of_the_api_document(client: ControlClient) -> None:
    paths = client.http.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/_mock/ui")]
