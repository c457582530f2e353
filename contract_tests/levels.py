"""The two levels the kit judges a server at, and the APIs it judges."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """``compatible`` (the default) judges what a real OMS may send; ``strict`` judges
    against mock-oms's own, stricter promise (what mock-oms's CI checks)."""

    COMPATIBLE = "compatible"
    STRICT = "strict"


class Api(StrEnum):
    """The API the kit checks: ``v3`` (``GET /api/omsp/v2/.../progress``), ``v4`` (``POST
    /api/v2?Action=NAME``), or ``auto``: the one the server speaks (V3 when it speaks both:
    check V4 with ``--api v4``)."""

    AUTO = "auto"
    V3 = "v3"
    V4 = "v4"
