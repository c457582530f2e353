"""The server under test: how the kit reaches it, polls it and (for mock-oms) steers it.

The kit talks to a server only over HTTP, or in process through an ASGI transport. A
server that answers ``GET /_mock/health`` is mock-oms: the kit then takes over its clock
(manual, restored afterwards) so that sessions cover minutes of scenario time without
waiting, and its checks that need the control API run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from contract_tests import facts
from contract_tests.options import (
    CONNECT_TIMEOUT,
    FIRST_ANSWER_TIMEOUT,
    PYTEST,
    RETRY_DELAYS,
    KitOptions,
    OptionError,
    ProjectSpec,
    Spelling,
)
from contract_tests.rules import Response, parse_json
from mock_oms.client import ControlClient, ControlError, progress_path
from mock_oms.core.kinds import Kind

HEALTH = "/_mock/health"
ACCESS_PROBE = "contract-access-check"  # a well-formed ID no server knows


@dataclass(frozen=True, slots=True)
class ProjectRef:
    kind: Kind
    project_id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.project_id}"


class Target:
    """A server to check. ``control`` is set when it is mock-oms (its control API).

    Every poll is retried when it meets a transient failure (see :meth:`get`); the
    failures retried are kept in ``notes``, for the run's output and its JUnit report.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        label: str,
        auth: tuple[str, str] | None = None,
        control: ControlClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.http = http
        self.label = label
        self.control = control
        self.notes: list[str] = []
        self._auth = httpx.BasicAuth(*auth) if auth else None
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._retry_delays = tuple(retry_delays)
        self._down = False  # the last poll failed every attempt: try the next ones once

    @property
    def mock(self) -> bool:
        return self.control is not None

    def get(
        self,
        kind: Kind,
        project_id: str,
        *,
        at: float = 0.0,
        index: int = 0,
        server_time: float | None = None,
    ) -> Response:
        """One poll of the progress endpoint; ``project_id`` is percent-encoded as needed.

        A transient failure (no HTTP answer, or a 408, 429, 502, 503 or 504 that carries
        no OMS envelope) is retried after each of the retry delays; when every attempt
        fails, the response says why in ``transport``, and later polls are tried once
        until one gets an answer (a server that went away costs no retries on every
        poll). ``server_time``: the server's Unix time, when the caller knows it better
        than the ``Date`` header does.
        """
        path = progress_path(kind, quote(project_id, safe=""))
        failures: list[str] = []
        last: Response | None = None
        delays = () if self._down else self._retry_delays
        for delay in (*delays, None):
            try:
                reply = self.http.get(path, auth=self._auth or httpx.USE_CLIENT_DEFAULT)
            except httpx.TransportError as exc:
                failures.append(f"{type(exc).__name__}: {exc}".rstrip(": "))
            else:
                last = self._response(kind, project_id, reply, at, index, server_time)
                if not transient(last):
                    self._down = False
                    if failures:
                        self._note(last, failures, answered=True)
                    return replace(last, retries=tuple(failures))
                failures.append(_transient_text(last))
            if delay is not None:
                self._sleep(delay)
        failed = last or Response(kind, project_id, 0, None, "", at, index)
        self._down = True
        self._note(failed, failures, answered=False)
        return replace(
            failed,
            transport=f"{len(failures)} attempts failed, the last with {failures[-1]}",
            retries=tuple(failures),
        )

    def _response(
        self,
        kind: Kind,
        project_id: str,
        reply: httpx.Response,
        at: float,
        index: int,
        server_time: float | None,
    ) -> Response:
        if server_time is None and self.control is None:
            server_time = _date(reply) or self._wall_clock()
        return Response(
            kind,
            project_id,
            reply.status_code,
            parse_json(reply.content),
            reply.text,
            at,
            index,
            content_type=reply.headers.get("content-type", ""),
            server_time=server_time,
        )

    def _note(self, response: Response, failures: list[str], *, answered: bool) -> None:
        where = f"{response.kind.value} project {response.project_id!r} at {response.at:g} s"
        outcome = (
            f"answered on attempt {len(failures) + 1}"
            if answered
            else f"no answer after {len(failures)} attempts"
        )
        self.notes.append(f"{where}: {outcome} ({'; '.join(failures)})")

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of scenario time pass: mock-oms's clock is moved, a real server
        is waited for."""
        if self.control is not None:
            self.control.advance(seconds)
        else:
            self._sleep(seconds)

    def now(self) -> float:
        """Seconds on the clock that :meth:`wait` moves."""
        if self.control is not None:
            return float(self.control.clock()["now"])
        return self._monotonic()

    def server_clock(self) -> float | None:
        """mock-oms's Unix time (its scenario clock); None for another server, whose
        ``Date`` header says it with each answer."""
        if self.control is None:
            return None
        return float(self.control.clock()["unixNow"])


def transient(response: Response) -> bool:
    """A gateway's failure a client retries: a 408, 429, 502, 503 or 504 without an OMS
    envelope (with one, it is OMS's answer, and judged as such)."""
    return response.status_code in facts.TRANSIENT_STATUSES and not response.envelope


def _transient_text(response: Response) -> str:
    media = (response.content_type or "no content type").split(";")[0]
    size = len(response.text)
    body = "an empty body" if not size else f"{size} characters of {media}"
    return f"HTTP {response.status_code} with {body}"


def _date(reply: httpx.Response) -> float | None:
    """The server's clock, from its ``Date`` header."""
    text = reply.headers.get("date")
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def is_mock_oms(http: httpx.Client) -> bool:
    """True when the server answers mock-oms's health check."""
    try:
        reply = http.get(HEALTH)
    except httpx.HTTPError:
        return False
    return _is_mock_health(reply)


def _is_mock_health(reply: httpx.Response) -> bool:
    body = parse_json(reply.content)
    return (
        reply.status_code == 200
        and isinstance(body, dict)
        and body.get("status") == "ok"
        and "version" in body
    )


def check_url(base_url: str, spelling: Spelling = PYTEST) -> None:
    """:class:`OptionError` unless ``base_url`` is an http:// or https:// URL."""
    scheme, netloc, *_ = urlsplit(base_url)
    if scheme not in ("http", "https") or not netloc:
        raise OptionError(
            f"{spelling('base-url')} {base_url!r}: give an http:// or https:// URL "
            f"(say http://{base_url.rsplit('://', maxsplit=1)[-1] or 'oms.example:8089'})"
        )


def reach(
    http: httpx.Client,
    base_url: str,
    spelling: Spelling = PYTEST,
    *,
    retry_delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = FIRST_ANSWER_TIMEOUT,
) -> httpx.Response:
    """The server's answer to mock-oms's health check (any server answers something);
    :class:`OptionError` when there is no server to check at ``base_url``. A refused or
    reset connection is tried again; a timeout is not (the server does not answer)."""
    check_url(base_url, spelling)
    delays = list(retry_delays)
    while True:
        try:
            return http.get(HEALTH, timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT))
        except httpx.TimeoutException as exc:
            raise OptionError(
                f"{base_url} did not answer ({type(exc).__name__}): is the server running, "
                f"and is {spelling('base-url')} right?"
            ) from None
        except httpx.TransportError as exc:
            if not delays:
                raise OptionError(
                    f"cannot reach {base_url} ({type(exc).__name__}: {exc}): is the server "
                    f"running, and is {spelling('base-url')} right?"
                ) from None
            sleep(delays.pop(0))


