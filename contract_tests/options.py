"""The kit's options, as the pytest plugin and ``mock-oms contract`` give them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_tests.facts import DEFAULT_CLOCK_SKEW
from contract_tests.levels import Api, Level
from mock_oms.core.kinds import Kind

DEFAULT_MAX_EXAMPLES = 25

# Against mock-oms the kit moves the scenario clock itself, so a long session costs no
# waiting: it covers the bundled scenarios to their end. Against a real OMS it waits.
MOCK_POLL_INTERVAL = 5.0
MOCK_POLL_DURATION = 900.0
# A V4 round is three calls (progress, steps, progress): against mock-oms the kit polls V4
# every 10 s of scenario time, the cadence of ODC (guide section 4).
MOCK_V4_POLL_INTERVAL = 10.0
REAL_POLL_INTERVAL = 2.0
REAL_POLL_DURATION = 30.0

# A transient failure (a gateway's 502 without an OMS body, a reset connection) is
# retried after each of these delays in turn; then the poll has failed.
RETRY_DELAYS = (0.25, 0.5, 1.0)
# How long the kit waits for a server before it says there is none to check (to connect,
# and for the first answer), and for any answer after that.
CONNECT_TIMEOUT = 3.0
FIRST_ANSWER_TIMEOUT = 5.0
TIMEOUT = 10.0


class OptionError(ValueError):
    """An option value the kit cannot use, or no server to check: the run stops with it."""


@dataclass(frozen=True, slots=True)
class Spelling:
    """How the options are spelled where the user typed them: ``mock-oms contract
    --base-url`` or ``pytest --oms-base-url``."""

    prefix: str = "--oms-"

    def __call__(self, name: str) -> str:
        return f"{self.prefix}{name}"


PYTEST = Spelling("--oms-")
CLI = Spelling("--")


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """A project to observe: ``ID``, ``migration:ID`` or ``sync:ID`` (kind None: detect)."""

    project_id: str
    kind: Kind | None = None

    @classmethod
    def parse(cls, text: str, spelling: Spelling = PYTEST) -> ProjectSpec:
        prefix, sep, rest = text.partition(":")
        if sep and prefix in (Kind.MIGRATION.value, Kind.SYNC.value):
            if not rest:
                raise OptionError(f"{spelling('project')} {text!r}: the project ID is empty")
            return cls(rest, Kind(prefix))
        if not text:
            raise OptionError(f"{spelling('project')}: the project ID is empty")
        return cls(text)


def parse_auth(text: str, spelling: Spelling = PYTEST) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise OptionError(f"{spelling('auth')} takes USER:PASSWORD")
    return user, password


@dataclass(frozen=True, slots=True)
class KitOptions:
    """What the kit runs against, how long it observes and how strictly it judges.

    ``base_url`` None: an in-process mock-oms with the bundled scenarios. ``poll_interval``
    and ``poll_duration`` None: the defaults for the kind of server (see module constants).
    ``spelling``: how messages name the options (the command the user typed). ``api``:
    the API to check (``auto``: the one the server speaks). ``create_body``: a CreateProject
    body; with it the kit checks the V4 lifecycle on projects it creates (against mock-oms
    it creates its own without one).
    """

    base_url: str | None = None
    projects: tuple[ProjectSpec, ...] = ()
    auth: tuple[str, str] | None = None
    control_token: str | None = None
    poll_interval: float | None = None
    poll_duration: float | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    level: Level = Level.COMPATIBLE
    clock_skew: float = DEFAULT_CLOCK_SKEW
    timeout: float = TIMEOUT
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    spelling: Spelling = PYTEST
    api: Api = Api.AUTO
    create_body: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        name = self.spelling
        if self.poll_interval is not None and not self.poll_interval > 0:
            raise OptionError(f"{name('poll-interval')} must be > 0")
        if self.poll_duration is not None and not self.poll_duration >= 0:
            raise OptionError(f"{name('poll-duration')} must be >= 0")
        if self.max_examples < 1:
            raise OptionError(f"{name('max-examples')} must be >= 1")
        if not self.clock_skew >= 0:
            raise OptionError(f"{name('clock-skew')} must be >= 0")

    def interval(self, mock: bool, api: Api = Api.V3) -> float:
        if self.poll_interval is not None:
            return self.poll_interval
        if mock:
            return MOCK_V4_POLL_INTERVAL if api is Api.V4 else MOCK_POLL_INTERVAL
        return REAL_POLL_INTERVAL

    def duration(self, mock: bool) -> float:
        if self.poll_duration is not None:
            return self.poll_duration
        return MOCK_POLL_DURATION if mock else REAL_POLL_DURATION


def read_create_body(path: str, spelling: Spelling = PYTEST) -> dict[str, Any]:
    """The CreateProject body in the JSON file ``path``; :class:`OptionError` when it cannot
    be read or is no JSON object."""
    name = spelling("create-body")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise OptionError(f"{name} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise OptionError(f"{name} {path}: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise OptionError(f"{name} {path}: a CreateProject body is a JSON object")
    return document
