"""The rules of ARCHITECTURE.md as code: which part of mock-oms may import which.

Used by ``test_architecture.py`` on the real package and on mutated copies of it (which
prove that each rule fires). Imports are read from the syntax tree, module by module:
every ``import`` and ``from ... import`` anywhere in a module (inside functions and
``TYPE_CHECKING`` blocks too), relative ones resolved, whatever names they bind. A call
spelling (``t.monotonic()``, ``_now()``) cannot hide an import this way.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

# A part is a subpackage of mock_oms (by its first component) or a top-level module.
# Each part may import from itself and from the parts named here; nothing else of mock_oms.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),  # plus faults.model, see CORE_EXTRA
    "resources": frozenset(),
    "schemas": frozenset({"core", "resources"}),
    "oms": frozenset({"core"}),
    "faults": frozenset({"core", "schemas"}),
    "scenarios": frozenset({"core", "faults", "schemas", "resources"}),
    "journal": frozenset({"core"}),
    "coverage": frozenset({"core", "faults", "journal"}),
    "config": frozenset({"core", "faults", "journal"}),
    "web": frozenset(
        {
            "__init__",
            "core",
            "oms",
            "faults",
            "scenarios",
            "journal",
            "coverage",
            "config",
            "schemas",
            "resources",
        }
    ),
    "serve": frozenset(
        {
            "__init__",
            "core",
            "oms",
            "faults",
            "scenarios",
            "journal",
            "coverage",
            "config",
            "schemas",
            "resources",  # "all of the above" (ARCHITECTURE.md): --watch finds the bundled set
            "web",
        }
    ),
    "transport": frozenset({"core"}),
    "client": frozenset({"core", "transport", "web"}),
    "harness": frozenset({"core", "client", "transport", "config", "web"}),
    "strategies": frozenset({"core", "oms", "faults", "schemas"}),
    # faults, schemas: fault_response checks a fault against the scenario schema and reads
    # it with the server's own parser (faults.spec), rather than a copy of either
    "testing": frozenset(
        {
            "core",
            "oms",
            "faults",
            "schemas",
            "client",
            "harness",
            "transport",
            "strategies",
            "config",
            "scenarios",
            "serve",
            "web",
        }
    ),
    "pytest_plugin": frozenset(
        {"core", "client", "harness", "config", "scenarios", "serve", "web", "coverage_view"}
    ),
    "coverage_view": frozenset({"core", "web"}),
    "cli": frozenset(
        {
            "__init__",
            "core",
            "oms",
            "faults",
            "scenarios",
            "journal",
            "coverage",
            "coverage_view",
            "config",
            "schemas",
            "resources",
            "web",
            "serve",
            "client",
        }
    ),
    "__init__": frozenset({"client", "config", "harness", "web"}),  # lazy re-exports
    "__main__": frozenset({"cli"}),
}
# The imports from outside core that core may make: the pure vocabulary of faults (what goes
# wrong, and the rules of when), which a scenario declares.
CORE_EXTRA = frozenset({"mock_oms.faults.model", "mock_oms.faults.rules"})
# Modules that import nothing of mock-oms but what is named here.
LEAVES: dict[str, frozenset[str]] = {
    "mock_oms.faults.model": frozenset(),
    "mock_oms.faults.rules": frozenset({"mock_oms.faults.model", "mock_oms.core.clock"}),
    "mock_oms.core.lifecycle": frozenset(),
    "mock_oms.core.kinds": frozenset(),
    "mock_oms.core.clock": frozenset(),
}

# The core is pure: no web or HTTP library, no reading of the system clock, no way around
# the import rules.
CORE_FORBIDDEN = frozenset(
    {
        "time",
        "datetime",
        "asyncio",
        "fastapi",
        "starlette",
        "uvicorn",
        "httpx",
        "click",
        "pydantic",
        "importlib",
        "contract_tests",
    }
)
CORE_FORBIDDEN_CALLS = frozenset({"__import__", "eval", "exec"})
# Only the CLI command that runs the contract kit may import it.
CONTRACT_KIT = "contract_tests"
CONTRACT_KIT_DOOR = frozenset({"mock_oms.cli.contract"})


@dataclass(frozen=True)
class Module:
    name: str  # dotted, "mock_oms.core.engine"
    path: Path
    is_package: bool

    @property
    def part(self) -> str:
        rest = self.name.split(".")[1:]
        return rest[0] if rest else "__init__"


def modules(root: Path) -> list[Module]:
    """Every module of the package at ``root`` (a folder named like the package)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found.append(Module(".".join(parts), path, is_package))
    return found


def imports(module: Module, known: set[str]) -> list[str]:
    """The dotted names ``module`` imports (submodules resolved against ``known``)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(candidate if candidate in known else base)
    return found


def calls(module: Module) -> list[str]:
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    return [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    ]


def part_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "mock_oms":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def violations(root: Path) -> list[str]:
    """Every broken rule in the package at ``root``, as readable lines."""
    mods = modules(root)
    known = {m.name for m in mods}
    problems: list[str] = []
    for module in mods:
        part = module.part
        if part not in ALLOWED:
            problems.append(f"{module.name}: part {part!r} has no import rules (ALLOWED)")
            continue
        for name in imports(module, known):
            top = name.split(".")[0]
            if top == CONTRACT_KIT and module.name not in CONTRACT_KIT_DOOR:
                problems.append(f"{module.name} imports the contract kit ({name})")
            if part == "core" and top in CORE_FORBIDDEN:
                problems.append(f"{module.name} (core) imports {name}")
            target = part_of(name)
            if target is None:
                continue
            if module.name in LEAVES and name != "mock_oms" and name not in LEAVES[module.name]:
                problems.append(f"{module.name} may not import {name}: it is a leaf")
            if target == part or target in ALLOWED[part]:
                continue
            if part == "core" and any(name == e or name.startswith(e + ".") for e in CORE_EXTRA):
                continue
            problems.append(f"{module.name} ({part}) may not import {name} ({target})")
        if part == "core":
            for call in calls(module):
                if call in CORE_FORBIDDEN_CALLS:
                    problems.append(f"{module.name} (core) calls {call}()")
    return problems


def kit_violations(root: Path) -> list[str]:
    """The contract kit (a package beside mock_oms) may import mock_oms, never the other
    way round; it imports nothing of mock-oms's tests."""
    problems = []
    for module in modules(root):
        for name in imports(module, set()):
            if name.split(".")[0] in PROJECT_TEST_MODULES:
                problems.append(f"{module.name} imports the project's tests ({name})")
    return problems


# What the contract kit must never import: this project's own test helpers (its judgement
# must rest on the documentation, not on the fake's test suite).
PROJECT_TEST_MODULES = frozenset(
    {"tests", "conftest", "documented", "scenario_docs", "architecture"}
)

_ROW = re.compile(r"^\|\s*`(?P<path>[a-z0-9_/]+\.py)`\s*\|", re.M)


def documented(text: str) -> set[str]:
    """The modules ARCHITECTURE.md's module table names, as dotted names: one row each,
    its first cell the module's path in backticks (`` `core/engine.py` ``)."""
    names = set()
    for match in _ROW.finditer(text):
        parts = match["path"].removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(["mock_oms", *parts]))
    return names
