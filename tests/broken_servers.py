"""Small OMS servers written from the documentation, apart from mock-oms: one that keeps
the contract (:class:`Oms`) and variants that each break it, or tolerate it, one way.

Each is a real HTTP server (``http.server``, on 127.0.0.1, in a thread) that knows four
projects and nothing of mock-oms's engine, scenarios or control API. A variant overrides
one hook: the ``data`` of a poll, the envelope, the HTTP status, the content type, or a
transport fault before the answer.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Data = dict[str, Any]
Fault = str | tuple[int, str, bytes] | None  # "reset", or (status, content type, body)

PATH = re.compile(r"^/api/omsp/v2/(migrations|sync)/([^/]*)/progress$")
WELL_FORMED = re.compile(r"[A-Za-z0-9_.~-]{1,128}")
# The projects every server knows, and the kit's arguments that observe them.
PROJECTS = ("np_migrating", "np_finished", "np_suspended", "sync:np_sync")


class Oms:
    """An OMS that keeps the documented contract. ``polls`` counts each project's polls."""

    def __init__(self) -> None:
        self.polls: Counter[tuple[str, str]] = Counter()
        self.started = int(time.time()) - 600

    # -- hooks ---------------------------------------------------------------------------

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        """The ``data`` of poll ``n`` (from 0) of ``pid``; None: no such project."""
        if kind == "migrations" and pid == "np_migrating":
            full = min(100, 10 * n)
            return migration(
                "RUNNING",
                "FULL_MIGRATION" if full < 100 else "INCR_SYNC",
                struct=100,
                full=full,
                incr=True,
                checkpoint=int(now) - 5,
            )
        if kind == "migrations" and pid == "np_finished":
            return migration(
                "FINISHED", "APP_SWITCH", struct=0, full=100, struct_on=False, checkpoint=0
            )
        if kind == "migrations" and pid == "np_suspended":
            return migration(
                "SUSPEND", "FULL_MIGRATION", struct=100, full=40, incr=True, checkpoint=self.started
            )
        if kind == "sync" and pid == "np_sync":
            return sync("RUNNING", "INCR_SYNC", checkpoint=str(int(now) - 2))
        return None

    def success(self, data: Data) -> Data:
        return envelope(True, "success", "success", data)

    def error(self, code: str, text: str) -> Data:
        return envelope(False, code, f"[{code}]: {text}", None)

    def unknown(self, pid: str) -> Data:
        return self.error("GHANA-PROJECT000001", f"project {pid} does not exist")

    def malformed(self, pid: str) -> Data:
        return self.error("PARAM_ERROR", "the project ID is malformed")

    def status(self, body: Data) -> int:
        return 200

    content_type = "application/json"

    def fault(self, kind: str, pid: str, n: int) -> Fault:
        return None

    # -- the answer ----------------------------------------------------------------------

    def answer(self, path: str) -> tuple[Fault, int, str, bytes]:
        match = PATH.match(path)
        if match is None:
            return None, 404, "text/plain", b"not found"
        kind, pid = match[1], _unquote(match[2])
        n = self.polls[kind, pid]
        self.polls[kind, pid] += 1
        fault = self.fault(kind, pid, n)
        if fault is not None:
            return fault, 0, "", b""
        if not WELL_FORMED.fullmatch(pid):
            body = self.malformed(pid)
        else:
            found = self.data(kind, pid, n, time.time())
            body = self.unknown(pid) if found is None else self.success(found)
        return None, self.status(body), self.content_type, json.dumps(body).encode()


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)


def envelope(success: bool, code: Any, message: Any, data: Data | None) -> Data:
    return {
        "success": success,
        "code": code,
        "message": message,
        "advice": "",
        "requestId": str(uuid.uuid4()),
        "pageNumber": None,
        "pageSize": None,
        "totalCount": None,
        "cost": "4 ms",
        "data": data,
    }


def migration(
    status: str,
    step: str,
    *,
    struct: Any,
    full: Any,
    checkpoint: Any,
    incr: bool = False,
    struct_on: bool = True,
    reverse: Any = 0,
) -> Data:
    return {
        "status": status,
        "importance": "LOW",
        "enableStructMigration": struct_on,
        "enableFullMigration": True,
        "enableIncrSync": incr,
        "enableReverseIncrSync": False,
        "currentStep": step,
        "structMigrationProgress": struct,
        "fullMigrationProgress": full,
        "incrSyncCheckpoint": checkpoint,
        "reverseIncrSyncCheckpoint": reverse,
    }


def sync(status: str, step: str, *, checkpoint: str) -> Data:
    return {
        "status": status,
        "importance": "LOW",
        "enableStructSync": True,
        "enableFullSync": True,
        "enableIncrSync": True,
        "currentStep": step,
        "structMigrationProgress": 100,
        "fullMigrationProgress": 100,
        "incrSyncCheckpoint": checkpoint,
    }


