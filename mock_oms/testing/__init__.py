"""Testing OMS clients against mock-oms: a robustness harness that serves
hypothesis-generated cases to your client and checks its conclusion.

The harness (:func:`check_client`) takes a *driver*: a function that runs your client
against a :class:`ClientTarget` (a base URL, a project, and an httpx transport when the
server runs in process) and returns what the client concluded, the settled status it
reported, or None when it gave up. For every generated :class:`Case` the harness checks
that the client

- stops within ``max_polls`` polls and ``time_limit`` seconds,
- does not raise,
- reports the truth: a settled status the project really reached, or None when it never
  settles or does not exist.

A failure shrinks to a minimal case, which is saved as a scenario file that
``mock-oms serve --scenarios FILE`` replays, faults included, and raised as
:class:`ClientFailure`.

Cases (:mod:`.cases`) are scenarios whose phases are counted in polls, so they play the
same whatever the client's speed, plus unknown projects. A scenario's project meets faults
on some of its polls (:func:`mock_oms.strategies.fault_sequences`, served as the
scenario's fault rules): HTTP errors, 429 with Retry-After, closed and reset connections,
truncated and non-JSON bodies, wrong content types, in-band errors, latency and short
hangs. They are transient and few, and none waits longer than the cases' ``max_delay``,
so a client that retries can still learn the truth: a fault changes what a poll returns,
never the project's story (the poll counts all the same), so the truth does not depend on
them.
"""

from __future__ import annotations

from mock_oms.testing.case import CASE_SCENARIO, Case, Outcome
from mock_oms.testing.cases import client_cases
from mock_oms.testing.check import ClientFailure, check_client
from mock_oms.testing.mock_transport import fault_response, quiet_body
from mock_oms.testing.saved import DEFAULT_SAVE_DIR, SAVED_SCENARIO, save_case, scenario_text
from mock_oms.testing.server import FAULT_SEED
from mock_oms.testing.target import ClientTarget, Driver

__all__ = [
    "CASE_SCENARIO",
    "DEFAULT_SAVE_DIR",
    "FAULT_SEED",
    "SAVED_SCENARIO",
    "Case",
    "ClientFailure",
    "ClientTarget",
    "Driver",
    "Outcome",
    "check_client",
    "client_cases",
    "fault_response",
    "quiet_body",
    "save_case",
    "scenario_text",
]
