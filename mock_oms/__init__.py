"""mock-oms: a scenario-driven fake of the OceanBase Migration Service progress API.

The names below are imported when first used (``import mock_oms`` stays cheap: a server
must not pay for the client's libraries). The public API, module by module, is listed in
``docs/python-api.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["ControlClient", "ControlError", "Harness", "Settings", "__version__", "create_app"]

_LAZY = {
    "ControlClient": "mock_oms.client",
    "ControlError": "mock_oms.client",
    "Harness": "mock_oms.harness",
    "Settings": "mock_oms.config",
    "create_app": "mock_oms.web.app",
}

if TYPE_CHECKING:
    from mock_oms.client import ControlClient, ControlError
    from mock_oms.config import Settings
    from mock_oms.harness import Harness
    from mock_oms.web.app import create_app


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mock_oms' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
