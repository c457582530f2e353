"""The pytest plugin of mock-oms (registered through the ``pytest11`` entry point)."""

from __future__ import annotations
