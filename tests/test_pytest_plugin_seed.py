"""The plugin's seed, port and delays, as a team meets them: a seed in pytest's header that
repeats a run, per-test seeds without a server each, pytest-xdist, a port in use, and fault
delays that take no real time under the manual clock."""

from __future__ import annotations

import re
import socket

import hypothesis
import pytest

import mock_oms.harness
import mock_oms.serve.live
import mock_oms.web.control.app

PRELOADED = (hypothesis, mock_oms.web.control.app, mock_oms.harness, mock_oms.serve.live)  # see
# test_pytest_plugin.py: pytester restores sys.modules after each in-process run

pytestmark = pytest.mark.timeout(120)

RECORDS_IDS = """
import json, pathlib

def test_first_request_id(mock_oms):
    body = mock_oms.progress("full-migration")
    pathlib.Path("ids.txt").open("a").write(body["requestId"] + "\\n")
"""


def header_seed(result: pytest.RunResult) -> int:
    found = re.search(
        r"mock-oms: seed (\d+) \(repeat with --mock-oms-seed=(\d+)\)", result.stdout.str()
    )
    assert found is not None, result.stdout.str()
    assert found.group(1) == found.group(2)
    return int(found.group(1))


def test_the_header_shows_the_seed_and_the_seed_repeats_the_run(pytester: pytest.Pytester) -> None:
    """Before, faults were random unless a seed was pinned, and no seed was shown."""
    pytester.makepyfile(RECORDS_IDS)
    first = pytester.runpytest()
    first.assert_outcomes(passed=1)
    seed = header_seed(first)
    again = pytester.runpytest(f"--mock-oms-seed={seed}")
    again.assert_outcomes(passed=1)
    assert header_seed(again) == seed
    other = pytester.runpytest(f"--mock-oms-seed={seed + 1}")
    ids = pytester.path.joinpath("ids.txt").read_text().split()
    assert ids[0] == ids[1] != ids[2]
    other.assert_outcomes(passed=1)


def test_a_seed_marker_starts_no_server_of_its_own(pytester: pytest.Pytester) -> None:
    """Before, each seed= marker started another server (about half a second)."""
    pytester.makepyfile(
        """
        import pytest

        SEEN = {}

        def test_plain(mock_oms):
            SEEN["url"] = mock_oms.base_url
            SEEN["plain"] = mock_oms.progress("full-migration")["requestId"]

        @pytest.mark.mock_oms(seed=42)
        def test_seeded(mock_oms):
            assert mock_oms.base_url == SEEN["url"]
            assert mock_oms.settings.seed == 42
            SEEN["42"] = mock_oms.progress("full-migration")["requestId"]

        @pytest.mark.mock_oms(seed=42)
        def test_seeded_again(mock_oms):
            assert mock_oms.progress("full-migration")["requestId"] == SEEN["42"]

        def test_plain_again(mock_oms):
            assert mock_oms.base_url == SEEN["url"]
            assert mock_oms.progress("full-migration")["requestId"] == SEEN["plain"]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=4)


def test_seeded_fault_draws_follow_the_marker(pytester: pytest.Pytester) -> None:
    """The faults left to chance repeat under one seed, and differ under another."""
    pytester.makepyfile(
        """
        import pytest

        DRAWS = {}

        def draws(mock_oms):
            mock_oms.client.inject_fault({"status": 503}, probability=0.5)
            return [mock_oms.http_client().get(mock_oms.url("full-migration")).status_code
                    for _ in range(24)]

        @pytest.mark.mock_oms(seed=1)
        def test_one(mock_oms):
            DRAWS["one"] = draws(mock_oms)

        @pytest.mark.mock_oms(seed=1)
        def test_one_again(mock_oms):
            assert draws(mock_oms) == DRAWS["one"]

        @pytest.mark.mock_oms(seed=2)
        def test_two(mock_oms):
            assert draws(mock_oms) != DRAWS["one"]
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_under_xdist_every_worker_uses_the_controller_s_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pathlib

        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_seed(mock_oms, worker_id, n):
            line = f"{worker_id} {mock_oms.settings.seed}\\n"
            pathlib.Path("seeds.txt").open("a").write(line)
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=4)
    seed = header_seed(result)
    lines = pytester.path.joinpath("seeds.txt").read_text().split("\n")
    workers = {line.split()[0] for line in lines if line}
    assert workers == {"gw0", "gw1"}
    assert {line.split()[1] for line in lines if line} == {str(seed)}


def test_a_port_in_use_says_what_to_do(pytester: pytest.Pytester) -> None:
    """Before, the message was the command line's ('choose another --port')."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        pytester.makeconftest(
            f"""
            import pytest

            @pytest.fixture(scope="session")
            def mock_oms_port():
                return {port}
            """
        )
        pytester.makepyfile("def test_it(mock_oms):\n    pass\n")
        result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*port {port} of 127.0.0.1 is in use*pytest-xdist worker*"])
    assert "--port" not in result.stdout.str()


def test_fault_delays_take_no_real_time_under_the_manual_clock(pytester: pytest.Pytester) -> None:
    """Before, a delay waited in real time: the bundled outage scenario could add 5 s."""
    pytester.makepyfile(
        """
        import httpx

        def test_a_long_latency_costs_nothing(mock_oms):
            mock_oms.client.inject_fault({"latency": 120}, count=1)
            with httpx.Client(timeout=5) as http:
                response = http.get(mock_oms.url("full-migration"))
            assert response.status_code == 200
            assert mock_oms.requests()[0]["fault"] == "latency:120"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
