from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from mock_oms.app import MockOms, create_app
from mock_oms.client import ControlClient
from mock_oms.clock import ClockMode
from mock_oms.config import Settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

EPOCH = 1_700_000_000.0
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app() -> MockOms:
    """A fresh app on the bundled scenarios, manual clock, fixed epoch and seed."""
    return create_app(Settings(clock=ClockMode.MANUAL, seed=7, epoch=EPOCH))


@pytest.fixture
def client(app: MockOms) -> Iterator[ControlClient]:
    with ControlClient.in_process(app) as c:
        yield c
