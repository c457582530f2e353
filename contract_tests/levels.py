"""The two levels the kit judges a server at."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """``compatible`` (the default) judges what a real OMS may send; ``strict`` judges
    against mock-oms's own, stricter promise (what mock-oms's CI checks)."""

    COMPATIBLE = "compatible"
    STRICT = "strict"
