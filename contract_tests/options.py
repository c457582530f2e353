"""The kit's options, as the pytest plugin and ``mock-oms contract`` give them."""

from __future__ import annotations

from dataclasses import dataclass

from mock_oms.core.kinds import Kind

DEFAULT_MAX_EXAMPLES = 25

# Against mock-oms the kit moves the scenario clock itself, so a long session costs no
# waiting: it covers the bundled scenarios to their end. Against a real OMS it waits.
MOCK_POLL_INTERVAL = 5.0
MOCK_POLL_DURATION = 900.0
REAL_POLL_INTERVAL = 2.0
REAL_POLL_DURATION = 30.0


class OptionError(ValueError):
    """An option value the kit cannot use."""


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """A project to observe: ``ID``, ``migration:ID`` or ``sync:ID`` (kind None: detect)."""

    project_id: str
    kind: Kind | None = None

    @classmethod
    def parse(cls, text: str) -> ProjectSpec:
        prefix, sep, rest = text.partition(":")
        if sep and prefix in (Kind.MIGRATION.value, Kind.SYNC.value):
            if not rest:
                raise OptionError(f"--oms-project {text!r}: the project ID is empty")
            return cls(rest, Kind(prefix))
        if not text:
            raise OptionError("--oms-project: the project ID is empty")
        return cls(text)


def parse_auth(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise OptionError("--oms-auth takes USER:PASSWORD")
    return user, password


@dataclass(frozen=True, slots=True)
class KitOptions:
    """What the kit runs against and how long it observes.

    ``base_url`` None: an in-process mock-oms with the bundled scenarios. ``poll_interval``
    and ``poll_duration`` None: the defaults for the kind of server (see module constants).
    """

    base_url: str | None = None
    projects: tuple[ProjectSpec, ...] = ()
    auth: tuple[str, str] | None = None
    control_token: str | None = None
    poll_interval: float | None = None
    poll_duration: float | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.poll_interval is not None and not self.poll_interval > 0:
            raise OptionError("--oms-poll-interval must be > 0")
        if self.poll_duration is not None and not self.poll_duration >= 0:
            raise OptionError("--oms-poll-duration must be >= 0")
        if self.max_examples < 1:
            raise OptionError("--oms-max-examples must be >= 1")

    def interval(self, mock: bool) -> float:
        if self.poll_interval is not None:
            return self.poll_interval
        return MOCK_POLL_INTERVAL if mock else REAL_POLL_INTERVAL

    def duration(self, mock: bool) -> float:
        if self.poll_duration is not None:
            return self.poll_duration
        return MOCK_POLL_DURATION if mock else REAL_POLL_DURATION
