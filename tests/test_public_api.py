"""The declared public surface, as httpx checks its own: every module says what it exports
(``__all__``, exactly the public names it defines), and the public modules export exactly
what ``docs/python-api.md`` lists."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import mock_oms

PACKAGE = Path(mock_oms.__file__).resolve().parent
PAGE = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _defined(tree: ast.Module) -> set[str]:
    """The public names a module defines at its top level (not those it imports)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


SKIPPED = {"mock_oms.__main__"}  # it runs the CLI when imported
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _module_name(p) not in SKIPPED)


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_every_module_exports_exactly_the_public_names_it_defines(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    defined = _defined(tree) - {"__all__"}
    module = importlib.import_module(_module_name(path))
    declared = getattr(module, "__all__", None)
    if not defined and declared is None:
        return  # a package's docstring, or a script
    assert declared is not None, f"{module.__name__} has no __all__"
    assert len(declared) == len(set(declared)), "names listed twice"
    reexported = set(declared) - defined
    for name in declared:
        assert hasattr(module, name), f"{module.__name__}.__all__ names {name}, which is missing"
    if path.name != "__init__.py":  # a package may re-export its modules' names
        assert reexported <= {"progress_path"}, f"re-exported: {sorted(reexported)}"
    assert defined <= set(declared), f"not in __all__: {sorted(defined - set(declared))}"


def _page() -> dict[str, set[str]]:
    text = PAGE.read_text("utf-8")
    sections = re.split(r"^## `([a-z_.]+)`\s*$", text, flags=re.M)[1:]
    listed: dict[str, set[str]] = {}
    for name, body in zip(sections[::2], sections[1::2], strict=True):
        listed[name] = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", body))
    return listed


def test_the_page_lists_public_modules() -> None:
    assert {"mock_oms", "mock_oms.client", "mock_oms.harness"} <= set(_page())


@pytest.mark.parametrize("module", sorted(_page()))
def test_a_public_module_exports_what_the_page_lists(module: str) -> None:
    listed = _page()[module]
    exported = set(importlib.import_module(module).__all__)
    # the page may name a method or a field in its prose; every export must be listed
    assert exported <= listed, f"exported but not documented: {sorted(exported - listed)}"
    for name in exported:
        assert getattr(importlib.import_module(module), name) is not None


def test_every_lazy_export_of_the_package_resolves() -> None:
    for name in mock_oms.__all__:
        assert getattr(mock_oms, name) is not None
    with pytest.raises(AttributeError):
        _ = mock_oms.nothing_here
