"""Running the kit as a program: what ``mock-oms contract`` calls.

The run is hermetic: ``-c os.devnull`` keeps the pytest configuration of the directory it
is started from (addopts, testpaths, plugins' settings) out of it, and it leaves nothing
there: no pytest cache, no ``.hypothesis`` folder.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

PACKAGE = "contract_tests"
SUITE_NAME = "mock-oms-contract"


def new_seed() -> int:
    return secrets.randbits(32)


def pytest_arguments(
    *,
    base_url: str | None = None,
    projects: Sequence[str] = (),
    auth: str | None = None,
    control_token: str | None = None,
    poll_interval: float | None = None,
    poll_duration: float | None = None,
    junit_xml: Path | None = None,
    seed: int,
    max_examples: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The pytest command line that runs the kit with these settings."""
    args = [
        "--pyargs",
        PACKAGE,
        "-c",
        os.devnull,
        "--rootdir",
        str(Path.cwd()),
        "-p",
        "no:cacheprovider",
        "-p",
        "contract_tests.plugin",
        "-o",
        f"junit_suite_name={SUITE_NAME}",
        "-r",
        "fEs",
        # the command imported mock_oms and the kit before pytest could rewrite their
        # asserts; the kit's checks carry their own messages
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        f"--hypothesis-seed={seed}",
    ]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args[6:6] = ["-p", "hypothesispytest"]
    if base_url is not None:
        args += ["--oms-base-url", base_url]
    for project in projects:
        args += ["--oms-project", project]
    if auth is not None:
        args += ["--oms-auth", auth]
    if control_token is not None:
        args += ["--oms-control-token", control_token]
    if poll_interval is not None:
        args += ["--oms-poll-interval", str(poll_interval)]
    if poll_duration is not None:
        args += ["--oms-poll-duration", str(poll_duration)]
    if max_examples is not None:
        args += ["--oms-max-examples", str(max_examples)]
    if junit_xml is not None:
        args += ["--junit-xml", str(junit_xml)]
    return [*args, *extra]


def run(args: Sequence[str]) -> int:
    """Run pytest in this process; its exit status (0 only when every check passed).

    Hypothesis keeps what it caches in a temporary folder, not in ``./.hypothesis`` of the
    directory the command was started in (unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says
    where): the kit's examples come from ``--seed``, not from a database.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return int(pytest.main(list(args)))
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    home = storage_directory(intent_to_write=False).home_directory
    with tempfile.TemporaryDirectory(prefix="mock-oms-contract-") as storage:
        set_hypothesis_home_dir(storage)
        try:
            return int(pytest.main(list(args)))
        finally:
            set_hypothesis_home_dir(home)
