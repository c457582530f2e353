"""V4: client mistakes get documented in-band errors, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.rules import (
    Response,
    malformed_id_violations,
    v4_response_violations,
    v4_unknown_project_violations,
)
from contract_tests.target import V4_PROBED, Target
from contract_tests.test_errors import FORBIDDEN, ID_CHARS, PLAIN_ID_CHARS

pytestmark = pytest.mark.oms_api("v4")


def test_v4_unknown_project_error(oms_v4_probes: dict[str, list[Response]]) -> None:
    """A well-formed ID of no project: HTTP 200, success false, GHANA-PROJECT000001 (in
    the message too); never a 5xx."""
    expect_no_violations(
        [v for r in oms_v4_probes["unknown"] for v in v4_unknown_project_violations(r)]
    )


def test_v4_malformed_id_error(oms_v4_probes: dict[str, list[Response]], oms_level: Level) -> None:
    """A malformed project ID: HTTP 200, success false, PARAM_ERROR (at the compatible
    level GHANA-PROJECT000001 too)."""
    expect_no_violations(
        [v for r in oms_v4_probes["malformed"] for v in malformed_id_violations(r, oms_level)]
    )


def test_v4_unknown_project_ids(
    oms_target: Target, oms_settings: settings, oms_token: str, oms_level: Level
) -> None:
    """Property: any unknown well-formed ID, on either project read, gets the documented
    error."""
    if oms_level is Level.STRICT:
        prefix, suffixes = (
            f"contract-unknown-{oms_token}-",
            st.text(ID_CHARS, min_size=1, max_size=40),
        )
    else:
        prefix, suffixes = f"np_{oms_token}", st.text(PLAIN_ID_CHARS, min_size=1, max_size=12)

    @oms_settings
    @given(suffix=suffixes, action=st.sampled_from(V4_PROBED))
    def check(suffix: str, action: str) -> None:
        pid = prefix + suffix
        response = oms_target.call(action, {"id": pid}, project_id=pid)
        expect_no_violations(
            [*v4_unknown_project_violations(response), *v4_response_violations(response, oms_level)]
        )

    check()


def test_v4_malformed_project_ids(
    oms_target: Target, oms_settings: settings, oms_level: Level
) -> None:
    """Property: any ID with a character no project ID has gets an in-band error."""

    @oms_settings
    @given(
        head=st.text(ID_CHARS, max_size=20),
        bad=st.sampled_from(FORBIDDEN),
        tail=st.text(ID_CHARS, max_size=20),
        action=st.sampled_from(V4_PROBED),
    )
    def check(head: str, bad: str, tail: str, action: str) -> None:
        pid = head + bad + tail
        response = oms_target.call(action, {"id": pid}, project_id=pid)
        expect_no_violations(
            [
                *malformed_id_violations(response, oms_level),
                *v4_response_violations(response, oms_level),
            ]
        )

    check()
