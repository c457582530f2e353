"""The installed package carries the schemas and scenarios of this checkout, all of them.

The test suite runs against the installed package (``pip install '.[test]'``), so a file
left out of the wheel's build configuration fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_oms.resources import scenarios_dir, schemas_dir
from mock_oms.scenarios.loader import load_bundled

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("folder", "installed"), [("schemas", schemas_dir), ("scenarios", scenarios_dir)]
)
def test_the_package_carries_every_file_of_the_checkout(folder: str, installed: object) -> None:
    assert callable(installed)
    source = {
        p.relative_to(CHECKOUT / folder): p.read_bytes()
        for p in (CHECKOUT / folder).rglob("*")
        if p.is_file()
    }
    packaged = {
        p.relative_to(installed()): p.read_bytes() for p in installed().rglob("*") if p.is_file()
    }
    assert source, f"nothing in {folder}/"
    assert sorted(map(str, packaged)) == sorted(map(str, source))
    assert packaged == source


def test_the_bundled_library_is_every_scenario_file() -> None:
    files = {p.stem for p in (CHECKOUT / "scenarios").rglob("*.yaml")}
    assert set(load_bundled().scenarios) == files
