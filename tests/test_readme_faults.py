"""The examples of the README's "Faults" and "Recording and replaying" sections are valid."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.injections import parse_injection
from mock_oms.scenarios.loader import load_text

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Faults\n")
    ours = text[start:]
    following = re.search(r"\n## (?!Faults|Recording and replaying an incident)", ours[1:])
    if following:
        ours = ours[: following.start() + 1]
    return re.findall(rf"```{language}\n(.*?)```", ours, flags=re.DOTALL)


@pytest.mark.parametrize("text", blocks("yaml"))
def test_yaml_examples_are_valid_scenarios(text: str) -> None:
    scenario = load_text(text, "README.md")
    assert not scenario.plain


@pytest.mark.parametrize("text", blocks("json"))
def test_json_examples_are_valid_injections(text: str) -> None:
    body = json.loads(text)
    validator = schemas.definition_validator(schemas.SCENARIO, "Injection")
    assert list(validator.iter_errors(body)) == []
    parse_injection(body, (Kind.MIGRATION, Kind.SYNC))


def test_there_are_examples() -> None:
    assert len(blocks("yaml")) == 2
    assert len(blocks("json")) == 2
