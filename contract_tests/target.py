"""The server under test: how the kit reaches it, polls it and (for mock-oms) steers it.

The kit talks to a server only over HTTP, or in process through an ASGI transport. A
server that answers ``GET /_mock/health`` is mock-oms: the kit then takes over its clock
(manual, restored afterwards) so that sessions cover minutes of scenario time without
waiting, and its checks that need the control API run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from contract_tests import facts
from contract_tests.levels import Api
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
from contract_tests.steps import Round
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
        self.detected = Detected(Api.V3)  # the API checked (open_target detects it)
        self._down = False  # the last poll failed every attempt: try the next ones once

    @property
    def mock(self) -> bool:
        return self.control is not None

    @property
    def api(self) -> Api:
        return self.detected.api

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
        return self._attempt(
            lambda: self.http.get(path, auth=self._auth or httpx.USE_CLIENT_DEFAULT),
            Response(kind, project_id, 0, None, "", at, index),
            server_time,
            f"{kind.value} project {project_id!r} at {at:g} s",
            retry=True,
        )

    def call(
        self,
        action: str,
        body: Mapping[str, Any],
        *,
        project_id: str = "",
        at: float = 0.0,
        index: int = 0,
        server_time: float | None = None,
        retry: bool = True,
    ) -> Response:
        """One call of V4 ``action`` (``POST /api/v2?Action=NAME`` with the JSON ``body``),
        about ``project_id`` (for reports), retried as :meth:`get` retries a poll. An
        action that changes a project is sent with ``retry=False``: a retry could do it
        twice."""
        return self._attempt(
            lambda: self.http.post(
                facts.V4_PATH,
                params={"Action": action},
                json=dict(body),
                auth=self._auth or httpx.USE_CLIENT_DEFAULT,
            ),
            Response(Kind.MIGRATION, project_id, 0, None, "", at, index, action=action),
            server_time,
            f"{action} of project {project_id!r} at {at:g} s",
            retry=retry,
        )

    def _attempt(
        self,
        send: Callable[[], httpx.Response],
        blank: Response,
        server_time: float | None,
        where: str,
        *,
        retry: bool,
    ) -> Response:
        failures: list[str] = []
        last: Response | None = None
        delays = () if self._down or not retry else self._retry_delays
        for delay in (*delays, None):
            try:
                reply = send()
            except httpx.RequestError as exc:  # no answer: transport, redirect loop, decoding
                failures.append(f"{type(exc).__name__}: {exc}".rstrip(": "))
            else:
                last = self._response(blank, reply, server_time)
                if not transient(last):
                    self._down = False
                    if failures:
                        self._note(where, failures, answered=True)
                    return replace(last, retries=tuple(failures))
                failures.append(_transient_text(last))
            if delay is not None:
                self._sleep(delay)
        failed = last or blank
        self._down = True
        self._note(where, failures, answered=False)
        return replace(
            failed,
            transport=f"{len(failures)} attempts failed, the last with {failures[-1]}",
            retries=tuple(failures),
        )

    def _response(
        self, blank: Response, reply: httpx.Response, server_time: float | None
    ) -> Response:
        if server_time is None and self.control is None:
            server_time = _date(reply) or self._wall_clock()
        return replace(
            blank,
            status_code=reply.status_code,
            body=parse_json(reply.content),
            text=reply.text,
            content_type=reply.headers.get("content-type", ""),
            server_time=server_time,
        )

    def _note(self, where: str, failures: list[str], *, answered: bool) -> None:
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
        except httpx.RequestError as exc:  # an answer that is none: a redirect loop, say
            raise OptionError(
                f"{base_url} gives no answer to {HEALTH} ({type(exc).__name__}: {exc}): is "
                f"{spelling('base-url')} the server's own address?"
            ) from None


def check_access(
    target: Target, *, auth_given: bool, spelling: Spelling = PYTEST, api: Api = Api.V3
) -> None:
    """:class:`OptionError` when the API refuses the kit (HTTP 401, or 403 without an OMS
    answer): every check would only see that refusal."""
    answer = v4_probe(target) if api is Api.V4 else target.get(Kind.MIGRATION, ACCESS_PROBE)
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


def check_oms_paths(
    target: Target, base_url: str, spelling: Spelling = PYTEST, *, v4_too: bool = False
) -> None:
    """:class:`OptionError` when nothing at ``base_url`` answers like OMS: both progress
    paths fail at the transport level, or answer 404 with nothing about the project (a base
    URL that already ends in ``/api/omsp/v2``, a server that is not OMS). A 404 whose
    envelope speaks of the project (a success, an unknown or malformed project) is an OMS
    breaking a rule, and is judged; a 404 with any other error says "no such path".
    ``v4_too``: the V4 API was looked for as well, and the message says so."""
    answers = [target.get(kind, ACCESS_PROBE) for kind in Kind]
    if speaks_v3(answers):
        return
    example = f"{base_url.rstrip('/')}{progress_path(Kind.MIGRATION, ACCESS_PROBE)}"
    if v4_too:
        example += f" and POST {_v4_example(base_url)}"
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


def speaks_v3(answers: Sequence[Response]) -> bool:
    """Whether the answers to the V3 progress probes come from OMS (an envelope that is not
    a "no such path" 404)."""
    return any(a.envelope and (a.status_code != 404 or _about_the_project(a)) for a in answers)


def v4_probe(target: Target) -> Response:
    """The kit's first V4 call: the first project of ListProjects (any V4 server has it)."""
    return target.call(facts.LIST_PROJECTS, {"pageNumber": 1, "pageSize": 1})


