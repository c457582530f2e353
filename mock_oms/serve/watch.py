"""``mock-oms serve --watch``: scenario files reloaded when they change, all or nothing.

A thread looks at the scenario files every ``interval`` seconds (their paths, sizes and
modification times: stdlib polling, no dependency, and it sees edits on a container's bind
mount, where inotify events from the host never arrive). A change is acted on once the files
have stood still for one more look, so that an editor's half-written file is not read. Then
the whole set is loaded again, as at start: if every file is valid, the new set is served;
if any is broken, each problem is reported with its file and line and the previous set keeps
serving. Either way one log line says what happened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from mock_oms.core.errors import ScenarioError
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios.loader import discover
from mock_oms.web.runtime import Runtime

__all__ = ["DEFAULT_INTERVAL", "Files", "Watcher", "changes", "look"]

DEFAULT_INTERVAL = 0.5  # seconds between looks: an edit is served within about a second

Files = dict[Path, tuple[int, int, int]]  # path -> (modification time in ns, size, inode)


def look(paths: Sequence[Path]) -> Files:
    """The scenario files under ``paths`` as they are now."""
    found: Files = {}
    for file in discover(paths)[0]:
        try:
            stat = file.stat()
        except OSError:  # removed meanwhile: the next look sees it gone
            continue
        found[file] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return found


def changes(before: Files, after: Files) -> str:
    """What changed between two looks, in a few words."""
    said = []
    for word, names in (
        ("changed", [p for p in after if p in before and after[p] != before[p]]),
        ("added", [p for p in after if p not in before]),
        ("removed", [p for p in before if p not in after]),
    ):
        if names:
            said.append(f"{word} {', '.join(p.name for p in sorted(names))}")
    return "; ".join(said) or "touched"


class Watcher:
    """Reloads ``runtime``'s scenarios when their files change; ``sink`` gets log lines."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        interval: float = DEFAULT_INTERVAL,
        sink: Callable[[str], None] = print,
    ) -> None:
        self.runtime = runtime
        self.paths = tuple(runtime.settings.scenarios) or (scenarios_dir(),)
        self.interval = interval
        self.sink = sink
        self.reloads = 0  # sets served after a change
        self.refusals = 0  # changes refused because a file was broken
        self._served = look(self.paths)  # the files of the set being served
        self._seen = self._served  # the files at the last look
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mock-oms watch", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        """Look once; reload when the files changed and have since stood still."""
        now = look(self.paths)
        settled = now == self._seen
        self._seen = now
        if settled and now != self._served:
            self.reload(now)

    def reload(self, files: Files) -> None:
        what = changes(self._served, files)
        self._served = files  # a broken set is reported once, not at every look
        try:
            library = self.runtime.load_library()
        except ScenarioError as exc:
            self.refusals += 1
            problems = "\n".join(f"  {problem}" for problem in exc.problems)
            self.sink(
                f"scenario files {what}: not reloaded, still serving the previous set "
                f"({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}):\n"
                f"{problems}"
            )
            return
        self.runtime.store.replace_library(library)
        self.reloads += 1
        self.sink(f"scenario files {what}: reloaded, {len(library)} scenarios served")
