"""mock-oms: a scenario-driven fake of the OceanBase Migration Service progress API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
