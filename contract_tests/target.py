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
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from contract_tests.options import KitOptions, OptionError, ProjectSpec
from contract_tests.rules import UNKNOWN_PROJECT_CODE, Response
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
    """A server to check. ``control`` is set when it is mock-oms (its control API)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        label: str,
        auth: tuple[str, str] | None = None,
        control: ControlClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.label = label
        self.control = control
        self._auth = httpx.BasicAuth(*auth) if auth else None
        self._sleep = sleep
        self._monotonic = monotonic

    @property
    def mock(self) -> bool:
        return self.control is not None

    def get(self, kind: Kind, project_id: str, *, at: float = 0.0, index: int = 0) -> Response:
        """One poll of the progress endpoint; ``project_id`` is percent-encoded as needed."""
        path = progress_path(kind, quote(project_id, safe=""))
        reply = self.http.get(path, auth=self._auth or httpx.USE_CLIENT_DEFAULT)
        try:
            body: Any = reply.json()
        except ValueError:
            body = None
        return Response(kind, project_id, reply.status_code, body, reply.text, at, index)

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


def is_mock_oms(http: httpx.Client) -> bool:
    """True when the server answers mock-oms's health check."""
    try:
        reply = http.get(HEALTH)
    except httpx.HTTPError:
        return False
    return _is_mock_health(reply)


def _is_mock_health(reply: httpx.Response) -> bool:
    try:
        body = reply.json()
    except ValueError:
        return False
    return (
        reply.status_code == 200
        and isinstance(body, dict)
        and body.get("status") == "ok"
        and "version" in body
    )


def reach(http: httpx.Client, base_url: str) -> httpx.Response:
    """The server's answer to mock-oms's health check (any server answers something);
    :class:`OptionError` when there is no server to check at ``base_url``."""
    scheme, netloc, *_ = urlsplit(base_url)
    if scheme not in ("http", "https") or not netloc:
        raise OptionError(f"--oms-base-url {base_url!r}: give an http:// or https:// URL")
    try:
        return http.get(HEALTH)
    except httpx.TransportError as exc:
        raise OptionError(
            f"cannot reach {base_url} ({type(exc).__name__}: {exc}): is the server running, "
            "and is --oms-base-url right?"
        ) from None


def check_access(target: Target, *, auth_given: bool) -> None:
    """:class:`OptionError` when the progress endpoint refuses the kit (HTTP 401): every
    check would only see that refusal."""
    answer = target.get(Kind.MIGRATION, ACCESS_PROBE)
    if answer.status_code != 401:
        return
    if auth_given:
        why = "refused the credentials given by --oms-auth (mock-oms contract --auth)"
    else:
        why = (
            "asks for HTTP Basic credentials: give --oms-auth USER:PASSWORD "
            "(mock-oms contract --auth USER:PASSWORD)"
        )
    body = answer.body
    said = body.get("message") if isinstance(body, dict) else None
    said = str(said) if said else answer.text[:200]
    raise OptionError(f"{target.label} {why} (HTTP 401: {said!r})")


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


@contextmanager
def open_target(options: KitOptions) -> Iterator[Target]:
    """The server the options name, or an in-process mock-oms when they name none."""
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

    http = httpx.Client(base_url=options.base_url, timeout=options.timeout)
    try:
        control: ControlClient | None = None
        label = options.base_url
        if _is_mock_health(reach(http, options.base_url)):
            control = ControlClient(client=http, token=options.control_token)
            label = f"mock-oms at {options.base_url}"
        target = Target(http, label=label, auth=options.auth, control=control)
        check_access(target, auth_given=options.auth is not None)
        speed = 0.0
        if control is not None:
            try:
                speed = take_clock(control)
            except ControlError as exc:
                raise OptionError(
                    f"mock-oms at {options.base_url} refused its control API ({exc}); "
                    "give --oms-control-token (mock-oms contract --control-token)"
                ) from None
        try:
            if control is not None:
                refuse_global_faults(control, label)
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
    first = target.get(Kind.MIGRATION, project_id)
    if first.data is not None or not _unknown(first):
        return Kind.MIGRATION
    second = target.get(Kind.SYNC, project_id)
    return Kind.SYNC if second.data is not None else Kind.MIGRATION


def _unknown(response: Response) -> bool:
    body = response.body
    return isinstance(body, dict) and body.get("code") == UNKNOWN_PROJECT_CODE


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
        for ref in projects:
            session = sessions[ref]
            session.append(target.get(ref.kind, ref.project_id, at=at, index=len(session)))
        if n + 1 < rounds:
            if target.mock:
                target.wait(interval)
            else:  # keep to the schedule whatever the polls cost
                target.wait(max(0.0, start + (n + 1) * interval - target.now()))
    return sessions


def unknown_ids(token: str) -> list[str]:
    """Well-formed project IDs no server knows."""
    return [f"contract-unknown-{token}", f"np_contract0{token}"]


def malformed_ids() -> list[str]:
    """Project IDs no server accepts: spaces, punctuation, non-ASCII, far too long."""
    return ["bad id", "bad$id", "<script>", "projet-é", "x" * 300]


def probe(target: Target, ids: Sequence[str]) -> list[Response]:
    """One poll of each ID on each endpoint."""
    return [target.get(kind, pid) for pid in ids for kind in Kind]
