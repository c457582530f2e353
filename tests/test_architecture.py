"""ARCHITECTURE.md's layering, checked: a module imports only from its own layer or above."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mock_oms

PACKAGE = Path(mock_oms.__file__).resolve().parent

LAYERS: list[set[str]] = [
    {
        "lifecycle",
        "steps",
        "errors",
        "clock",
        "sourcemap",
        "resources",
        "schemas",
        "scenario",
        "loader",
        "engine",
        "store",
        "config",
        "journal",
        "polls",
        "faults",
        "faultspec",
        "malform",
        "injections",
        "replay",
    },
    {"envelope"},
    {"oms_api", "delivery", "control", "fault_api", "openapi", "app", "access", "journal_api"},
    {"server", "cli", "render", "recorder", "live", "activity"},
    {
        "transport",
        "client",
        "harness",
        "pytest_plugin",
        "strategies",
        "testing",
        "__main__",
        "__init__",
    },
]
CORE = LAYERS[0]
WEB_LIBRARIES = {"fastapi", "starlette", "uvicorn", "httpx", "click"}
SYSTEM_TIME = {
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("time", "sleep"),
}


def layer_of(module: str) -> int:
    for index, members in enumerate(LAYERS):
        if module in members:
            return index
    raise AssertionError(
        f"mock_oms/{module}.py is in no layer: add it to ARCHITECTURE.md and to LAYERS here"
    )


def modules() -> list[str]:
    return sorted(p.stem for p in PACKAGE.glob("*.py"))


def imports(module: str) -> list[tuple[str, ...]]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: list[tuple[str, ...]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(tuple(alias.name.split(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = tuple(node.module.split("."))
            if base == ("mock_oms",):
                found.extend(("mock_oms", alias.name) for alias in node.names)
            else:
                found.append(base)
    return found


@pytest.mark.parametrize("module", modules())
def test_modules_import_only_from_their_layer_or_above(module: str) -> None:
    own = layer_of(module)
    for name in imports(module):
        if name[0] == "mock_oms" and len(name) > 1 and (PACKAGE / f"{name[1]}.py").exists():
            assert layer_of(name[1]) <= own, f"{module} (layer {own + 1}) imports {name[1]}"


@pytest.mark.parametrize("module", sorted(CORE & set(modules())))
def test_the_core_knows_no_web_and_no_system_clock(module: str) -> None:
    for name in imports(module):
        assert name[0] not in WEB_LIBRARIES, f"{module} imports {'.'.join(name)}"
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in SYSTEM_TIME, (
                f"{module} reads the system clock ({node.value.id}.{node.attr})"
            )


def test_architecture_md_names_every_module() -> None:
    text = (Path(__file__).resolve().parent.parent / "ARCHITECTURE.md").read_text("utf-8")
    for module in modules():
        if not module.startswith("__"):
            assert module in text, f"ARCHITECTURE.md does not mention {module}"
