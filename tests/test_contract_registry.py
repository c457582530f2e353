"""Every rule is in the registry, every check of the kit names its rule there, and the
README's table is the registry's."""

from __future__ import annotations

import ast
from pathlib import Path

import contract_tests
from contract_tests.registry import REGISTRY, SPECS, brief_table, markdown_table
from contract_tests.rules import V4_TWIN, Rule

KIT = Path(contract_tests.__file__).resolve().parent
ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGE = (ROOT / "docs" / "contract-kit.md").read_text(encoding="utf-8")


def kit_checks() -> set[str]:
    names = set()
    for path in KIT.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        }
    return names


def test_every_rule_is_registered_once() -> None:
    assert set(REGISTRY) == set(Rule)
    assert len(SPECS) == len(Rule)


def test_the_registry_names_every_check_of_the_kit_and_no_other() -> None:
    named = {t.strip() for spec in SPECS for t in spec.test.split(",")}
    assert named == kit_checks()


def test_every_rule_says_its_level_and_its_source() -> None:
    for spec in SPECS:
        assert spec.level.startswith(("both", "compatible:", "mock-oms")), spec.rule
        assert spec.fact, spec.rule
        assert spec.api in ("V3", "V4")


def test_a_rules_api_is_in_its_name_and_its_checks() -> None:
    """V4's rules and checks are its own: a run of one API deselects the other's checks."""
    for spec in SPECS:
        v4 = spec.api == "V4"
        assert spec.rule.value.startswith("v4-") is v4, spec.rule
        tests = [t.strip() for t in spec.test.split(",")]
        assert all(t.startswith("test_v4_") is v4 for t in tests), spec.rule
    assert {s.rule for s in SPECS if s.api == "V4"} >= set(V4_TWIN.values())


def test_the_readme_and_the_kits_page_show_the_registrys_tables() -> None:
    assert brief_table("V3") in README
    assert brief_table("V4") not in README  # too long for it: the page has V4's rules
    assert "V4's" in README.split("## Contract kit")[1].split("\n## ")[0]
    assert markdown_table("V3") in PAGE
    assert markdown_table("V4") in PAGE


def test_the_readmes_table_names_every_rule_its_level_and_a_source() -> None:
    rows = brief_table().splitlines()[2:]
    v3 = [spec for spec in SPECS if spec.api == "V3"]
    assert len(rows) == len(v3)
    for row, spec in zip(rows, v3, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == f"`{spec.rule.value}`"
        assert cells[1] and cells[2] and cells[3]
