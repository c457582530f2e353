"""The OMS response envelope: success and error bodies, request IDs and ``cost``.

Error responses are built here and nowhere else (:func:`error_body`).
"""

from __future__ import annotations

import json
import random
from functools import cache
from typing import Any

from mock_oms.core.engine import Snapshot
from mock_oms.core.errors import MockOmsError
from mock_oms.core.kinds import Flags, Kind

__all__ = [
    "JSON_CONTENT_TYPE",
    "SUCCESS_CODE",
    "SUCCESS_MESSAGE",
    "RequestIds",
    "cost_text",
    "data",
    "encode",
    "error",
    "success",
    "success_body",
]

JSON_CONTENT_TYPE = "application/json"
SUCCESS_CODE = "success"
SUCCESS_MESSAGE = "success"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# the version (4) and variant (RFC 4122) bits of a random UUID, set in a 128-bit integer
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class RequestIds:
    """Random (version 4) UUIDs as request IDs: a fixed sequence when seeded.

    Formatted by hand: the same text as ``str(uuid.UUID(int=bits, version=4))`` in a
    quarter of the time, which counts on the hot path.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._bits = random.Random(seed).getrandbits

    def restart(self) -> None:
        """Start the sequence again (seeded IDs repeat; unseeded ones stay random)."""
        if self.seed is not None:
            self._bits = random.Random(self.seed).getrandbits

    def reseed(self, seed: int | None) -> None:
        """Draw from ``seed`` from now on (None: at random)."""
        self.seed = seed
        self._bits = random.Random(seed).getrandbits

    def next(self) -> str:
        h = "%032x" % (self._bits(128) & _UUID_CLEAR | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def cost_text(seconds: float) -> str:
    """``cost`` as the service writes it: whole milliseconds, as in ``"13 ms"``."""
    if seconds < 0.0005:  # nearly every answer of the fake
        return "0 ms"
    return f"{round(seconds * 1000)} ms"


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


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


@cache
def _success_template(kind: Kind, flags: Flags) -> str:
    """The success body of ``kind`` with these flags, as a %-template of request ID, cost,
    status, importance, step and the four figures. The same bytes as
    ``encode(success(data(...), ...))`` (tests/test_envelope.py checks it), several times
    faster than encoding a dictionary. Its text values are enumerations and step names
    (capitals and underscores), which need no JSON escaping."""
    if kind is Kind.MIGRATION:
        flag_fields = (
            f'"enableStructMigration":{_json_bool(flags.struct)},'
            f'"enableFullMigration":{_json_bool(flags.full)},'
            f'"enableIncrSync":{_json_bool(flags.incr)},'
            f'"enableReverseIncrSync":{_json_bool(flags.reverse)},'
        )
        checkpoints = '"incrSyncCheckpoint":%d,"reverseIncrSyncCheckpoint":%d'
    else:
        flag_fields = (
            f'"enableStructSync":{_json_bool(flags.struct)},'
            f'"enableFullSync":{_json_bool(flags.full)},'
            f'"enableIncrSync":{_json_bool(flags.incr)},'
        )
        checkpoints = '"incrSyncCheckpoint":"%d"'
    return (
        f'{{"success":true,"code":"{SUCCESS_CODE}","message":"{SUCCESS_MESSAGE}","advice":"",'
        '"requestId":"%s","pageNumber":1,"pageSize":1,"totalCount":1,"cost":"%s",'
        '"data":{"status":"%s","importance":"%s",' + flag_fields + '"currentStep":"%s",'
        '"structMigrationProgress":%d,"fullMigrationProgress":%d,' + checkpoints + "}}"
    )


def success_body(kind: Kind, flags: Flags, snap: Snapshot, request_id: str, cost: str) -> bytes:
    """The encoded success envelope for ``snap``: the hot path's body."""
    figures = (snap.incr,) if kind is Kind.SYNC else (snap.incr, snap.reverse)
    text = _success_template(kind, flags) % (
        request_id,
        cost,
        snap.status,  # str enumerations: %s writes their value
        snap.importance,
        snap.step,
        snap.struct,
        snap.full,
        *figures,
    )
    return text.encode()


def encode(document: Any) -> bytes:
    return _dumps(document).encode("utf-8")
