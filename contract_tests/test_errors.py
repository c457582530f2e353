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


def unknown_ids(token: str, level: Level) -> st.SearchStrategy[str]:
    """Well-formed IDs of no project, unique to this run (``token``): mock-oms's form at
    the strict level, OMS's own (``np_`` and letters and digits) at the compatible one."""
    if level is Level.STRICT:
        prefix, suffixes = f"contract-unknown-{token}-", st.text(ID_CHARS, min_size=1, max_size=40)
    else:
        prefix, suffixes = f"np_{token}", st.text(PLAIN_ID_CHARS, min_size=1, max_size=12)
    return suffixes.map(lambda suffix: prefix + suffix)


def malformed_ids() -> st.SearchStrategy[str]:
    """IDs with a character no project ID has, anywhere in them."""
    return st.builds(
        lambda head, bad, tail: head + bad + tail,
        st.text(ID_CHARS, max_size=20),
        st.sampled_from(FORBIDDEN),
        st.text(ID_CHARS, max_size=20),
    )


def test_unknown_project_error(oms_probes: dict[str, list[Response]]) -> None:
    """A well-formed ID of no project: HTTP 200, success false, GHANA-PROJECT000001;
    never a 5xx."""
    expect_no_violations([v for r in oms_probes["unknown"] for v in unknown_project_violations(r)])


def test_malformed_id_error(oms_probes: dict[str, list[Response]], oms_level: Level) -> None:
    """A malformed project ID: HTTP 200, success false, PARAM_ERROR (at the compatible
    level any error code: the documentation does not say which)."""
    expect_no_violations(
        [v for r in oms_probes["malformed"] for v in malformed_id_violations(r, oms_level)]
    )


def test_unknown_project_ids(
    oms_target: Target, oms_settings: settings, oms_token: str, oms_level: Level
) -> None:
    """Property: any unknown well-formed ID, on either endpoint, gets the documented error."""

    @oms_settings
    @given(pid=unknown_ids(oms_token, oms_level), kind=st.sampled_from(list(Kind)))
    def check(pid: str, kind: Kind) -> None:
        response = oms_target.get(kind, pid)
        expect_no_violations(
            [*unknown_project_violations(response), *response_violations(response, oms_level)]
        )

    check()


def test_malformed_project_ids(
    oms_target: Target, oms_settings: settings, oms_level: Level
) -> None:
    """Property: any ID with a character no project ID has gets an in-band error."""

    @oms_settings
    @given(pid=malformed_ids(), kind=st.sampled_from(list(Kind)))
    def check(pid: str, kind: Kind) -> None:
        response = oms_target.get(kind, pid)
        expect_no_violations(
            [
                *malformed_id_violations(response, oms_level),
                *response_violations(response, oms_level),
            ]
        )

    check()
