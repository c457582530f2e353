"""The mock-oms contract-test kit: checks that a server keeps the OMS progress contract.

Run it with ``mock-oms contract [--base-url URL] [--strict]`` or ``pytest --pyargs
contract_tests`` (options ``--oms-base-url``, ``--oms-project``, ``--oms-auth``,
``--oms-poll-interval``, ``--oms-poll-duration``, ``--oms-strict``; see ``pytest
--help``). Without a base URL it checks an in-process mock-oms serving the bundled
scenarios.

It judges at two levels (:mod:`contract_tests.levels`): compatible, what a real OMS may
send (the default), and strict, what mock-oms promises. The rules are plain functions in
:mod:`contract_tests.rules` (single responses) and :mod:`contract_tests.temporal` (poll
sessions), listed with the facts they rest on in :mod:`contract_tests.registry`; the
facts themselves are in :mod:`contract_tests.facts`. The stateful lifecycle test is
:class:`contract_tests.machine.LifecycleMachine`.
"""

from __future__ import annotations
