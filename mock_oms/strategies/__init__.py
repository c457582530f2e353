"""Hypothesis strategies for client authors: what the OMS progress API may answer.

Every function returns a ``SearchStrategy``; its docstring says what a failing example
shrinks towards. Single responses (:mod:`.response`) are derived from the JSON Schemas in
``schemas/`` (through ``hypothesis_jsonschema.from_schema``) and then constrained by the
rules a schema cannot state; timelines (:mod:`.timeline`) and scenarios
(:mod:`.scenario`) are built from the lifecycle table.

Faults (:func:`faults`, :func:`fault_rules`, :func:`injections`, :func:`fault_sequences`)
are declarations as a scenario or the control API writes them, their parts taken from
``scenario.schema.json``'s ``$defs`` (``Fault``, ``FaultRule``, ``Injection``) and kept to
what ``mock-oms validate`` accepts; every wait they cause or ask for has a bound.
"""

from __future__ import annotations

from mock_oms.strategies.common import FLAG_FIELDS, KINDS, PROGRESS_FIELDS, Document
from mock_oms.strategies.fault import (
    FAULT_NAMES,
    IN_BAND_ERROR_CODES,
    TRANSIENT,
    FaultName,
    FaultSpec,
    fault_statuses,
    faults,
)
from mock_oms.strategies.fault_parts import DELAY_STEPS, schema_fault_names
from mock_oms.strategies.fault_plans import fault_rules, fault_sequences, injections, with_faults
from mock_oms.strategies.response import (
    DOCUMENTED_ERROR_CODES,
    error_responses,
    progress_data,
    progress_responses,
    responses,
)
from mock_oms.strategies.scenario import Timing, scenarios, settled_outcomes
from mock_oms.strategies.timeline import timelines

__all__ = [
    "DELAY_STEPS",
    "DOCUMENTED_ERROR_CODES",
    "FAULT_NAMES",
    "FLAG_FIELDS",
    "IN_BAND_ERROR_CODES",
    "KINDS",
    "PROGRESS_FIELDS",
    "TRANSIENT",
    "Document",
    "FaultName",
    "FaultSpec",
    "Timing",
    "error_responses",
    "fault_rules",
    "fault_sequences",
    "fault_statuses",
    "faults",
    "injections",
    "progress_data",
    "progress_responses",
    "responses",
    "scenarios",
    "schema_fault_names",
    "settled_outcomes",
    "timelines",
    "with_faults",
]
