"""ARCHITECTURE.md's rules, checked on the package, and the checks themselves checked on
mutated copies of it (each mutation must be caught, or the rule guards nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import architecture
import pytest

import contract_tests
import mock_oms

PACKAGE = Path(mock_oms.__file__).resolve().parent
KIT = Path(contract_tests.__file__).resolve().parent
ARCHITECTURE_MD = Path(__file__).resolve().parent.parent / "ARCHITECTURE.md"


def test_the_package_keeps_its_import_rules() -> None:
    assert architecture.violations(PACKAGE) == []


def test_the_contract_kit_keeps_its_import_rules() -> None:
    assert architecture.kit_violations(KIT) == []


def test_every_part_has_rules() -> None:
    parts = {m.part for m in architecture.modules(PACKAGE)}
    assert parts <= set(architecture.ALLOWED), parts - set(architecture.ALLOWED)


def test_architecture_md_names_every_module_and_no_other() -> None:
    actual = {m.name for m in architecture.modules(PACKAGE) if not m.is_package}
    actual |= {
        m.name
        for m in architecture.modules(PACKAGE)
        if m.is_package and m.name != "mock_oms" and _has_code(m.path)
    }
    named = architecture.documented(ARCHITECTURE_MD.read_text("utf-8"))
    assert actual - named == set(), "modules missing from ARCHITECTURE.md's table"
    assert named - actual == set(), "ARCHITECTURE.md names modules that do not exist"


def _has_code(path: Path) -> bool:
    """A package ``__init__`` with more than a docstring and re-exports."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    return any(
        not isinstance(node, ast.Import | ast.ImportFrom | ast.Expr | ast.Assign)
        for node in tree.body
    )


# -- the checks, checked: each mutation of a copy must be reported --------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "mock_oms"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "_data"))
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + "\n" + text + "\n", encoding="utf-8")


MUTATIONS = {
    "core reads time under another name": (
        "core/engine.py",
        "from time import monotonic as _now\n\n\ndef _later() -> float:\n    return _now()",
    ),
    "core imports time as t": ("core/store.py", "import time as t"),
    "core imports datetime inside a function": (
        "core/clock.py",
        "def _today() -> object:\n    import datetime\n\n    return datetime.datetime.now()",
    ),
    "core imports a web library": ("core/scenario.py", "from starlette.requests import Request"),
    "core imports pydantic under TYPE_CHECKING": (
        "core/library.py",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import pydantic",
    ),
    "core imports from web": ("core/engine.py", "from mock_oms.web import delivery"),
    "core imports from web relatively": ("core/store.py", "from ..web.oms_api import OmsApi"),
    "core imports web through the package": ("core/steps.py", "from mock_oms import web"),
    "core imports through __import__": ("core/lifecycle.py", "_t = __import__('time')"),
    "a leaf imports mock-oms": ("faults/model.py", "from mock_oms.core.kinds import Kind"),
    "the fault rules import the core": ("faults/rules.py", "from mock_oms.core import steps"),
    "faults import the web layer": ("faults/spec.py", "from mock_oms.web.app import create_app"),
    "the journal imports the web layer": ("journal/polls.py", "from mock_oms.web import delivery"),
    "the web layer imports the process layer": (
        "web/oms_api.py",
        "from mock_oms.serve.server import serve",
    ),
    "mock_oms imports the contract kit": ("serve/server.py", "import contract_tests.run"),
    "the CLI imports the kit outside its contract command": (
        "cli/__init__.py",
        "from contract_tests import run as _run",
    ),
    "the client imports the process layer": ("client.py", "from mock_oms.serve import live"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_rule_fires_on_a_mutated_copy(copy: Path, mutation: str) -> None:
    assert architecture.violations(copy) == []
    file, text = MUTATIONS[mutation]
    _append(copy / file, text)
    assert architecture.violations(copy) != [], mutation


def test_a_module_missing_from_architecture_md_is_reported(copy: Path) -> None:
    (copy / "core" / "novelty.py").write_text('"""New."""\n', encoding="utf-8")
    named = architecture.documented(ARCHITECTURE_MD.read_text("utf-8"))
    names = {m.name for m in architecture.modules(copy) if not m.is_package}
    assert "mock_oms.core.novelty" in names - named


@pytest.mark.parametrize("path", ["cli/__init__.py", "serve/live.py", "core/engine.py"])
def test_a_row_deleted_from_architecture_md_is_reported(path: str) -> None:
    text = ARCHITECTURE_MD.read_text("utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"| `{path}` |"))
    dotted = "mock_oms." + path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    assert dotted in architecture.documented(text)
    assert dotted not in architecture.documented(text.replace(row + "\n", ""))


def test_the_kit_importing_the_project_tests_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "contract_tests"
    shutil.copytree(KIT, target, ignore=shutil.ignore_patterns("__pycache__"))
    assert architecture.kit_violations(target) == []
    _append(target / "rules.py", "from documented import LIFECYCLE")
    assert architecture.kit_violations(target) != []
