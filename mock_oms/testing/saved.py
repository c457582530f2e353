"""A failing case as a scenario file that ``mock-oms serve --scenarios FILE`` replays."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from mock_oms.client import progress_path
from mock_oms.testing.cases import Case

SAVED_SCENARIO = "client-failure"
DEFAULT_SAVE_DIR = Path("mock-oms-failures")


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
    """Write the case's scenario file into ``directory``; its path and text."""
    text = scenario_text(case, reason)
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    path = directory / f"{SAVED_SCENARIO}-{digest}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text
