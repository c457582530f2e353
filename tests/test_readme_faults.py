"""The examples of the Faults and Recording pages are valid: the scenarios load, the
injection bodies are what the control API accepts."""

from __future__ import annotations

import json

import pytest
from pages import blocks

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.injections import parse_injection
from mock_oms.scenarios.loader import load_text

PAGES = ("docs/faults.md", "docs/recording.md")


@pytest.mark.parametrize("text", blocks("yaml", *PAGES))
def test_yaml_examples_are_valid_scenarios(text: str) -> None:
    scenario = load_text(text, "faults.md")
    assert not scenario.plain


@pytest.mark.parametrize("text", blocks("json", *PAGES))
def test_json_examples_are_valid_injections(text: str) -> None:
    body = json.loads(text)
    validator = schemas.definition_validator(schemas.SCENARIO, "Injection")
    assert list(validator.iter_errors(body)) == []
    parse_injection(body, (Kind.MIGRATION, Kind.SYNC))


def test_there_are_examples() -> None:
    assert len(blocks("yaml", *PAGES)) == 2
    assert len(blocks("json", *PAGES)) == 2
