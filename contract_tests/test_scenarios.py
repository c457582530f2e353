"""mock-oms only: scenarios are played exactly as their documents say."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from contract_tests.oracle import unsupported
from contract_tests.playback import playback_mismatches, playback_report
from contract_tests.target import Target
from mock_oms import strategies
from mock_oms.client import ControlClient

GENERATED = "contract-generated"


def test_generated_scenarios_play_exactly(
    oms_target: Target, oms_control: ControlClient, oms_settings: settings
) -> None:
    """Property: a generated scenario, loaded through POST /_mock/scenarios, shows at each
    phase start and middle the status, step, alert level, progress and checkpoints its
    document prescribes."""

    @oms_settings
    @given(document=strategies.scenarios(timing="seconds", max_seconds=300, name=GENERATED))
    def check(document: dict[str, Any]) -> None:
        mismatches = playback_mismatches(oms_target, document)
        if mismatches:
            pytest.fail(playback_report(document, mismatches), pytrace=False)

    check()


def test_loaded_scenarios_play_exactly(oms_target: Target, oms_control: ControlClient) -> None:
    """The same for every scenario the server serves that the oracle can predict (timed
    in seconds, made of what the oracle knows)."""
    failures, played = [], 0
    for summary in oms_control.scenarios():
        document = oms_control.scenario(summary["name"])
        if unsupported(document) is not None:
            continue
        played += 1
        mismatches = playback_mismatches(oms_target, document, load=False)
        if mismatches:
            failures.append(playback_report(document, mismatches))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    if not played:
        pytest.skip("no loaded scenario is one the oracle can predict")
