"""The error contract: client mistakes get documented in-band errors, never a 5xx."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests.checks import expect_no_violations
from contract_tests.levels import Level
from contract_tests.rules import (
    Response,
    malformed_id_violations,
    response_violations,
    unknown_project_violations,
)
from contract_tests.target import Target
from mock_oms.core.kinds import Kind

ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
# What is a well-formed ID is not documented: at the compatible level the kit asks about
# IDs of OMS's own form (np_ and letters and digits), at the strict level about mock-oms's.
PLAIN_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Characters no project ID contains; '/', '\\', '?', '#' and '%' are left out because
# web servers in front of a real OMS may refuse them before OMS sees the request.
FORBIDDEN = " $!*'\"<>@,;:[]{}|^`()+=&é中\t"


def test_unknown_project_error(oms_probes: dict[str, list[Response]]) -> None:
    """A well-formed ID of no project: HTTP 200, success false, GHANA-PROJECT000001;
    never a 5xx."""
    expect_no_violations([v for r in oms_probes["unknown"] for v in unknown_project_violations(r)])


def test_malformed_id_error(oms_probes: dict[str, list[Response]], oms_level: Level) -> None:
    """A malformed project ID: HTTP 200, success false, PARAM_ERROR (at the compatible
    level GHANA-PROJECT000001 too: the documentation does not say which)."""
    expect_no_violations(
        [v for r in oms_probes["malformed"] for v in malformed_id_violations(r, oms_level)]
    )


def test_unknown_project_ids(
    oms_target: Target, oms_settings: settings, oms_token: str, oms_level: Level
) -> None:
    """Property: any unknown well-formed ID, on either endpoint, gets the documented error."""
    if oms_level is Level.STRICT:
        prefix, suffixes = (
            f"contract-unknown-{oms_token}-",
            st.text(ID_CHARS, min_size=1, max_size=40),
        )
    else:
        prefix, suffixes = f"np_{oms_token}", st.text(PLAIN_ID_CHARS, min_size=1, max_size=12)

    @oms_settings
    @given(suffix=suffixes, kind=st.sampled_from(list(Kind)))
    def check(suffix: str, kind: Kind) -> None:
        response = oms_target.get(kind, prefix + suffix)
        expect_no_violations(
            [*unknown_project_violations(response), *response_violations(response, oms_level)]
        )

    check()


def test_malformed_project_ids(
    oms_target: Target, oms_settings: settings, oms_level: Level
) -> None:
    """Property: any ID with a character no project ID has gets an in-band error."""

    @oms_settings
    @given(
        head=st.text(ID_CHARS, max_size=20),
        bad=st.sampled_from(FORBIDDEN),
        tail=st.text(ID_CHARS, max_size=20),
        kind=st.sampled_from(list(Kind)),
    )
    def check(head: str, bad: str, tail: str, kind: Kind) -> None:
        response = oms_target.get(kind, head + bad + tail)
        expect_no_violations(
            [
                *malformed_id_violations(response, oms_level),
                *response_violations(response, oms_level),
            ]
        )

    check()
