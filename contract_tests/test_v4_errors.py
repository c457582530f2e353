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
from contract_tests.test_errors import malformed_ids, unknown_ids

pytestmark = pytest.mark.oms_api("v4")


def test_v4_unknown_project_error(oms_v4_probes: dict[str, list[Response]]) -> None:
    """A well-formed ID of no project: HTTP 200, success false, GHANA-PROJECT000001 (in
    the message too); never a 5xx."""
    expect_no_violations(
        [v for r in oms_v4_probes["unknown"] for v in v4_unknown_project_violations(r)]
    )


def test_v4_malformed_id_error(oms_v4_probes: dict[str, list[Response]], oms_level: Level) -> None:
    """A malformed project ID: HTTP 200, success false, PARAM_ERROR (at the compatible
    level any error code)."""
    expect_no_violations(
        [v for r in oms_v4_probes["malformed"] for v in malformed_id_violations(r, oms_level)]
    )


def test_v4_unknown_project_ids(
    oms_target: Target, oms_settings: settings, oms_token: str, oms_level: Level
) -> None:
    """Property: any unknown well-formed ID, on either project read, gets the documented
    error."""

    @oms_settings
    @given(pid=unknown_ids(oms_token, oms_level), action=st.sampled_from(V4_PROBED))
    def check(pid: str, action: str) -> None:
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
    @given(pid=malformed_ids(), action=st.sampled_from(V4_PROBED))
    def check(pid: str, action: str) -> None:
        response = oms_target.call(action, {"id": pid}, project_id=pid)
        expect_no_violations(
            [
                *malformed_id_violations(response, oms_level),
                *v4_response_violations(response, oms_level),
            ]
        )

    check()
