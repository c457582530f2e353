"""A failing case as a scenario file that ``mock-oms serve --scenarios FILE`` replays.

What the client did is written as YAML comments, every line of it: a client's error
message often has several (httpx's ``raise_for_status`` always does), and a line left
without its ``#`` would be read as part of the scenario.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from mock_oms.client import progress_path
from mock_oms.testing.case import Case

__all__ = ["DEFAULT_SAVE_DIR", "SAVED_SCENARIO", "comment", "save_case", "scenario_text"]

SAVED_SCENARIO = "client-failure"
DEFAULT_SAVE_DIR = Path("mock-oms-failures")

# What ends a line in YAML (1.1, as PyYAML reads it), and what YAML refuses anywhere in a
# stream, comments included.
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_NOT_PRINTABLE = re.compile(
    "[^\x09\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def comment(text: str, first: str = "", indent: str = "") -> list[str]:
    """``text`` as YAML comment lines: ``# {first}{line 1}``, then ``# {indent}{line N}``;
    characters YAML refuses are escaped (``\\x1b``)."""
    lines = _BREAK.split(text)
    out = []
    for i, line in enumerate(lines):
        shown = _NOT_PRINTABLE.sub(_escaped, line).rstrip()
        out.append(f"# {first if i == 0 else indent}{shown}".rstrip())
    return out


def scenario_text(case: Case, reason: str, details: str = "") -> str:
    """The case as a scenario file for ``mock-oms serve``, with how to replay it; ``details``
    (the client's traceback, say) follow the reason."""
    document = {**case.document(), "name": SAVED_SCENARIO}
    path = progress_path(case.kind, SAVED_SCENARIO)
    notes = [
        "# A minimal case found by mock-oms's client-robustness harness.",
        *comment(reason, "The client failed: ", "  "),
    ]
    if details:
        notes += comment(details)
    notes.append("# Replay: mock-oms serve --scenarios THIS_FILE, then point the client at")
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


def save_case(case: Case, reason: str, directory: Path, details: str = "") -> tuple[Path, str]:
    """Write the case's scenario file into ``directory``; its path and text."""
    text = scenario_text(case, reason, details)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    path = directory / f"{SAVED_SCENARIO}-{digest}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text
