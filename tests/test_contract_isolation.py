"""`mock-oms contract` runs the installed kit whatever folder it starts in: a checkout of
mock-oms (whose own contract_tests/ is another copy of the kit), or a project with a
contract_tests package, conftest.py files and pytest settings of its own. Nothing there
shadows the kit, takes part in its run, or is left behind."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_contract_kit import BIN, RUN_TIMEOUT, junit

import contract_tests

KIT = Path(contract_tests.__file__).resolve().parent
ROOT = Path(__file__).resolve().parent.parent
# two checks and a short session: enough to see which kit ran, and that it ran clean
QUICK = ["--poll-duration", "60", "--max-examples", "3", "--", "-k", "schema or transitions"]
RAN = {"test_responses_match_schema", "test_legal_transitions"}

POISON = "raise RuntimeError('the folder the command started in took part in the run')\n"


def foreign_project(root: Path) -> Path:
    """A user's project: a contract_tests package of its own (whose conftest and tests
    must never load), a root conftest.py, and pytest settings the kit must not take."""
    (root / "contract_tests").mkdir(parents=True)
    (root / "contract_tests" / "__init__.py").write_text(POISON)
    (root / "contract_tests" / "conftest.py").write_text(POISON)
    (root / "contract_tests" / "test_mine.py").write_text("def test_mine():\n    assert False\n")
    (root / "conftest.py").write_text(POISON)
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--no-such-option"\ntestpaths = ["contract_tests"]\n'
    )
    (root / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\n")
    return root


def checkout(root: Path) -> Path:
    """A checkout of mock-oms beside the installed one: the same kit at another path
    (what made `mock-oms contract` fail with ImportPathMismatchError), with mock-oms's
    own pytest configuration and conftest.py."""
    root.mkdir(parents=True)
    shutil.copytree(KIT, root / "contract_tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root)
    (root / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", root / "tests")
    return root


COMMANDS = {
    "mock-oms": [str(BIN / "mock-oms")],
    # `python -m` puts the current folder first on sys.path, where contract_tests waits
    "python -m mock_oms": [sys.executable, "-m", "mock_oms"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS)
@pytest.mark.parametrize("make", [foreign_project, checkout], ids=["project", "checkout"])
def test_the_installed_kit_runs_whatever_the_folder_holds(
    tmp_path: Path, command: list[str], make: Callable[[Path], Path]
) -> None:
    folder = make(tmp_path / "here")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    report = tmp_path / "kit.xml"
    env = {"PATH": str(BIN), "PYTEST_ADDOPTS": "--no-such-option-either", "HOME": str(tmp_path)}
    done = subprocess.run(
        [*command, "contract", "--junit-xml", str(report), *QUICK],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"rootdir: {KIT.parent}" in output  # the installed kit, not the folder's copy
    assert "ImportPathMismatchError" not in output
    results = junit(report)
    assert {name for name, failure in results.items() if failure is None} == RAN
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