def check_access(target: Target, *, auth_given: bool, spelling: Spelling = PYTEST) -> None:
    """:class:`OptionError` when the progress endpoint refuses the kit (HTTP 401, or 403
    without an OMS answer): every check would only see that refusal."""
    answer = target.get(Kind.MIGRATION, ACCESS_PROBE)
    if answer.status_code != 401 and (answer.status_code != 403 or answer.envelope):
        return
    if auth_given:
        why = f"refused the credentials given by {spelling('auth')}"
    else:
        why = f"asks for HTTP Basic credentials: give {spelling('auth')} USER:PASSWORD"
    body = answer.body
    said = body.get("message") if isinstance(body, dict) else None
    said = str(said) if said else answer.text[:200]
    raise OptionError(f"{target.label} {why} (HTTP {answer.status_code}: {said!r})")


def check_oms_paths(target: Target, base_url: str, spelling: Spelling = PYTEST) -> None:
    """:class:`OptionError` when nothing at ``base_url`` answers like OMS: both progress
    paths fail at the transport level, or answer 404 with nothing about the project (a base
    URL that already ends in ``/api/omsp/v2``, a server that is not OMS). A 404 whose
    envelope speaks of the project (a success, an unknown or malformed project) is an OMS
    breaking a rule, and is judged; a 404 with any other error says "no such path"."""
    answers = [target.get(kind, ACCESS_PROBE) for kind in Kind]
    if any(a.envelope and (a.status_code != 404 or _about_the_project(a)) for a in answers):
        return
    example = f"{base_url.rstrip('/')}{progress_path(Kind.MIGRATION, ACCESS_PROBE)}"
    if all(a.transport is not None for a in answers):
        raise OptionError(
            f"{base_url} does not answer on the OMS paths (GET {example}: "
            f"{answers[0].transport}): is OMS behind it running?"
        )
    if all(a.status_code == 404 for a in answers):
        path = urlsplit(base_url).path.rstrip("/")
        hint = (
            f"; {spelling('base-url')} is the server's root, without {path}"
            if path
            else f"; is {spelling('base-url')} an OMS server?"
        )
        raise OptionError(f"{base_url} answers HTTP 404 on every OMS path (GET {example}){hint}")


