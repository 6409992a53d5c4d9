"""Reading one YAML file into plain data plus the line of every value.

PyYAML's composer keeps a start mark on every node; walking the node tree next
to the constructed data gives a map from field path (("steps", 2, "unit")) to
line number, which is what lets every validation error say where it is.

The loader follows YAML 1.2 for numbers: `15:00` stays the string "15:00" (YAML
1.1 would read it as the base-60 integer 900, and a cut-off time would silently
become a quarter past midnight). Duplicate keys are reported, not silently
overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .i18n import _

Path_ = tuple[str | int, ...]

# Nodes one document may hold, each alias counted as often as it is used. Process
# documents are hand-written: the largest sample has a few thousand. A 324-byte alias
# bomb expands to 9^9 nodes; this stops it before anything is built. Fixed (not in
# qms.yaml), because qms.yaml itself is read under it.
MAX_NODES = 100_000


# libyaml's parser when present (several times faster); marks are the same.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader without YAML 1.1's sexagesimal numbers."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
        r"|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


@dataclass
class Located:
    """A problem at a place in a file."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class SourceDocument:
    """One YAML file: its data and the line where each field path starts."""

    path: Path
    text: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, location: Path_) -> int:
        """Line of the deepest known prefix of `location` (1-based)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return 1


def format_path(location: Path_) -> str:
    """("steps", 2, "unit") -> "steps[2].unit"."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class YamlProblem(Exception):
    def __init__(self, located: list[Located]):
        super().__init__("\n".join(str(p) for p in located))
        self.located = located


def read_yaml(path: Path, text: str | None = None) -> SourceDocument:
    """Parse one YAML file; raise YamlProblem with located messages on any failure."""
    if text is None:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise YamlProblem([Located(path, 1, "", _("cannot read the file: {error}").format(error=error.strerror))]) from None
        if b"\x00" in raw:
            raise YamlProblem([Located(path, 1, "", _("this is a binary file, not YAML text"))])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise YamlProblem([Located(path, line, "", _("the file is not UTF-8 text"))]) from None
    if not text.strip():
        raise YamlProblem([Located(path, 1, "", _("the file is empty"))])
    loader = _Loader(text)
    node = None
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem([Located(path, 1, "", _("the file holds no YAML document (only comments?)"))])
        duplicates: list[Located] = []
        lines: dict[Path_, int] = {}
        _Walk(path, lines, duplicates).node(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(part for part in (error.context, error.problem) if part)
        if "\t" in text and "tab" in (error.problem or "").lower() or "found character '\\t'" in str(error):
            what = _("tab characters cannot indent YAML; use spaces")
        raise YamlProblem([Located(path, line, "", _("malformed YAML: {what}").format(what=what))]) from None
    except yaml.YAMLError as error:
        raise YamlProblem([Located(path, 1, "", _("malformed YAML: {what}").format(what=error))]) from None
    except (ValueError, TypeError, OverflowError) as error:
        # A scalar that looks like a date but is none (2025-13-01), a key that
        # cannot be a key: the constructor fails outside PyYAML's own errors.
        line = _failing_line(loader, node) if node is not None else 1
        raise YamlProblem([Located(path, line, "", _("malformed YAML: {what}").format(what=error))]) from None
    finally:
        loader.dispose()
    if duplicates:
        raise YamlProblem(duplicates)
    if not isinstance(data, dict):
        raise YamlProblem(
            [Located(path, 1, "", _("the top level must be a mapping of field: value, not a {type}").format(type=_yaml_type(data)))]
        )
    return SourceDocument(path=path, text=text, data=data, lines=lines)


def _failing_line(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    """The first scalar the constructor cannot build (for a located message)."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode):
            try:
                loader.construct_object(current, deep=True)
            except Exception:  # noqa: BLE001 - looking for the culprit, any failure counts
                return current.start_mark.line + 1
        elif isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack += [key_node, value_node]
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value
    return node.start_mark.line + 1


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


_MAX_DEPTH = 200  # nesting levels; hand-written documents use fewer than ten


class _Walk:
    """The node tree with the line of every field path, within a node budget: an
    alias is walked (and counted) again wherever it is used, so an alias bomb or an
    alias inside itself is refused here, with its line, before it is expanded."""

    def __init__(self, path: Path, lines: dict[Path_, int], duplicates: list[Located]):
        self.path, self.lines, self.duplicates = path, lines, duplicates
        self.left = MAX_NODES
        self.open: set[int] = set()  # ids of the collections being walked (to spot a cycle)

    def node(self, node: yaml.Node, location: Path_) -> None:
        self.left -= 1
        line = node.start_mark.line + 1
        if self.left < 0:
            raise YamlProblem([Located(self.path, line, format_path(location), _(
                "the document expands to more than {limit} values (aliases used over and over?)").format(
                    limit=MAX_NODES))])
        if id(node) in self.open:
            raise YamlProblem([Located(self.path, line, format_path(location), _("an alias refers to itself"))])
        if len(location) > _MAX_DEPTH:
            raise YamlProblem([Located(self.path, line, format_path(location[:5]) + "…", _(
                "nested deeper than {limit} levels").format(limit=_MAX_DEPTH))])
        self.lines.setdefault(location, line)
        if isinstance(node, yaml.MappingNode):
            self.open.add(id(node))
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
                if key in seen:
                    self.duplicates.append(Located(
                        self.path, key_node.start_mark.line + 1, format_path(location + (key,)), _("the key appears twice")))
                seen.add(key)
                self.lines[location + (key,)] = key_node.start_mark.line + 1
                self.node(value_node, location + (key,))
            self.open.discard(id(node))
        elif isinstance(node, yaml.SequenceNode):
            self.open.add(id(node))
            for index, item in enumerate(node.value):
                self.node(item, location + (index,))
            self.open.discard(id(node))
