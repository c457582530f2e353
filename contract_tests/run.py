"""Running the kit as a program: what ``mock-oms contract`` calls.

The run is hermetic: nothing in the directory it is started from takes part in it, and
it leaves nothing there.

- The kit is named by its absolute path (not ``--pyargs contract_tests``, which pytest
  first reads as a path under the current directory: a ``contract_tests/`` folder there,
  a checkout of mock-oms or a project's own, would be loaded in its place), with
  ``--rootdir`` and ``--confcutdir`` at the kit, so no ``conftest.py`` outside it loads.
- ``-c os.devnull`` keeps the pytest configuration of the current directory (addopts,
  testpaths, plugins' settings) out; ``PYTEST_ADDOPTS`` is set aside for the run.
- No pytest cache, and hypothesis keeps its files in a temporary folder.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

import contract_tests

PACKAGE = "contract_tests"
KIT = Path(contract_tests.__file__).resolve().parent
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
    strict: bool = False,
    clock_skew: float | None = None,
    api: str | None = None,
    create_body: Path | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The pytest command line that runs the kit with these settings."""
    args = [
        str(KIT),
        "-c",
        os.devnull,
        "--rootdir",
        str(KIT.parent),
        "--confcutdir",
        str(KIT),
        "-p",
        "no:cacheprovider",
        "-p",
        "contract_tests.plugin",
        "-o",
        f"junit_suite_name={SUITE_NAME}",
        "-r",
        "fEs",
        # the kit's checks carry their own messages: rewriting the asserts of every module
        # the run imports would only cost time (and the command imported the kit first)
        "--assert=plain",
        f"--hypothesis-seed={seed}",
        "--oms-spelling=cli",
    ]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        after = args.index("contract_tests.plugin") + 1
        args[after:after] = ["-p", "hypothesispytest"]
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
    if strict:
        args.append("--oms-strict")
    if clock_skew is not None:
        args += ["--oms-clock-skew", str(clock_skew)]
    if api is not None:
        args += ["--oms-api", api]
    if create_body is not None:
        args += ["--oms-create-body", str(create_body.resolve())]
    if junit_xml is not None:
        args += ["--junit-xml", str(junit_xml.resolve())]
    return [*args, *extra]


@contextmanager
def _without_addopts() -> Iterator[None]:
    saved = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["PYTEST_ADDOPTS"] = saved


def run(args: Sequence[str]) -> int:
    """Run pytest in this process; its exit status (0 only when every check passed).

    Hypothesis keeps what it caches in a temporary folder, not in ``./.hypothesis`` of the
    directory the command was started in (unless ``HYPOTHESIS_STORAGE_DIRECTORY`` says
    where): the kit's examples come from ``--seed``, not from a database.
    """
    with _without_addopts():
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


def write_unchecked_report(path: Path, reason: str) -> None:
    """A JUnit report of a run that found no server to check: one errored case that
    says why, so that CI shows the reason where it shows the checks."""
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=SUITE_NAME,
        tests="1",
        errors="1",
        failures="0",
        skipped="0",
    )
    case = ET.SubElement(suite, "testcase", classname=PACKAGE, name="server_to_check")
    error = ET.SubElement(case, "error", message=reason)
    error.text = reason
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