def speaks_v4(answer: Response) -> bool:
    """Whether an answer to ListProjects comes from the V4 API: an envelope with an
    ``errorDetail`` key (null on a success, an object on an error), which only V4 sends,
    or any OMS envelope with HTTP 200 (a serializer that leaves nulls out drops the key
    from a success; nothing but V4 answers on ``/api/v2``)."""
    body = answer.body
    if not isinstance(body, dict):
        return False
    return facts.V4_MARK in body or (answer.envelope and answer.status_code == 200)


def _v4_example(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{facts.V4_PATH}?Action={facts.LIST_PROJECTS}"


def check_v4_paths(target: Target, base_url: str, spelling: Spelling = PYTEST) -> None:
    """:class:`OptionError` when ``base_url`` does not speak the V4 API: ListProjects fails
    at the transport level, or answers without an OMS envelope (a 404 page, say). An
    envelope there is a V4 server's, judged by the rules (but a 404 without
    ``errorDetail``: no such path)."""
    answer = v4_probe(target)
    if speaks_v4(answer) or (answer.envelope and answer.status_code != 404):
        return
    example = f"POST {_v4_example(base_url)}"
    if answer.transport is not None:
        raise OptionError(
            f"{base_url} does not answer on the V4 path ({example}: {answer.transport}): "
            "is OMS behind it running?"
        )
    path = urlsplit(base_url).path.rstrip("/")
    if answer.status_code == 404 and path:
        hint = f"; {spelling('base-url')} is the server's root, without {path}"
    else:
        hint = f"; is it an OMS 4.x server? ({spelling('api')} v3 checks the V3 endpoints)"
    raise OptionError(
        f"{base_url} does not speak the OMS V4 API ({example}: HTTP {answer.status_code}, "
        f"no V4 envelope){hint}"
    )


@dataclass(frozen=True, slots=True)
class Detected:
    """The API the kit checks, and the other one when the server speaks it too (``auto``
    checks V3 then: ``--api v4`` checks V4)."""

    api: Api
    also: Api | None = None


def detect_api(target: Target, requested: Api, *, remote: bool = True) -> Detected:
    """The API to check. ``auto``: the one the server speaks, V3 when it speaks both (as
    mock-oms does). V3 is told by an OMS envelope on a progress path, V4 by an envelope
    with an ``errorDetail`` key from ListProjects. When neither answers, V3 (whose checks
    of the paths then say why there is nothing to check). ``remote`` False: mock-oms, in
    process or told by its health check, which speaks both."""
    if requested is not Api.AUTO:
        return Detected(requested)
    if not remote or target.mock:
        return Detected(Api.V3, Api.V4)
    v3 = speaks_v3([target.get(kind, ACCESS_PROBE) for kind in Kind])
    v4 = speaks_v4(v4_probe(target))
    if v4 and not v3:
        return Detected(Api.V4)
    return Detected(Api.V3, Api.V4 if v4 else None)


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


def preflight(options: KitOptions) -> Detected:
    """The API to check; :class:`OptionError` when there is no server to check at
    ``options.base_url`` (what :func:`open_target` finds first, without touching a
    mock-oms's clock)."""
    if options.base_url is None:
        return detect_api_of(None, options)
    with _client(options) as http:
        first = reach(http, options.base_url, options.spelling, timeout=_first(options))
        if _is_mock_health(first):
            return detect_api_of(None, options)  # open_target asks mock-oms more
        target = Target(http, label=options.base_url, auth=options.auth)
        detected = detect_api(target, options.api)
        _check_api(target, options, detected)
        return detected


def detect_api_of(target: Target | None, options: KitOptions) -> Detected:
    """:func:`detect_api` for a server to be opened (None: mock-oms)."""
    if target is None:
        return Detected(options.api) if options.api is not Api.AUTO else Detected(Api.V3, Api.V4)
    return detect_api(target, options.api)


def _check_api(target: Target, options: KitOptions, detected: Detected) -> None:
    """Access, then the API's paths (see :func:`check_access`, :func:`check_oms_paths`,
    :func:`check_v4_paths`)."""
    assert options.base_url is not None
    auth_given, spelling = options.auth is not None, options.spelling
    check_access(target, auth_given=auth_given, spelling=spelling, api=detected.api)
    if detected.api is Api.V4:
        check_v4_paths(target, options.base_url, spelling)
    else:
        v4_too = options.api is Api.AUTO and detected.also is None
        check_oms_paths(target, options.base_url, spelling, v4_too=v4_too)


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
            target = Target(local.http, label="in-process mock-oms", control=local)
            target.detected = detect_api_of(None, options)
            yield target
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
        detected = detect_api(target, options.api)
        target.detected = detected
        check_access(
            target, auth_given=options.auth is not None, spelling=spelling, api=detected.api
        )
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
            _check_api(target, options, detected)
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


# -- the V4 API ------------------------------------------------------------------------------

LISTED_PROJECTS = 5  # projects observed on another V4 server when none are named


def v4_projects_to_observe(target: Target, specs: Sequence[ProjectSpec], token: str) -> list[str]:
    """The V4 projects to observe: the given ones (a ``migration:``/``sync:`` prefix says
    nothing on V4: the call is the same); against mock-oms without any, a fresh instance of
    every scenario it serves that keeps the contract; against another server, the first
    projects ListProjects lists (reading them changes nothing)."""
    if specs:
        return [spec.project_id for spec in specs]
    if target.control is not None:
        return [f"{s['name']}~{token}" for s in target.control.scenarios() if s.get("plain", True)]
    listed = target.call(facts.LIST_PROJECTS, {"pageNumber": 1, "pageSize": LISTED_PROJECTS})
    found = listed.result
    if not isinstance(found, list):
        return []
    ids = [p.get("id") for p in found if isinstance(p, dict)]
    return [i for i in ids if isinstance(i, str) and i][:LISTED_PROJECTS]


def v4_round(
    target: Target, project_id: str, *, at: float, index: int, server_time: float | None
) -> Round:
    """The progress call, the step list and the progress call again (see :class:`Round`):
    calls ``index`` to ``index + 2`` of the project."""
    body = {"id": project_id}
    calls = [
        target.call(
            action,
            body,
            project_id=project_id,
            at=at,
            index=index + n,
            server_time=server_time,
        )
        for n, action in enumerate((facts.DESCRIBE_PROGRESS, facts.DESCRIBE_STEPS))
    ]
    after = target.call(
        facts.DESCRIBE_PROGRESS,
        body,
        project_id=project_id,
        at=at,
        index=index + 2,
        server_time=server_time,
    )
    return Round(calls[1], calls[0], after)


def poll_v4_rounds(
    target: Target, projects: Sequence[str], *, interval: float, duration: float
) -> dict[str, list[Round]]:
    """A round of every project every ``interval`` seconds for ``duration`` seconds (as
    :func:`poll_sessions`)."""
    rounds: dict[str, list[Round]] = {pid: [] for pid in projects}
    count = int(duration // interval) + 1
    start = target.now()
    for n in range(count):
        at = target.now() - start
        clock = target.server_clock()
        for pid in projects:
            seen = rounds[pid]
            seen.append(v4_round(target, pid, at=at, index=3 * len(seen), server_time=clock))
        if n + 1 < count:
            if target.mock:
                target.wait(interval)
            else:
                target.wait(max(0.0, start + (n + 1) * interval - target.now()))
    return rounds


def progress_session(rounds: Sequence[Round]) -> list[Response]:
    """The progress answers of a project's rounds, in the order they came."""
    return [r for one in rounds for r in (one.before, one.after) if r is not None]


def v4_describe(target: Target, project_id: str) -> list[Response]:
    """What else V4 says of a project: DescribeProject and its verification result."""
    return [
        target.call(facts.DESCRIBE_PROJECT, {"id": project_id}, project_id=project_id),
        target.call(facts.LIST_VERIFY_RESULT, {"projectId": project_id}, project_id=project_id),
    ]


V4_PROBED = (facts.DESCRIBE_PROGRESS, facts.DESCRIBE_STEPS)


def v4_probe_ids(target: Target, ids: Sequence[str]) -> list[Response]:
    """One call of each ID with each project read of V4 that the probes use."""
    return [target.call(action, {"id": pid}, project_id=pid) for pid in ids for action in V4_PROBED]
