"""The mock-oms contract-test kit: checks that a server keeps the OMS progress contract.

Run it with ``mock-oms contract [--base-url URL]`` or ``pytest --pyargs contract_tests``
(options ``--oms-base-url``, ``--oms-project``, ``--oms-auth``, ``--oms-poll-interval``,
``--oms-poll-duration``; see ``pytest --help``). Without a base URL it checks an
in-process mock-oms serving the bundled scenarios.

The rules are plain functions in :mod:`contract_tests.rules` (single responses) and
:mod:`contract_tests.temporal` (poll sessions); the stateful lifecycle test
is :class:`contract_tests.machine.LifecycleMachine`.
"""

from __future__ import annotations
