"""The installed package carries the schemas and scenarios of this checkout, all of them.

The test suite runs against the installed package (``pip install '.[test]'``), so a file
left out of the wheel's build configuration fails here."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from mock_oms.resources import scenarios_dir, schemas_dir
from mock_oms.scenarios.loader import load_bundled
from mock_oms.web.access import UI_ASSETS

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


def test_the_package_carries_the_dashboards_files() -> None:
    # hatch ships every file under mock_oms/; .ci/run fetches them from an installed wheel
    folder = files("mock_oms.web").joinpath("assets")
    shipped = {p.name for p in folder.iterdir() if p.is_file()}
    assert shipped == {"ui.html", *UI_ASSETS}
    source = CHECKOUT / "mock_oms" / "web" / "assets"
    for name in shipped:
        assert folder.joinpath(name).read_bytes() == (source / name).read_bytes()
