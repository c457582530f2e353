"""The pytest plugin, run the way a user runs it: test files in a fresh folder (pytester),
with the plugin loaded from the installed package's ``pytest11`` entry point."""

from __future__ import annotations

import hypothesis
import pytest

import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app
from mock_oms.config import Settings
from mock_oms.pytest_plugin import Servers

# pytester restores sys.modules after each in-process run: what the plugins import lazily
# (ours, and hypothesis's at its terminal summary) is imported above once, or every run
# would import it again (seconds each). The control API's web stack too: a package kept
# from an earlier import (starlette, for mock_oms.web.access) keeps its submodules from the
# first run as attributes, and the next run, importing them afresh, mixes the two.

PRELOADED = (hypothesis, mock_oms.web.control.app, mock_oms.harness, mock_oms.serve.live)

pytestmark = pytest.mark.timeout(60)

SCENARIO = """\
name: quick
kind: migration
timeline:
  - {status: INIT, seconds: 1}
  - {status: RUNNING, step: STRUCT_MIGRATION, seconds: 2, progress: {struct: [0, 100]}}
  - {status: RUNNING, step: FULL_MIGRATION, seconds: 2, progress: {full: [0, 100]}}
  - {status: FINISHED, step: APP_SWITCH}
"""


def test_fixture_in_a_fresh_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        URLS = []

        def test_polls_a_project(mock_oms):
            URLS.append(mock_oms.base_url)
            assert mock_oms.base_url.startswith("http://127.0.0.1:")
            project = mock_oms.create("full-migration", "p1")
            url = mock_oms.url(project)
            assert httpx.get(url).json()["data"]["status"] == "INIT"
            assert mock_oms.advance(10) == mock_oms.now()
            assert httpx.get(url).json()["data"]["status"] == "RUNNING"
            polls = mock_oms.polls(project)
            assert polls["count"] == 2
            assert [r["status"] for r in polls["statuses"]] == ["INIT", "RUNNING"]
            assert [e["projectStatus"] for e in mock_oms.requests()] == ["INIT", "RUNNING"]
            mock_oms.act(project, "stop")
            assert mock_oms.progress(project)["data"]["status"] == "SUSPEND"
            assert mock_oms.client.clock()["mode"] == "manual"

        def test_starts_from_a_reset_server(mock_oms):
            URLS.append(mock_oms.base_url)
            assert mock_oms.requests() == []
            assert mock_oms.client.projects() == []
            mock_oms.create("full-migration", "p1")  # the ID is free again
            refused = mock_oms.act("p1", "release")
            assert refused["success"] is False
            assert "legal actions in INIT: start, delete" in refused["message"]

        def test_changes_speed_and_scenarios(mock_oms):
            URLS.append(mock_oms.base_url)
            mock_oms.set_speed(50)
            mock_oms.add_scenario({"name": "x", "kind": "migration",
                                   "timeline": [{"status": "INIT"}]})

        def test_does_not_see_what_the_last_test_changed(mock_oms):
            URLS.append(mock_oms.base_url)
            assert mock_oms.client.clock()["mode"] == "manual"
            assert "x" not in [s["name"] for s in mock_oms.client.scenarios()]

        def test_shares_the_session_server():
            assert len(URLS) == 4
            assert len(set(URLS)) == 1
        """
    )
    result = pytester.runpytest("-p", "no:randomly")  # the tests share URLS in order
    result.assert_outcomes(passed=5)


def test_a_test_that_closes_the_fixture_spoils_no_other(pytester: pytest.Pytester) -> None:
    """`with mock_oms.client as oms:` (as the README's ControlClient example does) closes
    the session server's client; the next test gets a working one all the same."""
    pytester.makepyfile(
        """
        def test_closes_the_client(mock_oms):
            with mock_oms.client as oms:
                oms.create("full-migration", "p1")

        def test_closes_the_harness(mock_oms):
            with mock_oms as fake:
                assert fake.create("full-migration", "p1") == "p1"

        def test_next(mock_oms):
            assert mock_oms.client.projects() == []
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_marker_configures_a_test(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "quick.yaml").write_text(SCENARIO)
    pytester.makepyfile(
        """
        import pytest

        URLS = {}

        def test_unmarked(mock_oms):
            URLS["plain"] = mock_oms.base_url
            assert "quick" not in [s["name"] for s in mock_oms.client.scenarios()]

        @pytest.mark.mock_oms(scenarios="scenarios")
        def test_own_scenarios(mock_oms):
            URLS["scenarios"] = mock_oms.base_url
            assert [s["name"] for s in mock_oms.client.scenarios()] == ["quick"]
            mock_oms.advance(1)
            assert mock_oms.progress("quick")["data"]["status"] == "INIT"

        @pytest.mark.mock_oms(scenarios=["scenarios"])
        def test_same_configuration_same_server(mock_oms):
            assert mock_oms.base_url == URLS["scenarios"]
            assert mock_oms.requests() == []  # reset all the same

        @pytest.mark.mock_oms(clock="manual")
        def test_the_session_configuration_is_the_session_server(mock_oms):
            assert mock_oms.base_url == URLS["plain"]

        @pytest.mark.mock_oms(speed=1000)
        def test_a_speed_runs_the_clock(mock_oms):
            clock = mock_oms.client.clock()
            assert (clock["mode"], clock["speed"]) == ("accelerated", 1000)

        @pytest.mark.mock_oms(clock="real")
        def test_real_clock(mock_oms):
            assert mock_oms.client.clock()["mode"] == "real"

        @pytest.mark.mock_oms(seed=42)
        def test_seeded_ids_a(mock_oms):
            URLS["seed"] = mock_oms.progress("full-migration")["requestId"]

        @pytest.mark.mock_oms(seed=42)
        def test_seeded_ids_repeat_in_every_test(mock_oms):
            assert mock_oms.progress("full-migration")["requestId"] == URLS["seed"]

        @pytest.mark.mock_oms(journal_size=2, control_token="t", auth="u:p")
        def test_more_options(mock_oms):
            for _ in range(3):
                assert mock_oms.progress("full-migration")["success"]
            assert mock_oms.client.requests()["dropped"] == 1

        @pytest.mark.mock_oms(scenarios="scenarios")
        class TestClassMarker:
            @pytest.mark.mock_oms(seed=1)
            def test_closest_marker_adds_to_the_class_one(self, mock_oms):
                assert mock_oms.settings.seed == 1
                assert mock_oms.settings.scenarios[0].name == "scenarios"
        """
    )
    result = pytester.runpytest("-p", "no:randomly")  # the tests share URLS in order
    result.assert_outcomes(passed=10)


MISTAKES = {
    "colour": ("@pytest.mark.mock_oms(colour='red')", "unknown option(s) colour"),
    "positional": ("@pytest.mark.mock_oms('scenarios')", "keyword arguments only"),
    "clock": ("@pytest.mark.mock_oms(clock='fast')", "clock must be 'manual' or 'real'"),
    "missing": ("@pytest.mark.mock_oms(scenarios='missing')", "missing: no such file or folder"),
    "invalid": ("@pytest.mark.mock_oms(scenarios='bad.yaml')", "bad.yaml:3: colour:*"),
    "paths": ("@pytest.mark.mock_oms(scenarios=3)", "scenarios must be a path or a list*"),
    "speed": ("@pytest.mark.mock_oms(speed='fast')", "speed must be a number, not 'fast'"),
    # the bounds and their wording are the Settings' own (mock_oms.config.BOUNDS)
    "negative": ("@pytest.mark.mock_oms(speed=-1)", "speed must be > 0 and <= 1e+06, not -1"),
    "seed": ("@pytest.mark.mock_oms(seed='x')", "seed must be a number, not 'x'"),
    "whole": ("@pytest.mark.mock_oms(seed=1.5)", "seed must be a whole number, not 1.5"),
    "journal": ("@pytest.mark.mock_oms(journal_size=-1)", "journal_size must be >= 0, not -1"),
    "token": ("@pytest.mark.mock_oms(control_token='')", "control_token must be a non-empty*"),
    "auth": ("@pytest.mark.mock_oms(auth='alice')", "auth: credentials must look like USER:*"),
    "pair": ("@pytest.mark.mock_oms(auth=('a:b', 'c'))", "auth must be 'USER:PASSWORD' or*"),
}


def test_marker_mistakes_are_reported(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("bad.yaml").write_text("name: bad\nkind: migration\ncolour: red\n")
    tests = "\n".join(
        f"{marker}\ndef test_{name}(mock_oms):\n    pass\n"
        for name, (marker, _) in MISTAKES.items()
    )
    pytester.makepyfile("import pytest\n\n" + tests)
    result = pytester.runpytest()
    result.assert_outcomes(errors=len(MISTAKES))
    for name, (_, message) in MISTAKES.items():
        result.stdout.fnmatch_lines([f"*ERROR at setup of test_{name}*", f"*{message}*"])
    # each a message of its own: no traceback into the plugin, no chained exception
    for noise in ("*pytest_plugin.py:*", "*During handling of the above exception*", "E  *"):
        result.stdout.no_fnmatch_line(noise)


def test_configuration_fixture_mistakes_are_reported(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mock_oms_clock():
            return "Manual"
        """
    )
    pytester.makepyfile("def test_it(mock_oms):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["mock-oms configuration fixtures: clock must be 'manual' or 'real', not 'Manual'"]
    )
    result.stdout.no_fnmatch_line("*pytest_plugin.py:*")


def test_configuration_fixtures_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.mkdir("my-scenarios")
    pytester.path.joinpath("my-scenarios", "quick.yaml").write_text(SCENARIO)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mock_oms_scenarios():
            return ["my-scenarios"]  # relative to the rootdir

        @pytest.fixture(scope="session")
        def mock_oms_clock():
            return "real"

        @pytest.fixture(scope="session")
        def mock_oms_speed():
            return 500.0

        @pytest.fixture(scope="session")
        def mock_oms_seed():
            return 3
        """
    )
    pytester.makepyfile(
        """
        def test_configured(mock_oms):
            assert [s["name"] for s in mock_oms.client.scenarios()] == ["quick"]
            assert mock_oms.client.clock()["speed"] == 500
            assert mock_oms.settings.seed == 3
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_in_process_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio

        import httpx
        import pytest

        def test_sync_client(mock_oms_inprocess):
            fake = mock_oms_inprocess
            assert fake.base_url == "http://mock-oms"
            project = fake.create("full-migration")
            with fake.http_client() as http:  # no socket: the fake's transport
                assert http.get(fake.url(project)).json()["data"]["status"] == "INIT"
            fake.advance(10)
            with httpx.Client(transport=fake.transport) as http:
                assert http.get(fake.url(project)).json()["data"]["status"] == "RUNNING"
            assert fake.polls(project)["count"] == 2

        def test_async_client(mock_oms_inprocess):
            async def poll():
                transport = httpx.ASGITransport(app=mock_oms_inprocess.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
                    response = await http.get("/api/omsp/v2/sync/sync-project/progress")
                    return response.json()["data"]["status"]

            assert asyncio.run(poll()) == "INIT"
            assert len(mock_oms_inprocess.requests()) == 1

        def test_fresh_app_per_test(mock_oms_inprocess):
            assert mock_oms_inprocess.requests() == []

        @pytest.mark.mock_oms(seed=5, auth="u:p")
        def test_marker_applies(mock_oms_inprocess):
            assert mock_oms_inprocess.settings.seed == 5
            assert mock_oms_inprocess.progress("full-migration")["success"]
            with mock_oms_inprocess.http_client() as http:
                assert http.get(mock_oms_inprocess.url("full-migration")).status_code == 401
        """
    )
    pytester.runpytest().assert_outcomes(passed=4)


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mock_oms(seed=1)
        def test_strict(mock_oms_settings):
            pass
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.mock_oms(scenarios=None, clock=None*"])


def test_the_plugin_can_be_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(mock_oms):\n    pass\n")
    result = pytester.runpytest("-p", "no:mock_oms")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'mock_oms' not found*"])


def test_installed_entry_point_in_a_fresh_interpreter(pytester: pytest.Pytester) -> None:
    """What a user gets from `pip install mock-oms`: nothing to configure."""
    pytester.makepyfile(
        """
        import httpx

        def test_it(mock_oms):
            mock_oms.advance(10)
            assert httpx.get(mock_oms.url("full-migration")).json()["success"]
            assert mock_oms.polls("full-migration")["count"] == 1
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_servers_keep_at_most_their_limit() -> None:
    servers = Servers(limit=1)
    try:
        first = servers.get(Settings(port=0, log_level="warning"))
        second = servers.get(Settings(port=0, seed=1, log_level="warning"))
        assert first.base_url != second.base_url
        assert second.client.health()["status"] == "ok"
        with pytest.raises(Exception, match=r"connect|refused|closed"):
            first.client.health()
    finally:
        servers.close()
