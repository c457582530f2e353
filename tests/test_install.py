"""What each install needs: serving, the client and the pytest plugin work without the
contract kit's libraries (hypothesis); `mock-oms contract` without them says how to get
them. Checked in a subprocess where importing hypothesis fails, as it would where
`pip install mock-oms` (without `[kit]`) installed nothing of it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BLOCK = (
    "import sys\n"
    "for name in ('hypothesis', 'hypothesis_jsonschema'):\n"
    "    sys.modules[name] = None\n"
)


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serving_the_client_and_the_plugin_need_no_hypothesis() -> None:
    done = run(
        """
        import contract_tests.plugin, mock_oms.pytest_plugin, mock_oms.harness
        from mock_oms.cli import main
        from mock_oms.client import ControlClient
        from mock_oms.config import Settings
        from mock_oms.core.clock import ClockMode
        from mock_oms.serve.live import LiveServer

        with LiveServer(Settings(port=0, clock=ClockMode.MANUAL)) as server:
            with ControlClient(server.base_url) as oms:
                oms.advance(10)
                print(oms.progress("full-migration")["data"]["status"])
        assert "hypothesis" not in [m for m in sys.modules if sys.modules[m] is not None]
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["INIT"]


def test_the_contract_command_without_the_kit_says_how_to_get_it() -> None:
    done = run("from mock_oms.cli import main\nmain(['contract'])\n")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "pip install 'mock-oms[kit]'" in done.stderr


@pytest.mark.parametrize("module", ["mock_oms.strategies", "contract_tests.machine"])
def test_the_kit_itself_does_need_hypothesis(module: str) -> None:
    # the check above proves something only if the block works
    assert run(f"import {module}").returncode == 1
