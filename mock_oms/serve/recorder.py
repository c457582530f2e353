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

import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from mock_oms import __version__
from mock_oms.core.kinds import progress_path
from mock_oms.serve.recording import (
    REFUSED,
    Options,
    RecordError,
    Result,
    Track,
    append,
    entry_from_error,
    entry_from_response,
    outputs,
    public_url,
    summary,
    unreached,
)

__all__ = ["ProgressLine", "check", "describe", "poll_once", "record", "upstream_client"]


def check(options: Options) -> None:
    """:class:`RecordError` when recording cannot start; checked before the first poll, so
    that a typo costs no time (and writes nothing)."""
    scheme, netloc, *_ = urlsplit(options.upstream)
    if scheme not in ("http", "https") or not netloc:
        raise RecordError(
            f"--upstream {public_url(options.upstream)!r}: give the OMS base URL with its scheme, "
            "e.g. http://oms.example:8089"
        )
    for _, path, _ in outputs(options):
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
    client: httpx.Client,
    path: str,
    at: float,
    timeout: float,
    clock: Callable[[], float],
    *,
    reached: bool = True,
) -> dict[str, Any]:
    """What one poll met, as an entry. ``reached``: whether the upstream answered before;
    if not, a failure to connect is :class:`RecordError` (a recording of an upstream that
    was never there would be a file of faults that says nothing)."""
    began = clock()
    try:
        response = client.get(path)
    except httpx.HTTPError as exc:
        if not reached and unreached(exc):
            raise RecordError(
                f"cannot reach the upstream {client.base_url}: {exc or type(exc).__name__}; "
                "nothing was recorded"
            ) from None
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
    tracks = tuple(Track(p, path, name) for p, path, name in outputs(options))
    started = now()
    start = clock()
    polls = 0
    reached = False  # whether the upstream ever answered
    interrupted = False
    try:
        next_at = start
        while not stop.is_set():
            for track in tracks:
                at = clock() - start
                path = progress_path(options.endpoint, track.project)
                entry = poll_once(client, path, at, options.timeout, clock, reached=reached)
                reached = reached or not (str(entry.get("note", "")).startswith(REFUSED))
                append(options, track, entry, started)
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
