"""Everything one server instance holds, handed to both of its faces."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mock_oms.config import Settings
from mock_oms.core.clock import Clock, TimeSource
from mock_oms.core.library import Library
from mock_oms.core.store import Store
from mock_oms.coverage.space import SpaceCache
from mock_oms.faults.chooser import FaultChooser
from mock_oms.journal.requests import Journal
from mock_oms.oms.envelope import RequestIds
from mock_oms.scenarios.loader import load_bundled, load_paths
from mock_oms.web.work import Work

__all__ = ["Runtime", "library_of"]


@dataclass(frozen=True)
class Runtime:
    """Everything one server instance holds, handed to both of its faces. Frozen: its parts
    change inside (the store swaps states, the journal records), never by replacement."""

    settings: Settings
    store: Store
    ids: RequestIds
    wall_clock: TimeSource = field(default=time.time)
    journal: Journal = field(default_factory=Journal)
    faults: FaultChooser = field(default_factory=FaultChooser)  # fault seed, injections
    startup_library: Library = field(default_factory=Library)  # what a fresh reset restores
    work: Work = field(default_factory=Work)  # the slot of long control work
    # the scenarios loaded through the control API, and the bytes each was sent as
    uploads: dict[str, int] = field(default_factory=dict)
    coverage: SpaceCache = field(default_factory=SpaceCache)  # the exposure space served now

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def load_library(self) -> Library:
        """The library the settings name (the bundled one by default)."""
        return library_of(self.settings)


def library_of(settings: Settings) -> Library:
    """The scenarios ``settings`` name: their files, or the bundled library."""
    if settings.scenarios:
        return load_paths(settings.scenarios)
    return load_bundled()
