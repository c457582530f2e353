"""Reading scenario files into a :class:`Library`, reporting every problem with its line.

A library is loaded all or nothing: one broken file and nothing is returned, so a server
never serves half of a set.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_oms import schemas
from mock_oms.core.errors import DocumentProblems, Problem, ScenarioError, clip, excerpt
from mock_oms.core.library import Library, assemble
from mock_oms.core.scenario import Scenario
from mock_oms.resources import scenarios_dir
from mock_oms.scenarios import replays
from mock_oms.scenarios.build import build
from mock_oms.scenarios.sourcemap import FILE_BUDGET, Budget, SourceMap, TextError, parse

if TYPE_CHECKING:
    from jsonschema import ValidationError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_REASON",
    "SUFFIXES",
    "discover",
    "load_bundled",
    "load_document",
    "load_file",
    "load_paths",
    "load_text",
]

SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_REASON = 500  # characters of one problem's reason (a schema message quotes the value)


def _problem(file: str, line: int | None, reason: str, path: str = "") -> Problem:
    return Problem(file, line, clip(reason, MAX_REASON), path)


def _schema_problem(error: ValidationError, source: SourceMap, doc: Any = None) -> list[Problem]:
    from jsonschema.exceptions import best_match

    error = best_match(schemas.leaves(error))
    path = tuple(error.absolute_path)
    if error.validator == "not" and error.validator_value == {}:  # ruled out in this place
        kind = doc.get("kind") if isinstance(doc, dict) and len(path) == 1 else None
        where = f"in a {kind} scenario" if isinstance(kind, str) else "here"
        reason = f"{_dotted(path)}: not allowed {where}"
        return [_problem(source.file, source.line(path), reason, _dotted(path))]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [
            _problem(
                source.file,
                source.line((*path, key)),
                f"{_dotted((*path, key))}: unknown field {excerpt(key)}",
                _dotted((*path, key)),
            )
            for key in error.instance
            if key not in allowed
        ]
    return [
        _problem(source.file, source.line(path), f"{_dotted(path)}: {error.message}", _dotted(path))
    ]


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_text(
    text: str, file: str = "<text>", *, trusted: bool = False, budget: Budget = FILE_BUDGET
) -> Scenario:
    """One scenario from YAML or JSON text; :class:`ScenarioError` lists every problem.
    ``budget``: what the document may expand to (see :mod:`~mock_oms.scenarios.sourcemap`)."""
    try:
        doc, source = parse(text, file, budget)
    except TextError as exc:
        raise ScenarioError([Problem(file, exc.line, exc.reason)]) from None
    return load_document(doc, source, trusted=trusted)


def load_document(doc: Any, source: SourceMap | None = None, *, trusted: bool = False) -> Scenario:
    """One scenario from parsed data (``source`` supplies lines when it came from text).

    ``trusted``: skip the schema check, for the bundled scenarios only (the tests and
    ``mock-oms validate`` in CI check those against the schema; skipping it saves a third
    of the start-up time). The rules a schema cannot express are checked all the same.
    """
    source = source or SourceMap("<document>")
    if not isinstance(doc, dict):  # said plainly, not as a schema would say it
        raise ScenarioError([Problem(source.file, source.line(()) or 1, _not_a_mapping(doc))])
    problems = [
        Problem(source.file, line, f"{_dotted(path)}: duplicate key", _dotted(path))
        for path, line in source.duplicates
    ]
    if not trusted:
        odd = dict(schemas.json_problems(doc))
        problems.extend(
            _problem(source.file, source.line(path), f"{_dotted(path)}: {reason}", _dotted(path))
            for path, reason in odd.items()
        )
        # too deep, the schema check could run out of stack: the depth is the problem
        deep = any(len(path) >= schemas.MAX_DEPTH for path in odd)
        errors = [] if deep else schemas.validator(schemas.SCENARIO).iter_errors(doc)
        for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
            if tuple(error.absolute_path) not in odd:  # a NaN or infinity: said already
                problems.extend(_schema_problem(error, source, doc))
    if problems:
        raise ScenarioError(problems)
    try:
        if doc.get("kind") == "replay":
            return replays.build(doc, source.file)
        return build(doc, source.file)
    except DocumentProblems as exc:
        raise ScenarioError(
            [
                _problem(
                    source.file, source.line(path), f"{_dotted(path)}: {reason}", _dotted(path)
                )
                for path, reason in exc.problems
            ]
        ) from None


def _not_a_mapping(doc: Any) -> str:
    if doc is None:
        return "the file is empty: a scenario needs at least name, kind and timeline"
    what = {list: "a list", str: "text", bool: "true or false"}.get(type(doc), "a number")
    return f"a scenario is a mapping of fields (name, kind, timeline, ...), not {what}"


def load_file(path: Path, *, trusted: bool = False) -> Scenario:
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(name, None, f"larger than {MAX_FILE_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(name, None, f"not UTF-8 text: {exc.reason}")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(name, None, f"cannot read: {exc.strerror or exc}")]) from None
    return load_text(text, name, trusted=trusted)


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The scenario files named by ``paths`` (folders searched recursively, hidden parts
    skipped) and the problems with the paths themselves."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                kinds = ", ".join(SUFFIXES)
                problems.append(Problem(str(path), None, f"no scenario files ({kinds}) here"))
            found.extend(files)
        elif path.exists():
            found.append(path)
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    return found, problems


def load_paths(paths: Iterable[Path], *, trusted: bool = False) -> Library:
    """Every scenario under ``paths``, or :class:`ScenarioError` with every problem found.

    ``trusted``: see :func:`load_document`.
    """
    files, problems = discover(paths)
    scenarios: list[Scenario] = []
    for file in files:
        try:
            scenarios.append(load_file(file, trusted=trusted))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return assemble(scenarios)


def load_bundled() -> Library:
    """The scenarios shipped with mock-oms (checked against the schema by the test suite,
    so not again at every start)."""
    return load_paths([scenarios_dir()], trusted=True)