# -- serving -------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    oms: Oms

    def do_GET(self) -> None:
        fault, status, content_type, body = self.oms.answer(self.path)
        if fault == "reset":  # close at once with a TCP reset: no answer at all
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.request.close()
            return
        if isinstance(fault, tuple):
            status, content_type, body = fault
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reset connection is the point of some servers here: no traceback."""


@contextmanager
def serving(oms: Oms) -> Iterator[str]:
    """``oms`` served on 127.0.0.1; yields its base URL."""
    with serving_handler(type("Handler", (_Handler,), {"oms": oms})) as url:
        yield url


@contextmanager
def serving_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A server of ``handler`` on 127.0.0.1, in a thread; yields its base URL."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- servers that break the contract, one way each -----------------------------------------


class FloatsGoingBack(Oms):
    """Progress and checkpoints written as whole floats (60.0), and going back."""

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and pid == "np_migrating":
            full = float(min(90, 10 * n))
            found["fullMigrationProgress"] = full - 11.0 if n == 6 else full
            found["incrSyncCheckpoint"] = float(self.started + n - (3 if n == 7 else 0))
        return found


class MillisecondCheckpoints(Oms):
    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and pid == "np_migrating":
            found["incrSyncCheckpoint"] = int(now * 1000)
        return found


class SuccessWithStatus500(Oms):
    def status(self, body: Data) -> int:
        data = body.get("data")
        return 500 if isinstance(data, dict) and data.get("status") == "RUNNING" else 200


class TextPlain(Oms):
    content_type = "text/plain; charset=utf-8"


class FailureSayingSuccess(Oms):
    """Every third poll of a project fails, with the code "success"."""

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and n % 3 == 2:
            return {"failed": True}
        return found

    def success(self, data: Data) -> Data:
        if data.get("failed"):
            return envelope(False, "success", "success", None)
        return super().success(data)


class SuccessWithErrorCode(Oms):
    def success(self, data: Data) -> Data:
        return envelope(True, "INNER_ERROR", "[INNER_ERROR]: partial answer", data)


class PrefixNamesAnotherCode(Oms):
    def unknown(self, pid: str) -> Data:
        return envelope(False, "GHANA-PROJECT000001", "[INNER_ERROR]: no such project", None)


class ErrorOnEveryPoll(Oms):
    """The projects exist, but every poll of np_migrating fails in band."""

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        if pid == "np_migrating":
            return {"failed": True}
        return super().data(kind, pid, n, now)

    def success(self, data: Data) -> Data:
        if data.get("failed"):
            return self.error("INNER_ERROR", "internal error")
        return super().success(data)


class MovingWhileSuspended(Oms):
    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and pid == "np_suspended":
            found["fullMigrationProgress"] = min(99, 40 + n)
        return found


class DisabledPhaseProgress(Oms):
    """Structure migration is off, yet its progress climbs."""

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and pid == "np_migrating":
            found["enableStructMigration"] = False
            found["structMigrationProgress"] = min(100, 10 * n)
        return found


class CheckpointWithIncrOff(Oms):
    """Incremental sync is off, yet its checkpoint moves."""

    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and pid == "np_migrating":
            found["enableIncrSync"] = False
            found["currentStep"] = "FULL_MIGRATION"
            found["incrSyncCheckpoint"] = self.started + n
        return found


class FailureBurst(Oms):
    """Five 503s in a row on np_migrating: more than the kit retries one poll."""

    def fault(self, kind: str, pid: str, n: int) -> Fault:
        if pid == "np_migrating" and 5 <= n < 10:
            return 503, "text/html", b"<html><body>503 Service Unavailable</body></html>"
        return None


class EnvelopeWith503(Oms):
    """One poll answered 503 with an OMS error body: OMS's answer, not a gateway's."""

    def fault(self, kind: str, pid: str, n: int) -> Fault:
        if pid == "np_migrating" and n == 4:
            body = json.dumps(self.error("INNER_ERROR", "busy")).encode()
            return 503, "application/json", body
        return None


# -- servers that behave as a real OMS may (the compatible level takes them) --------------


class MalformedAsUnknown(Oms):
    def malformed(self, pid: str) -> Data:
        return self.unknown(pid)


class NullsOnSuccess(Oms):
    """The newer API's success: code, message, advice (and paging) null."""

    def success(self, data: Data) -> Data:
        return envelope(True, None, None, data) | {"advice": None}


class CostSpelled(Oms):
    def __init__(self, cost: Any) -> None:
        super().__init__()
        self.cost = cost

    def success(self, data: Data) -> Data:
        return super().success(data) | {"cost": self.cost}

    def error(self, code: str, text: str) -> Data:
        return super().error(code, text) | {"cost": self.cost}


class WholeFloats(Oms):
    def data(self, kind: str, pid: str, n: int, now: float) -> Data | None:
        found = super().data(kind, pid, n, now)
        if found is not None and kind == "migrations":
            for name in (
                "structMigrationProgress",
                "fullMigrationProgress",
                "incrSyncCheckpoint",
                "reverseIncrSyncCheckpoint",
            ):
                found[name] = float(found[name])
        return found


class NewerErrors(Oms):
    """Errors as the newer API sends them: advice, paging, cost and data absent, an
    errorDetail instead."""

    def error(self, code: str, text: str) -> Data:
        return {
            "code": code,
            "errorDetail": {"code": code, "message": text, "requestId": "r"},
            "message": f"[{code}]: {text}",
            "requestId": str(uuid.uuid4()),
            "success": False,
        }


class TransientFailures(Oms):
    """A gateway's bad moments among good polls: a 502 with an HTML page, a 503 with no
    body, a reset connection, a 504."""

    def fault(self, kind: str, pid: str, n: int) -> Fault:
        if pid == "np_migrating" and n == 3:
            return 502, "text/html", b"<html><h1>502 Bad Gateway</h1></html>"
        if pid == "np_migrating" and n == 8:
            return 503, "", b""
        if pid == "np_suspended" and n == 5:
            return "reset"
        if pid == "np_sync" and n == 4:
            return 504, "text/html", b"<html>Gateway Timeout</html>"
        return None