def _about_the_project(answer: Response) -> bool:
    body = answer.body
    if not isinstance(body, dict):
        return False
    return body.get("success") is True or body.get("code") in ("GHANA-PROJECT000001", "PARAM_ERROR")


def take_clock(control: ControlClient) -> float:
    """Make mock-oms's clock manual and put it on a whole second; return the old speed.

    Whole seconds keep scenario arithmetic exact: the kit moves the clock by whole and
    half seconds, so nothing it checks falls on a rounding boundary.
    """
    speed = float(control.clock()["speed"])
    if speed != 0:
        control.set_speed(0)
    now = float(control.clock()["now"])
    if now < 1:
        now = float(control.advance(1)["now"])
    if now != math.floor(now):
        now = float(control.advance(math.ceil(now) - now)["now"])
    return speed


def preflight(options: KitOptions) -> None:
    """:class:`OptionError` when there is no server to check at ``options.base_url``
    (what :func:`open_target` finds first, without touching a mock-oms's clock)."""
    if options.base_url is None:
        return
    with _client(options) as http:
        first = reach(http, options.base_url, options.spelling, timeout=_first(options))
        if _is_mock_health(first):
            return  # open_target asks mock-oms more (and its faults first)
        target = Target(http, label=options.base_url, auth=options.auth)
        check_access(target, auth_given=options.auth is not None, spelling=options.spelling)
        check_oms_paths(target, options.base_url, options.spelling)


def _first(options: KitOptions) -> float:
    return min(options.timeout, FIRST_ANSWER_TIMEOUT)


def _client(options: KitOptions) -> httpx.Client:
    assert options.base_url is not None
    check_url(options.base_url, options.spelling)
    timeout = httpx.Timeout(options.timeout, connect=min(CONNECT_TIMEOUT, options.timeout))
    # a client follows redirects (http to https, a moved root); the kit judges the answer
    return httpx.Client(base_url=options.base_url, timeout=timeout, follow_redirects=True)


