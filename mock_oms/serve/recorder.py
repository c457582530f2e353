"""Recording a real OMS (or any compatible server) into replay scenarios.

:func:`record` polls each project's progress endpoint every ``interval`` seconds and
appends what it met to a replay scenario file (``kind: replay``), one file per project:
each response with its time offset, status, Content-Type and Retry-After when unusual, and
its JSON body (or its text when it was not JSON); a timeout becomes a ``hang`` fault, a
reset a ``reset``, a connection closed without an answer a ``close``, an incomplete body a
``truncate``. Responses slower than :data:`SLOW` keep their duration as ``delay``.

The file is written entry by entry and flushed, so it is a valid scenario whenever the
recording stops: at ``max_duration``, after ``max_polls``, when every project has settled
(``until_terminal``), on Ctrl-C or on a signal.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx
import yaml

from mock_oms import __version__
from mock_oms.core.kinds import Kind, progress_path
from mock_oms.core.lifecycle import SETTLED

__all__ = [
    "PROJECT_GONE",
    "SLOW",
    "Options",
    "ProgressLine",
    "RecordError",
    "Result",
    "Track",
    "check",
    "describe",
    "entry_from_error",
    "entry_from_response",
    "hang_for",
    "is_failure",
    "poll_once",
    "record",
    "scenario_name",
    "summary",
    "upstream_client",
]

SLOW = 0.5  # seconds: a response at least this slow is replayed with its delay
PROJECT_GONE = "GHANA-PROJECT000001"
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


class RecordError(Exception):
    """Recording cannot start: the message says why (a wrong upstream URL, an output file
    that cannot be written)."""


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


def _outputs(options: Options) -> list[tuple[str, Path, str]]:
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
    elif isinstance(exc, httpx.ConnectError) or "reset" in text.lower():
        fault = "reset"
    else:
        fault = "close"
    return {"at": round(at, 3), "fault": fault, "note": f"{type(exc).__name__}: {text}"[:500]}


def summary(entry: dict[str, Any]) -> tuple[str, bool]:
    """A few words about an entry for the progress display, and whether it settles the
    project (a settled status, or the project gone)."""
    if "fault" in entry:
        fault = entry["fault"]
        name = fault if isinstance(fault, str) else next(iter(fault))
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


def _header(options: Options, track: Track, started: datetime) -> str:
    doc = {
        "name": track.name,
        "description": f"Recording of project {track.project} at {options.upstream}, "
        f"started {started.isoformat(timespec='seconds')}",
        "kind": "replay",
        "endpoint": options.endpoint.value,
        "mode": options.mode,
        "recorded": {
            "upstream": options.upstream,
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


def _append(options: Options, track: Track, entry: dict[str, Any], started: datetime) -> None:
    if track._file is None:
        track.path.parent.mkdir(parents=True, exist_ok=True)
        track._file = track.path.open("w", encoding="utf-8")
        track._file.write(_header(options, track, started))
    track._file.write(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100))
    track._file.flush()
    track.entries += 1
    track.failures += is_failure(entry)


# -- the loop ---------------------------------------------------------------------------------


def check(options: Options) -> None:
    """:class:`RecordError` when recording cannot start; checked before the first poll, so
    that a typo costs no time (and writes nothing)."""
    scheme, netloc, *_ = urlsplit(options.upstream)
    if scheme not in ("http", "https") or not netloc:
        raise RecordError(
            f"--upstream {options.upstream!r}: give the OMS base URL with its scheme, "
            "e.g. http://oms.example:8089"
        )
    for _, path, _ in _outputs(options):
        existed = path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise RecordError(f"cannot write {path}: {exc.strerror or exc}") from None
        if not existed:
            path.unlink()


def poll_once(
    client: httpx.Client, path: str, at: float, timeout: float, clock: Callable[[], float]
) -> dict[str, Any]:
    began = clock()
    try:
        response = client.get(path)
    except httpx.HTTPError as exc:
        return entry_from_error(at, exc, timeout)
    return entry_from_response(at, response, clock() - began)


def upstream_client(options: Options, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=options.upstream,
        timeout=httpx.Timeout(options.timeout, connect=min(options.timeout, 10.0)),
        auth=httpx.BasicAuth(*options.auth) if options.auth else None,
        transport=transport,
        headers={"User-Agent": f"mock-oms/{__version__} record"},
    )


def record(
    options: Options,
    *,
    client: httpx.Client | None = None,
    show: Callable[[Result], None] | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Result:
    """Record until a limit is reached, ``stop`` is set, or Ctrl-C; returns what was
    recorded (the files hold it already). :class:`RecordError` when it cannot start."""
    check(options)
    stop = stop or threading.Event()
    own = client is None
    if client is None:
        client = upstream_client(options)
    tracks = tuple(Track(p, path, name) for p, path, name in _outputs(options))
    started = now()
    start = clock()
    polls = 0
    interrupted = False
    try:
        next_at = start
        while not stop.is_set():
            for track in tracks:
                at = clock() - start
                path = progress_path(options.endpoint, track.project)
                entry = poll_once(client, path, at, options.timeout, clock)
                _append(options, track, entry, started)
                track.last, settled = summary(entry)
                track.settled = track.settled or settled
            polls += 1
            if show is not None:
                show(Result(tracks, polls, clock() - start, False))
            if options.max_polls is not None and polls >= options.max_polls:
                break
            if options.until_terminal and all(t.settled for t in tracks):
                break
            next_at = max(next_at + options.interval, clock())
            if options.max_duration is not None and next_at - start > options.max_duration:
                break
            stop.wait(max(0.0, next_at - clock()))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for track in tracks:
            if track._file is not None:
                track._file.close()
                track._file = None
        if own:
            client.close()
    return Result(tracks, polls, clock() - start, interrupted or stop.is_set())


class ProgressLine:
    """The progress display: one line rewritten in place on a terminal, else one line per
    poll round whose outcome changed."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = ""

    def __call__(self, result: Result) -> None:
        projects = " | ".join(f"{t.project}: {t.last}" for t in result.tracks)
        entries = sum(t.entries for t in result.tracks)
        failures = sum(t.failures for t in result.tracks)
        line = f"{projects}  [{entries} entries, {failures} failures]"
        stamp = f"{result.seconds:7.1f}s #{result.polls} "
        if self.tty:
            self.stream.write(f"\r\x1b[2K{stamp}{line}"[:2000])
        elif projects != self._last:
            self.stream.write(f"{stamp}{line}\n")
        self._last = projects
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def describe(result: Result) -> Sequence[str]:
    """The closing report, one line per file."""
    how = "stopped" if result.interrupted else "done"
    lines = [f"{how} after {result.polls} polls in {result.seconds:.1f} s"]
    for track in result.tracks:
        if track.entries:
            lines.append(
                f"  {track.path}: {track.entries} entries ({track.failures} failures), "
                f"scenario {track.name!r}"
            )
        else:
            lines.append(f"  {track.project}: nothing recorded")
    return lines
