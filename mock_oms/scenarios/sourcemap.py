"""Reading YAML or JSON scenario text while remembering on which line each value stands."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from mock_oms.core.errors import DocPath

__all__ = ["MAX_ALIASED", "SourceMap", "TextError", "parse", "parse_yaml"]

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
    """The text is not YAML/JSON at all."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def parse(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML or JSON and return the data with its source map.

    JSON is read by the JSON parser (YAML would refuse some characters a JSON string may
    hold, such as DEL, and read NEL as a line break); the YAML parser then only maps its
    lines, when it can.
    """
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except RecursionError:
            raise TextError("nested too deeply", None) from None
        except ValueError:
            pass  # YAML's flow style, or not JSON at all: YAML says which
        else:
            try:
                return data, parse_yaml(text, file)[1]
            except TextError:
                return data, SourceMap(file)
    return parse_yaml(text, file)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse YAML (JSON too, mostly) and return the data with its source map."""
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
        _walk(node, (), source, _Seen())
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


# Values that aliases may repeat in all: a few hundred bytes of nested aliases ("billion
# laughs") would otherwise expand to more values than anything could check or serve.
MAX_ALIASED = 100_000


class _Seen:
    """The nodes walked so far, and how many times aliases led back to one."""

    __slots__ = ("nodes", "repeated")

    def __init__(self) -> None:
        self.nodes: set[int] = set()
        self.repeated = 0


def _walk(node: yaml.Node, path: DocPath, source: SourceMap, walked: _Seen) -> None:
    if id(node) in walked.nodes:
        walked.repeated += 1
        if walked.repeated > MAX_ALIASED:
            raise TextError(
                f"aliases repeat more than {MAX_ALIASED} values in all; write them out",
                node.start_mark.line + 1,
            )
    else:
        walked.nodes.add(id(node))
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            if key in seen:
                source.duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            source.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, source, walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), source, walked)
