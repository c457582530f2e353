"""A fault as the httpx response or error a client meets, for unit tests over
``httpx.MockTransport``: what mock-oms would send, without a server.

The fault is read and applied by the server's own code (``faults.spec`` reads it,
``web.delivery`` shapes the reply), so a unit test meets the bytes, headers and errors that
``check_client`` and the fixtures serve. A connection the server would end raises the
error httpx gives on a socket; a hang raises :class:`httpx.ReadTimeout`, as for a client
whose timeout is shorter than the hang.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import httpx

from mock_oms import schemas
from mock_oms.core.kinds import Kind
from mock_oms.faults.rules import Choice
from mock_oms.faults.spec import parse_fault
from mock_oms.oms import envelope
from mock_oms.strategies import FLAG_FIELDS, FaultSpec
from mock_oms.strategies.response import envelope as success_envelope
from mock_oms.web import delivery

__all__ = ["fault_response", "quiet_body"]


def quiet_body(kind: Kind | str = Kind.MIGRATION) -> dict[str, Any]:
    """A progress response of a project in INIT with every flag off: the answer a fault
    spoils when no other is given."""
    kind = Kind(kind)
    data: dict[str, Any] = {"status": "INIT", "importance": "LOW"}
    data.update(dict.fromkeys(FLAG_FIELDS[kind], False))
    data.update(currentStep="PRE_CHECK", structMigrationProgress=0, fullMigrationProgress=0)
    if kind is Kind.MIGRATION:
        data.update(incrSyncCheckpoint=0, reverseIncrSyncCheckpoint=0)
    else:
        data["incrSyncCheckpoint"] = "0"
    return success_envelope(data, "00000000-0000-4000-8000-000000000000", 1)


def _fault(spec: FaultSpec, kind: Kind) -> Any:
    validator = schemas.definition_validator(schemas.SCENARIO, "Fault")
    errors = [e.message for e in validator.iter_errors(spec)]
    problems: list[Any] = []
    fault = None if errors else parse_fault(spec, ("fault",), (kind,), problems)
    if errors or problems:
        said = "; ".join(errors or [str(p[1]) for p in problems])
        raise ValueError(f"not a fault: {spec!r}: {said}")
    return fault


def fault_response(
    fault: FaultSpec,
    request: httpx.Request,
    body: Mapping[str, Any] | None = None,
    *,
    kind: Kind | str = Kind.MIGRATION,
    seed: int = 0,
) -> httpx.Response:
    """The response mock-oms answers ``request`` with under ``fault`` (as a scenario writes
    it: ``"reset"``, ``{"status": 503}``, ...), when its answer would have been ``body``
    (a progress response, such as :func:`mock_oms.strategies.progress_responses` draws; by
    default :func:`quiet_body`). Raises the httpx error a client
    meets when the connection ends without a whole answer. ``seed`` names the request IDs
    of the error envelopes it writes."""
    document = dict(body) if body is not None else quiet_body(kind)
    status, raw = 200, envelope.encode(document)
    runtime: Any = SimpleNamespace(
        faults=SimpleNamespace(max_delay=math.inf), ids=envelope.RequestIds(seed)
    )
    base = delivery._Base(status, raw, document)
    choice = Choice(_fault(fault, Kind(kind)))
    outcome = delivery._apply(base, choice, runtime, 0.0, delivery.v3_dialect(runtime, Kind(kind)))
    plan = outcome.plan
    if plan.ending is delivery.Ending.HANG:
        raise httpx.ReadTimeout("timed out", request=request)
    if plan.ending is delivery.Ending.CLOSE:
        message = "Server disconnected without sending a response."
        raise httpx.RemoteProtocolError(message, request=request)
    if plan.ending is delivery.Ending.RESET:
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    if plan.ending is delivery.Ending.TRUNCATE:
        message = (
            "peer closed connection without sending complete message body "
            f"(received {plan.keep} bytes)"
        )
        raise httpx.RemoteProtocolError(message, request=request)
    headers = {"content-type": plan.content_type}
    if plan.retry_after is not None:
        headers["retry-after"] = plan.retry_after
    return httpx.Response(outcome.status, headers=headers, content=outcome.body, request=request)
