"""A recording of a real OMS: what one poll met, as a replay entry, and the replay files
written entry by entry (each a valid scenario whenever the recording stops). Used by
``recorder.record``, the loop that polls."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from mock_oms import __version__
from mock_oms.core.kinds import Kind
from mock_oms.core.lifecycle import SETTLED

__all__ = [
    "PROJECT_GONE",
    "REFUSED",
    "SLOW",
    "Options",
    "RecordError",
    "Result",
    "Track",
    "append",
    "entry_from_error",
    "entry_from_response",
    "hang_for",
    "header",
    "is_failure",
    "outputs",
    "public_url",
    "scenario_name",
    "strip_credentials",
    "summary",
    "unreached",
]

REFUSED = "no connection"  # how a refused or unreachable upstream's entry note begins
SLOW = 0.5  # seconds: a response at least this slow is replayed with its delay
PROJECT_GONE = "GHANA-PROJECT000001"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
# user:password@ (or user@) after a scheme, wherever a URL appears in a text
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def public_url(url: str) -> str:
    """``url`` as a recording may show it: without credentials (``user:password@``), a
    query (which may carry a token) or a fragment. The recorder still uses them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return strip_credentials(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def strip_credentials(text: str) -> str:
    """``text`` with the credentials of every URL in it removed (an error message may
    quote the URL it failed on)."""
    return _USERINFO.sub(r"\1", text)


class RecordError(Exception):
    """Recording cannot start: the message says why (a wrong upstream URL, an output file
    that cannot be written, an upstream that no poll could reach)."""


@dataclass(frozen=True, slots=True)
class Options:
    upstream: str
    projects: tuple[str, ...]
    out: Path
    endpoint: Kind = Kind.MIGRATION
    auth: tuple[str, str] | None = None
    interval: float = 2.0
    timeout: float = 10.0  # read timeout of each poll; a timeout is recorded as a hang
    until_terminal: bool = False
    max_duration: float | None = None
    max_polls: int | None = None
    name: str | None = None  # scenario name (default: the file name)
    mode: str = "time"


@dataclass
class Track:
    """One project's recording."""

    project: str
    path: Path
    name: str
    entries: int = 0
    failures: int = 0
    last: str = "-"
    settled: bool = False
    _file: IO[str] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Result:
    tracks: tuple[Track, ...]
    polls: int
    seconds: float
    interrupted: bool


def scenario_name(text: str) -> str:
    """``text`` made a valid scenario name (letters, digits, ``_ . -``; at most 64)."""
    cleaned = _NAME_CHARS.sub("-", text).lstrip("-_.")[:64].rstrip("-")
    return cleaned or "recording"


def outputs(options: Options) -> list[tuple[str, Path, str]]:
    out = options.out
    stem = options.name or out.stem
    if len(options.projects) == 1:
        return [(options.projects[0], out, scenario_name(stem))]
    return [
        (
            project,
            out.with_name(f"{out.stem}-{_NAME_CHARS.sub('-', project)}{out.suffix or '.yaml'}"),
            scenario_name(f"{stem}-{project}"),
        )
        for project in options.projects
    ]


# -- what one poll met ------------------------------------------------------------------------


def entry_from_response(at: float, response: httpx.Response, took: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": round(at, 3)}
    if response.status_code != 200:
        entry["status"] = response.status_code
    content_type = response.headers.get("content-type")
    if content_type and content_type.split(";")[0].strip().lower() != "application/json":
        entry["contentType"] = content_type
    if "retry-after" in response.headers:
        entry["retryAfter"] = response.headers["retry-after"]
    if not response.content:
        entry["text"] = ""
    else:
        try:
            entry["body"] = json.loads(response.content)
        except ValueError:
            entry["text"] = response.content.decode("utf-8", "replace")
    if took >= SLOW:
        entry["delay"] = round(took, 3)
    return entry


def hang_for(timeout: float) -> float:
    """How long the replay of a timeout hangs: well past the recorder's own timeout (the
    upstream said nothing for that long; a hang of exactly that long would race a client
    with the same timeout)."""
    return round(timeout + max(timeout, 1.0), 3)


def entry_from_error(at: float, exc: httpx.HTTPError, timeout: float) -> dict[str, Any]:
    """The fault that reproduces a transport failure."""
    text = str(exc) or type(exc).__name__
    fault: Any
    if isinstance(exc, httpx.TimeoutException):
        fault = {"hang": hang_for(timeout)}
        text = f"no answer within {timeout:g} s ({type(exc).__name__})"
    elif isinstance(exc, httpx.RemoteProtocolError) and "complete message body" in text:
        fault = "truncate"
    elif isinstance(exc, httpx.ConnectError):
        # no connection at all (refused, unreachable): the nearest a server that accepted
        # the connection can replay is a reset, but the note says what it was
        return {
            "at": round(at, 3),
            "fault": "reset",
            "note": strip_credentials(
                f"{REFUSED} ({type(exc).__name__}: {text}); replayed as a reset"
            )[:500],
        }
    elif "reset" in text.lower():
        fault = "reset"
    else:
        fault = "close"
    note = strip_credentials(f"{type(exc).__name__}: {text}")[:500]
    return {"at": round(at, 3), "fault": fault, "note": note}


def unreached(exc: httpx.HTTPError) -> bool:
    """Whether ``exc`` says the upstream was never reached: no connection was made."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)


def summary(entry: dict[str, Any]) -> tuple[str, bool]:
    """A few words about an entry for the progress display, and whether it settles the
    project (a settled status, or the project gone)."""
    if "fault" in entry:
        fault = entry["fault"]
        name = fault if isinstance(fault, str) else next(iter(fault))
        if str(entry.get("note", "")).startswith(REFUSED):
            return "no connection", False
        return ("timeout" if name == "hang" else name), False
    if "text" in entry:
        return f"{entry.get('status', 200)} not JSON", False
    body = entry.get("body")
    status = entry.get("status", 200)
    if not isinstance(body, dict):
        return f"{status} unexpected body", False
    if body.get("success") is False:
        return f"{status} {body.get('code')}", body.get("code") == PROJECT_GONE
    data = body.get("data")
    if not isinstance(data, dict):
        return f"{status} no data", False
    figures = (
        f"{data.get('structMigrationProgress', '?')}/{data.get('fullMigrationProgress', '?')}%"
    )
    words = f"{data.get('status')} {data.get('currentStep')} {figures}"
    return words, data.get("status") in SETTLED


def is_failure(entry: dict[str, Any]) -> bool:
    body = entry.get("body")
    return (
        "fault" in entry
        or "text" in entry
        or entry.get("status", 200) != 200
        or not isinstance(body, dict)
        or body.get("success") is not True
    )


# -- the files --------------------------------------------------------------------------------


def header(options: Options, track: Track, started: datetime) -> str:
    upstream = public_url(options.upstream)  # a recording may be committed: no secrets
    doc = {
        "name": track.name,
        "description": f"Recording of project {track.project} at {upstream}, "
        f"started {started.isoformat(timespec='seconds')}",
        "kind": "replay",
        "endpoint": options.endpoint.value,
        "mode": options.mode,
        "recorded": {
            "upstream": upstream,
            "project": track.project,
            "startedAt": started.isoformat(timespec="seconds"),
            "interval": options.interval,
            "timeout": options.timeout,
            "by": f"mock-oms {__version__} record",
        },
    }
    served = (
        f"# projects: [{track.project}]   # uncomment to serve it under the recorded ID too\n"
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", track.project)
        else ""
    )
    return (
        f"# Recorded by mock-oms {__version__}. Edit freely; check with "
        "`mock-oms validate FILE`.\n"
        + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        + served
        + "entries:\n"
    )


def append(options: Options, track: Track, entry: dict[str, Any], started: datetime) -> None:
    if track._file is None:
        track.path.parent.mkdir(parents=True, exist_ok=True)
        track._file = track.path.open("w", encoding="utf-8")
        track._file.write(header(options, track, started))
    track._file.write(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100))
    track._file.flush()
    track.entries += 1
    track.failures += is_failure(entry)
