"""mock-oms only: random action sequences checked against an independent lifecycle model."""

from __future__ import annotations

from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests.machine import LifecycleMachine
from contract_tests.options import KitOptions
from mock_oms.client import ControlClient

STEPS_PER_EXAMPLE = 25


def test_lifecycle_state_machine(
    oms_control: ControlClient, oms_options: KitOptions, oms_settings: settings
) -> None:
    """Legal actions do what the lifecycle table says, illegal ones are refused in band."""
    machine = LifecycleMachine.bind(oms_control, auth=oms_options.auth, level=oms_options.level)
    # a sequence of actions is worth shrinking: the shortest one that fails tells the story
    phases = [*oms_settings.phases, Phase.shrink]
    run_state_machine_as_test(
        machine,
        settings=settings(oms_settings, stateful_step_count=STEPS_PER_EXAMPLE, phases=phases),
    )
