"""V4: the lifecycle through the V4 actions, on projects the kit creates."""

from __future__ import annotations

import pytest

from contract_tests.checks import expect_no_violations
from contract_tests.lifecycle_v4 import Walk
from contract_tests.options import KitOptions

pytestmark = pytest.mark.oms_api("v4")


def test_v4_lifecycle(oms_v4_walk: Walk | None, oms_options: KitOptions) -> None:
    """CreateProject makes a project in INIT; legal actions lead where the lifecycle table
    says (and what happens by itself), illegal ones are refused in band and change
    nothing; a deleted project is DELETED or unknown."""
    if oms_v4_walk is None:
        pytest.skip(
            "the V4 lifecycle creates projects: give "
            f"{oms_options.spelling('create-body')} FILE (a CreateProject body your OMS "
            "accepts) to check it"
        )
    expect_no_violations(oms_v4_walk.problems)
