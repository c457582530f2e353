"""mock-oms only: scenarios are played exactly as their documents say."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings

from contract_tests.oracle import has_faults, story, unsupported
from contract_tests.playback import playback_mismatches, playback_report
from contract_tests.target import Target
from mock_oms import strategies
from mock_oms.client import ControlClient

GENERATED = "contract-generated"
STORY_PREFIX = "contract-story-"
MAX_NAME = 64  # $defs/ScenarioName


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


def story_name(name: str) -> str:
    """The name the kit loads a scenario's story under (a valid scenario name)."""
    wanted = f"{STORY_PREFIX}{name}"
    if len(wanted) <= MAX_NAME:
        return wanted
    return f"{STORY_PREFIX}{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def test_loaded_scenarios_play_exactly(oms_target: Target, oms_control: ControlClient) -> None:
    """The same for every scenario the server serves that the oracle can predict (timed
    in seconds, made of what the oracle knows). A scenario with fault rules is played
    without them, loaded as ``contract-story-NAME``: faults change what some polls
    return, never the story, which is what the oracle predicts."""
    failures, played = [], 0
    for summary in oms_control.scenarios():
        if summary["name"].startswith(STORY_PREFIX):
            continue  # loaded by an earlier run
        document = oms_control.scenario(summary["name"])
        load = has_faults(document)
        if load:
            document = {**story(document), "name": story_name(summary["name"])}
        if unsupported(document) is not None:
            continue
        played += 1
        mismatches = playback_mismatches(oms_target, document, load=load)
        if mismatches:
            failures.append(playback_report(document, mismatches))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    if not played:
        pytest.skip("no loaded scenario is one the oracle can predict")
