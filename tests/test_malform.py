"""Spoiling bodies: deviations, non-JSON text, truncation points (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_oms.faults.malform import deviate, kept_bytes, without_commas
from mock_oms.faults.model import Change, Deviation, Truncate

DOC: dict[str, Any] = {
    "success": True,
    "requestId": "r",
    "data": {"status": "RUNNING", "fullMigrationProgress": 40, "incrSyncCheckpoint": "17"},
}


@pytest.mark.parametrize(
    ("deviation", "check"),
    [
        (Deviation("data.status", Change.MISSING), lambda d: "status" not in d["data"]),
        (Deviation("data.status", Change.NULL), lambda d: d["data"]["status"] is None),
        (Deviation("requestId", Change.MISSING), lambda d: "requestId" not in d),
        (
            Deviation("data.fullMigrationProgress", Change.OUT_OF_RANGE),
            lambda d: d["data"]["fullMigrationProgress"] == 101,
        ),
        (Deviation("data.status", Change.OUT_OF_RANGE), lambda d: d["data"]["status"] == "UNKNOWN"),
        # a sync checkpoint is text: out of range stays text
        (
            Deviation("data.incrSyncCheckpoint", Change.OUT_OF_RANGE),
            lambda d: d["data"]["incrSyncCheckpoint"] == "-1",
        ),
        (
            Deviation("data.fullMigrationProgress", Change.WRONG_TYPE),
            lambda d: d["data"]["fullMigrationProgress"] == "40",
        ),
        (Deviation("success", Change.WRONG_TYPE), lambda d: d["success"] == "true"),
        (Deviation("data.status", Change.VALUE, 3), lambda d: d["data"]["status"] == 3),
    ],
)
def test_deviate(deviation: Deviation, check: Any) -> None:
    before = json.dumps(DOC)
    assert check(deviate(DOC, deviation))
    assert json.dumps(DOC) == before  # the original is left alone


def test_without_commas_breaks_json_but_keeps_strings() -> None:
    body = json.dumps({"a": "x,y", "b": [1, 2]}).encode()
    broken = without_commas(body)
    with pytest.raises(ValueError, match="Expecting"):
        json.loads(broken)
    assert b'"x,y"' in broken
    assert broken.count(b",") == 1


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.01, max_value=0.99))
def test_truncation_always_sends_less_than_all(length: int, keep: float) -> None:
    kept = kept_bytes(Truncate(keep=keep), length)
    assert 0 <= kept < max(length, 1)
    assert kept_bytes(Truncate(keep=None, bytes=length + 5), length) < max(length, 1)
