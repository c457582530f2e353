"""Reading YAML or JSON scenario text while remembering on which line each value stands.

A document is measured by what it expands to before anything is built from it: the
values it holds (an alias counts as every value of what it repeats) and the bytes of its
text values, again counting each repetition. A few hundred bytes of nested aliases
("billion laughs"), or a short anchor repeated by thousands of aliases, would otherwise
expand to more than anything could check, quote in an error or serve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from mock_oms.core.errors import DocPath

__all__ = [
    "FILE_BUDGET",
    "MAX_EXPANDED",
    "MAX_VALUES",
    "UPLOAD_BUDGET",
    "Budget",
    "SourceMap",
    "TextError",
    "measure",
    "parse",
    "parse_yaml",
]

# libyaml's parser when PyYAML was built with it: several times faster, same nodes and marks
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SourceMap:
    """Maps a path into the parsed document (keys and indices) to a 1-based line."""

    file: str
    lines: dict[DocPath, int] = field(default_factory=dict)
    duplicates: list[tuple[DocPath, int]] = field(default_factory=list)

    def line(self, path: DocPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class TextError(ValueError):
    """The text is not YAML/JSON at all, or too much of it."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _Overflow(TextError):
    """The text expands beyond its budget."""


# What a document may expand to: values (a mapping, a list and a scalar count one each) and
# bytes of text (each value at least one). A bundled scenario holds a few hundred values; a
# replay of 10,000 recorded answers about 250,000.
MAX_VALUES = 1_000_000
MAX_EXPANDED = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Budget:
    """How much a document may expand to (see :data:`MAX_VALUES`)."""

    values: int = MAX_VALUES
    size: int = MAX_EXPANDED


FILE_BUDGET = Budget()  # a scenario file's
# a scenario sent to the control API: a replay of about 5,000 answers, read in a few seconds
UPLOAD_BUDGET = Budget(values=250_000)


def measure(text: str, budget: Budget = FILE_BUDGET) -> tuple[int, int]:
    """The values and bytes ``text`` expands to, read from the parser's events before any
    node is built (a node costs several hundred bytes; an event is dropped once counted).
    :class:`TextError` past the budget, or when the text is not YAML."""
    anchors: dict[str, tuple[int, int]] = {}  # what each anchor expands to
    open_: list[tuple[int, int, str | None]] = []  # collections begun: totals then, anchor
    values = size = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.ScalarEvent):
                grown = (1, len(event.value) + 1)
                if event.anchor:
                    anchors[event.anchor] = grown
            elif isinstance(event, yaml.AliasEvent):
                grown = anchors.get(event.anchor or "", (1, 1))
            elif isinstance(event, yaml.CollectionStartEvent):
                open_.append((values, size, event.anchor))
                grown = (1, 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                if open_:
                    v0, s0, anchor = open_.pop()
                    if anchor:
                        anchors[anchor] = (values - v0 + 1, size - s0 + 1)
                continue
            else:
                continue
            values += grown[0]
            size += grown[1]
            if values > budget.values or size > budget.size:
                what = (
                    f"{budget.values} values" if values > budget.values else f"{budget.size} bytes"
                )
                raise _Overflow(
                    f"the document expands to more than {what} (an alias counts as all it "
                    "repeats); split it, or write fewer values",
                    event.start_mark.line + 1 if event.start_mark else None,
                )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TextError(f"not valid YAML or JSON: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise TextError(f"not valid YAML or JSON: {exc}", None) from None
    return values, size


def _json_estimate(text: str) -> int:
    """At most how many values JSON text holds (every value but the first of a list or an
    object follows a comma; a comma inside a string only makes the bound looser)."""
    return text.count(",") + text.count("[") + text.count("{") + 1


def parse(text: str, file: str, budget: Budget = FILE_BUDGET) -> tuple[Any, SourceMap]:
    """Parse YAML or JSON and return the data with its source map; :class:`TextError`
    when it is neither, or expands beyond ``budget``.

    JSON is read by the JSON parser (YAML would refuse some characters a JSON string may
    hold, such as DEL, and read NEL as a line break); the YAML parser then only maps its
    lines, when it can.
    """
    if len(text) > budget.size:
        raise _Overflow(f"the document is larger than {budget.size} bytes", None)
    if text.lstrip()[:1] in ("{", "["):
        try:
            measure(text, budget)
            mapped = True
        except _Overflow:
            raise
        except TextError:
            mapped = False  # not YAML: JSON's own bound, and no lines
            if _json_estimate(text) > budget.values:
                raise TextError(
                    f"the document holds more than {budget.values} values", None
                ) from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise TextError("nested too deeply", None) from None
        except ValueError:
            pass  # YAML's flow style, or not JSON at all: YAML says which
        else:
            if not mapped:
                return data, SourceMap(file)
            try:
                return data, _compose(text, file)[1]
            except TextError:
                return data, SourceMap(file)
    return parse_yaml(text, file, budget)


def parse_yaml(text: str, file: str, budget: Budget = FILE_BUDGET) -> tuple[Any, SourceMap]:
    """Parse YAML (JSON too, mostly) and return the data with its source map;
    :class:`TextError` when it is not YAML, or expands beyond ``budget``."""
    measure(text, budget)
    return _compose(text, file)


def _compose(text: str, file: str) -> tuple[Any, SourceMap]:
    source = SourceMap(file)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TextError(f"not valid YAML or JSON: {exc.problem or exc}", line) from None
    except yaml.YAMLError as exc:
        raise TextError(f"not valid YAML or JSON: {exc}", None) from None
    except RecursionError:
        raise TextError("nested too deeply", None) from None
    if node is None:
        return None, source
    try:
        _walk(node, (), source)
    except RecursionError:
        raise TextError("nested too deeply", None) from None
    constructor = yaml.SafeLoader("")
    try:
        data = constructor.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise TextError(f"not valid YAML: {exc.problem or exc}", line) from None
    except RecursionError:
        raise TextError("nested too deeply", None) from None
    finally:
        constructor.dispose()
    return data, source


def _walk(node: yaml.Node, path: DocPath, source: SourceMap) -> None:
    """Every path of the document and its line (aliases walked as what they repeat: the
    budget measured them so)."""
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = (
                key_node.value
                if isinstance(key_node, yaml.ScalarNode)
                else f"<a {key_node.id} as a key>"
            )
            child = (*path, key)
            if key in seen:
                source.duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            source.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), source)
