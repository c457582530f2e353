"""Testing OMS clients against mock-oms: a robustness harness that serves
hypothesis-generated cases to your client and checks its conclusion.

The harness (:func:`check_client`) takes a *driver*: a function that runs your client
against a :class:`ClientTarget` (a base URL, a project, and an httpx transport when the
server runs in process) and returns what the client concluded, the settled status it
reported, or None when it gave up. For every generated :class:`Case` the harness checks
that the client

- stops within ``max_polls`` polls and ``time_limit`` seconds,
- does not raise,
- reports the truth: a settled status the project really reached, or None when it never
  settles or does not exist.

A failure shrinks to a minimal case, which is saved as a scenario file that
``mock-oms serve --scenarios FILE`` replays, faults included, and raised as
:class:`ClientFailure`.

Cases are scenarios whose phases are counted in polls, so they play the same whatever the
client's speed, plus unknown projects. A scenario's project meets faults on some of its
polls (:func:`mock_oms.strategies.fault_sequences`, served as the scenario's fault rules):
HTTP errors, 429 with Retry-After, closed and reset connections, truncated and non-JSON
bodies, wrong content types, in-band errors, latency and short hangs. They are transient
and few, and none waits longer than the cases' ``max_delay``, so a client that retries can
still learn the truth: a fault changes what a poll returns, never the project's story
(the poll counts all the same), so the truth does not depend on them.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mock_oms.client import IN_PROCESS_URL, ControlClient, progress_path
from mock_oms.core.kinds import Kind
from mock_oms.harness import LentTransport
from mock_oms.strategies import (
    TRANSIENT,
    FaultName,
    FaultSpec,
    fault_sequences,
    scenarios,
    settled_outcomes,
    with_faults,
)

CASE_SCENARIO = "harness-case"
SAVED_SCENARIO = "client-failure"
FAULT_SEED = 0
DEFAULT_SAVE_DIR = Path("mock-oms-failures")
Outcome = str | None

# -- cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What the harness serves to the client: a scenario, or a project that does not exist.

    ``faults``: what the project's successive polls meet (item N-1 is the Nth poll's
    fault, None a normal answer), as :func:`mock_oms.strategies.fault_sequences` draws
    them. They reach the server as the scenario's fault rules (:meth:`document`); a project
    that does not exist has none.
    """

    scenario: dict[str, Any]
    missing: bool = False
    faults: tuple[FaultSpec | None, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", tuple(self.faults))

    @property
    def kind(self) -> Kind:
        return Kind(self.scenario["kind"])

    def document(self) -> dict[str, Any]:
        """The scenario document the server plays: the scenario with its faults as rules."""
        return with_faults(self.scenario, self.faults)

    def truth(self) -> frozenset[Outcome]:
        """The conclusions a correct client may reach (faults change none of them)."""
        return frozenset({None}) if self.missing else settled_outcomes(self.scenario)


def client_cases(
    *,
    max_phases: int = 6,
    max_polls: int = 5,
    max_faults: int = 3,
    fault_polls: int = 10,
    max_delay: float = 0.1,
    fault_kinds: Collection[FaultName] = TRANSIENT,
) -> SearchStrategy[Case]:
    """Cases for :func:`check_client`: scenarios counted in polls whose first settled status
    stays true (FAILED is never resumed), one in ten asking about an unknown project.

    A scenario's project meets up to ``max_faults`` faults on its first ``fault_polls``
    polls, of ``fault_kinds`` (:data:`~mock_oms.strategies.TRANSIENT`: all but deliberate
    contract deviations), none making the client wait longer than ``max_delay`` seconds
    (latency, hangs, Retry-After); ``max_faults=0`` serves none. Shrinks towards a project
    that waits in INIT forever, without faults, else with fewer and simpler ones (a
    plain 500 on the first poll).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        scenario = draw(
            scenarios(
                timing="polls",
                max_phases=max_phases,
                max_polls=max_polls,
                resumable=False,
                name=CASE_SCENARIO,
            )
        )
        missing = draw(st.integers(0, 9)) == 9
        if missing or max_faults == 0:
            return Case(scenario, missing)
        faults = draw(
            fault_sequences(
                scenario["kind"],
                allow=fault_kinds,
                max_polls=fault_polls,
                max_faults=max_faults,
                max_delay=max_delay,
            )
        )
        return Case(scenario, missing, tuple(faults))

    return build()


def _check_case(case: Case) -> None:
    timeline = case.scenario["timeline"]
    if any("seconds" in phase for phase in timeline[:-1]):
        raise ValueError("the harness plays phases counted in polls; this case has seconds")
    if case.missing and any(f is not None for f in case.faults):
        raise ValueError("faults are served as a scenario's rules; a missing project has none")


# -- the client's side ------------------------------------------------------------------


@dataclass(frozen=True)
class ClientTarget:
    """Where the driver points its client.

    ``transport`` is set when the server runs in process: give it to ``httpx.Client``
    (closing that client leaves the server running). ``max_polls`` is the bound the client
    must keep (make it the client's own limit); ``poll_interval`` the pause to use between
    polls (the cases are counted in polls, so waiting longer proves nothing).
    """

    base_url: str
    project_id: str
    kind: Kind
    path: str
    max_polls: int
    poll_interval: float
    transport: httpx.BaseTransport | None = None

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for this target (in process or over the network)."""
        return httpx.Client(base_url=self.base_url, transport=self.transport, **kwargs)


Driver = Callable[[ClientTarget], Outcome]


class ClientFailure(AssertionError):
    """The client mishandled a case. ``scenario_file`` replays the minimal one."""

    def __init__(self, case: Case, reason: str, scenario_file: Path, text: str) -> None:
        self.case = case
        self.reason = reason
        self.scenario_file = scenario_file
        super().__init__(
            f"the client failed: {reason}\n"
            f"minimal case saved to {scenario_file} (replay: mock-oms serve --scenarios "
            f"{scenario_file}):\n{text}"
        )


# -- the server's side ------------------------------------------------------------------


class _Abandoned(BaseException):
    """Raised inside a driver thread that overran its time limit."""


class _Budget:
    """ASGI middleware counting the polls of each project; beyond its limit a project is
    answered 503 so that a client that never stops gets a reason to, and the event the
    harness watches for it is set, so that the verdict need not wait for the time limit
    (a client that retries every failure would poll on until then)."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.polls: dict[str, int] = {}
        self.closed: set[str] = set()
        self._watched: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def watch(self, project_id: str, event: threading.Event) -> None:
        """Set ``event`` when ``project_id`` goes over the limit."""
        with self._lock:
            self._watched[project_id] = event

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from mock_oms.web.oms_api import decode_project_id, match

        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope["path"].encode()
            found = match(raw.split(b"?", 1)[0])
            if found is not None:
                try:
                    pid = decode_project_id(found[1])
                except Exception:
                    pid = ""
                with self._lock:
                    count = self.polls[pid] = self.polls.get(pid, 0) + 1
                    over = count > self.limit or pid in self.closed
                    watcher = self._watched.get(pid) if count > self.limit else None
                if watcher is not None:
                    watcher.set()
                if over:
                    body = b"mock-oms harness: this client exceeded its poll budget"
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 503,
                            "headers": [(b"content-type", b"text/plain")],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


@dataclass
class _Server:
    control: ControlClient
    budget: _Budget
    base_url: str
    transport: httpx.BaseTransport | None
    cases_run: list[int] = field(default_factory=lambda: [0])


@contextmanager
def _serve(live: bool, max_polls: int, max_fault_delay: float) -> Iterator[_Server]:
    from mock_oms.config import Settings
    from mock_oms.core.clock import ClockMode
    from mock_oms.core.library import Library
    from mock_oms.transport import InProcessTransport
    from mock_oms.web.app import create_app

    # A fixed seed: the faults a case leaves to chance (none that client_cases draws)
    # repeat. No fault outlasts a case's time limit. The cases are the only scenarios
    # served: an empty library (loading the bundled one takes time).
    settings = Settings(
        port=0, clock=ClockMode.MANUAL, seed=FAULT_SEED, max_fault_delay=max_fault_delay
    )
    if live:
        from mock_oms.serve.live import LiveServer

        def budgeted(app: Any) -> _Budget:
            return _Budget(app, max_polls)

        with (
            LiveServer(settings, library=Library(), middleware=budgeted) as server,
            ControlClient(server.base_url) as control,
        ):
            yield _Server(control, server.served, server.base_url, None)
        return
    budget = _Budget(create_app(settings, library=Library()), max_polls)
    transport = InProcessTransport(budget)
    try:
        lent = LentTransport(transport)  # drivers close their clients, never the server's
        http = httpx.Client(transport=lent, base_url=IN_PROCESS_URL)
        with ControlClient(client=http) as control:
            yield _Server(control, budget, IN_PROCESS_URL, lent)
    finally:
        transport.close()


def _interrupt(thread: threading.Thread) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned)
        )


def _run_case(
    server: _Server,
    drive: Driver,
    case: Case,
    *,
    max_polls: int,
    time_limit: float,
    poll_interval: float,
) -> str | None:
    """Serve ``case`` to the driver; why the client failed, or None when it did well."""
    _check_case(case)
    server.cases_run[0] += 1
    n = server.cases_run[0]
    if case.missing:
        project_id = f"harness-missing-{n}"
    else:
        server.control.add_scenario(case.document())
        project_id = f"{case.scenario['name']}~{n}"
    target = ClientTarget(
        base_url=server.base_url,
        project_id=project_id,
        kind=case.kind,
        path=progress_path(case.kind, project_id),
        max_polls=max_polls,
        poll_interval=poll_interval,
        transport=server.transport,
    )
    outcome: list[Outcome] = []
    error: list[BaseException] = []
    done = threading.Event()  # the driver returned, or its client went over budget
    server.budget.watch(project_id, done)

    def run() -> None:
        try:
            outcome.append(drive(target))
        except _Abandoned:
            pass
        except BaseException as exc:
            error.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True, name=f"mock-oms-client-{n}")
    thread.start()
    done.wait(time_limit)
    timed_out = thread.is_alive()
    if timed_out:
        server.budget.closed.add(project_id)
        _interrupt(thread)
        thread.join(1.0)
    polls = server.budget.polls.get(project_id, 0)
    server.budget.closed.add(project_id)
    if polls > max_polls:
        return f"it kept polling: more than {max_polls} polls (the bound) for one project"
    if timed_out:
        return f"it did not return within {time_limit:g} s"
    if error:
        exc = error[0]
        return f"it raised {type(exc).__name__}: {exc}"
    truth = case.truth()
    if outcome[0] not in truth:
        said = sorted(repr(t) for t in truth)
        return f"it concluded {outcome[0]!r}; the truth is one of {', '.join(said)}"
    return None


def scenario_text(case: Case, reason: str) -> str:
    """The case as a scenario file for ``mock-oms serve``, with how to replay it."""
    document = {**case.document(), "name": SAVED_SCENARIO}
    path = progress_path(case.kind, SAVED_SCENARIO)
    notes = [
        "# A minimal case found by mock-oms's client-robustness harness.",
        f"# The client failed: {reason}",
        "# Replay: mock-oms serve --scenarios THIS_FILE, then point the client at",
    ]
    if case.missing:
        notes.append(
            f"#   {progress_path(case.kind, 'no-such-project')} (a project that does not exist)"
        )
    else:
        notes.append(f"#   {path}")
    if "faults" in document:
        notes += [
            "# The faults fall on the project's Nth poll: to meet them again, restart the",
            f"# server or POST /_mock/projects/{SAVED_SCENARIO}/reset.",
        ]
    return "\n".join(notes) + "\n" + yaml.safe_dump(document, sort_keys=False)


def save_case(case: Case, reason: str, directory: Path) -> tuple[Path, str]:
    text = scenario_text(case, reason)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    path = directory / f"{SAVED_SCENARIO}-{digest}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def check_client(
    drive: Driver,
    *,
    live: bool = False,
    cases: SearchStrategy[Case] | None = None,
    max_examples: int = 50,
    max_polls: int = 50,
    time_limit: float = 10.0,
    poll_interval: float = 0.0,
    save_dir: Path | None = None,
    seed: int | None = None,
    hypothesis_settings: settings | None = None,
) -> None:
    """Serve generated cases to ``drive`` and raise :class:`ClientFailure` on the first
    (shrunk) case the client mishandles.

    ``cases``: what to serve (default :func:`client_cases`, faults included; give
    ``client_cases(max_faults=0)`` for none). ``live``: serve over a socket (a uvicorn
    thread on 127.0.0.1) instead of in process, for clients that cannot take an httpx
    transport. ``time_limit`` bounds each case, and every fault delay or hang with it.
    ``save_dir``: where the failing case is written (default ``./mock-oms-failures``).
    ``hypothesis_settings`` overrides the hypothesis settings (``max_examples`` and
    ``seed`` are shortcuts).
    """
    strategy = cases if cases is not None else client_cases()
    failures: list[tuple[Case, str]] = []
    with _serve(live, max_polls, time_limit) as server:

        def attempt(case: Case) -> None:
            reason = _run_case(
                server,
                drive,
                case,
                max_polls=max_polls,
                time_limit=time_limit,
                poll_interval=poll_interval,
            )
            if reason is not None:
                failures.append((case, reason))
                raise AssertionError(reason)

        configured = hypothesis_settings or settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            report_multiple_bugs=False,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        test = configured(given(case=strategy)(attempt))
        if seed is not None:
            test = hypothesis_seed(seed)(test)
        try:
            test()
        except Exception:
            if not failures:
                raise
            case, reason = failures[-1]
            path, text = save_case(case, reason, save_dir or DEFAULT_SAVE_DIR)
            raise ClientFailure(case, reason, path, text) from None
