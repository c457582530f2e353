"""The OMS response envelope: success and error bodies, request IDs and ``cost``.

Error responses are built here and nowhere else (:func:`error_body`).
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

from mock_oms.engine import Snapshot
from mock_oms.errors import MockOmsError
from mock_oms.steps import Flags, Kind

JSON_CONTENT_TYPE = "application/json"
SUCCESS_CODE = "success"
SUCCESS_MESSAGE = "success"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class RequestIds:
    """UUID-shaped request IDs: random by default, a fixed sequence when seeded."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def next(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))


def cost_text(seconds: float) -> str:
    """``cost`` as the service writes it: whole milliseconds, as in ``"13 ms"``."""
    return f"{max(0, round(seconds * 1000))} ms"


def data(kind: Kind, flags: Flags, snap: Snapshot) -> dict[str, Any]:
    """The ``data`` object for ``snap``, with the field names of the project kind."""
    if kind is Kind.MIGRATION:
        return {
            "status": snap.status.value,
            "importance": snap.importance.value,
            "enableStructMigration": flags.struct,
            "enableFullMigration": flags.full,
            "enableIncrSync": flags.incr,
            "enableReverseIncrSync": flags.reverse,
            "currentStep": snap.step,
            "structMigrationProgress": snap.struct,
            "fullMigrationProgress": snap.full,
            "incrSyncCheckpoint": snap.incr,
            "reverseIncrSyncCheckpoint": snap.reverse,
        }
    return {
        "status": snap.status.value,
        "importance": snap.importance.value,
        "enableStructSync": flags.struct,
        "enableFullSync": flags.full,
        "enableIncrSync": flags.incr,
        "currentStep": snap.step,
        "structMigrationProgress": snap.struct,
        "fullMigrationProgress": snap.full,
        "incrSyncCheckpoint": str(snap.incr),
    }


def success(payload: dict[str, Any], request_id: str, cost: str) -> dict[str, Any]:
    return {
        "success": True,
        "code": SUCCESS_CODE,
        "message": SUCCESS_MESSAGE,
        "advice": "",
        "requestId": request_id,
        "pageNumber": 1,
        "pageSize": 1,
        "totalCount": 1,
        "cost": cost,
        "data": payload,
    }


def error(exc: MockOmsError, request_id: str, cost: str) -> dict[str, Any]:
    return {
        "success": False,
        "code": exc.code,
        "message": f"[{exc.code}]: {exc.message}",
        "advice": exc.advice,
        "requestId": request_id,
        "pageNumber": 1,
        "pageSize": 1,
        "totalCount": 0,
        "cost": cost,
        "data": None,
    }


def encode(document: dict[str, Any]) -> bytes:
    return _dumps(document).encode("utf-8")


def error_body(
    exc: MockOmsError, request_id: str, cost: str = "0 ms", *, control: bool = False
) -> tuple[int, bytes]:
    """The HTTP status and body that answer ``exc``: the one place errors become responses.

    ``control``: the answer goes to a control API call (which uses plain HTTP statuses
    where the OMS endpoints answer in band).
    """
    status = exc.control_status if control and exc.control_status else exc.http_status
    return status, encode(error(exc, request_id, cost))
