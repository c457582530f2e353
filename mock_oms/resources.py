"""Where the bundled schemas and scenarios live.

In an installed wheel they are package data under ``mock_oms/_data`` (copied there from
the top-level ``schemas/`` and ``scenarios/`` by the build). In a source checkout or an
editable install they are read from those top-level folders directly.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["scenarios_dir", "schemas_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def _data_root(name: str) -> Path:
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent / name
    if (_PACKAGE.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"mock-oms cannot find its bundled {name}/ (looked in {packaged} and {checkout}); "
        "the installation is incomplete"
    )


def schemas_dir() -> Path:
    return _data_root("schemas")


def scenarios_dir() -> Path:
    return _data_root("scenarios")