@contextmanager
def open_target(options: KitOptions) -> Iterator[Target]:
    """The server the options name, or an in-process mock-oms when they name none.
    :class:`OptionError` (said in the user's option names) when there is no server to
    check: none answers, it refuses the kit, it has no OMS paths."""
    spelling = options.spelling
    if options.base_url is None:
        from mock_oms.config import Settings
        from mock_oms.core.clock import ClockMode
        from mock_oms.web.app import create_app

        app = create_app(Settings(clock=ClockMode.MANUAL))
        local = ControlClient.in_process(app)
        try:
            take_clock(local)
            yield Target(local.http, label="in-process mock-oms", control=local)
        finally:
            local.close()
        return

    http = _client(options)
    try:
        control: ControlClient | None = None
        label = options.base_url
        if _is_mock_health(reach(http, options.base_url, spelling, timeout=_first(options))):
            control = ControlClient(client=http, token=options.control_token)
            label = f"mock-oms at {options.base_url}"
        target = Target(
            http,
            label=label,
            auth=options.auth,
            control=control,
            retry_delays=options.retry_delays,
        )
        check_access(target, auth_given=options.auth is not None, spelling=spelling)
        speed = 0.0
        if control is not None:
            try:
                speed = take_clock(control)
            except ControlError as exc:
                raise OptionError(
                    f"mock-oms at {options.base_url} refused its control API ({exc}); "
                    f"give {spelling('control-token')}"
                ) from None
        try:
            if control is not None:
                refuse_global_faults(control, label)
            check_oms_paths(target, options.base_url, spelling)
            target.notes.clear()  # the checks of the server are not polls of a project
            yield target
        finally:
            if control is not None and speed:
                control.set_speed(speed)
    finally:
        http.close()


def refuse_global_faults(control: ControlClient, label: str) -> None:
    """Stop with a clear reason when faults are injected into every OMS request: each
    check would meet deliberate breaks of the contract (scenario faults and faults
    injected into one project are kept away from the checks instead)."""
    active = control.faults()["active"]
    every = [a for a in active if a.get("projectId") is None]
    if every:
        shown = ", ".join(str(a["fault"]) for a in every[:5])
        raise OptionError(
            f"{label} has faults injected into every OMS request ({shown}): the checks "
            "would meet them. Clear them first (DELETE /_mock/faults)."
        )


def detect_kind(target: Target, project_id: str) -> Kind:
    """The endpoint that knows ``project_id``: migrations, else sync (migrations if neither)."""
    if target.get(Kind.MIGRATION, project_id).data is not None:
        return Kind.MIGRATION
    return Kind.SYNC if target.get(Kind.SYNC, project_id).data is not None else Kind.MIGRATION


def projects_to_observe(
    target: Target, specs: Sequence[ProjectSpec], token: str
) -> list[ProjectRef]:
    """The given projects; against mock-oms without any, a fresh instance of every
    scenario it serves (``NAME~TOKEN``, started by its first poll), except those that break
    the contract on purpose (faults, replays: their summary says ``plain: false``)."""
    if specs:
        return [
            ProjectRef(spec.kind or detect_kind(target, spec.project_id), spec.project_id)
            for spec in specs
        ]
    if target.control is None:
        return []
    return [
        ProjectRef(Kind(s["kind"]), f"{s['name']}~{token}")
        for s in target.control.scenarios()
        if s.get("plain", True)
    ]


def poll_sessions(
    target: Target, projects: Sequence[ProjectRef], *, interval: float, duration: float
) -> dict[ProjectRef, list[Response]]:
    """Poll every project once a round, a round every ``interval`` seconds for
    ``duration`` seconds (scenario time against mock-oms, real time otherwise)."""
    sessions: dict[ProjectRef, list[Response]] = {ref: [] for ref in projects}
    rounds = int(duration // interval) + 1
    start = target.now()
    for n in range(rounds):
        at = target.now() - start
        clock = target.server_clock()
        for ref in projects:
            session = sessions[ref]
            session.append(
                target.get(ref.kind, ref.project_id, at=at, index=len(session), server_time=clock)
            )
        if n + 1 < rounds:
            if target.mock:
                target.wait(interval)
            else:  # keep to the schedule whatever the polls cost
                target.wait(max(0.0, start + (n + 1) * interval - target.now()))
    return sessions


def unknown_ids(token: str) -> list[str]:
    """Project IDs no server knows, well-formed in any grammar (OMS's own IDs read
    ``np_`` and letters and digits)."""
    return [f"np_{token}0001", f"np_contract0{token}"]


def malformed_ids() -> list[str]:
    """Project IDs no server accepts: spaces, punctuation, non-ASCII, far too long."""
    return ["bad id", "bad$id", "<script>", "projet-é", "x" * 300]


def probe(target: Target, ids: Sequence[str]) -> list[Response]:
    """One poll of each ID on each endpoint."""
    return [target.get(kind, pid) for pid in ids for kind in Kind]
