"""Load YAML and keep the line of every key, so that a pydantic error can be reported
as `file:line: field: message` like every other hand-written qms document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import QmsError, ValidationFailed
from ..i18n import _

Location = tuple[Any, ...]


def _lines_of(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _lines_of(value_node, path + (key,), lines)
            # a value's own line is more precise for scalars on the next line
            if not isinstance(value_node, yaml.ScalarNode):
                lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines_of(item, path + (index,), lines)


def load_yaml_with_lines(path: Path) -> tuple[Any, dict[Location, int]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise QmsError(_("{path}: cannot read: {error}").format(path=path, error=error)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise QmsError(_("{where}: invalid YAML: {problem}").format(where=where, problem=problem)) from None
    lines: dict[Location, int] = {}
    if node is not None:
        _lines_of(node, (), lines)
    return data, lines


def line_for(location: Location, lines: dict[Location, int]) -> int | None:
    """The line of the deepest prefix of `location` that the YAML file has."""
    for cut in range(len(location), -1, -1):
        found = lines.get(tuple(location[:cut]))
        if found is not None:
            return found
    return None


def validate_document(model: type[BaseModel], path: Path) -> BaseModel:
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise QmsError(_("{path}: expected a mapping of keys at the top level").format(path=path))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            # pydantic adds the union/validator name ("function-after[...]") to loc; drop those.
            location = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
            message = item["msg"].removeprefix("Value error, ")
            # a validator over a mapping names the key it objects to first ("channel: …"):
            # point at that key's line
            key = message.split(":", 1)[0]
            if ":" in message and location + (key,) in lines:
                line = lines[location + (key,)]
            else:
                line = line_for(location, lines)
            field = ".".join(str(part) for part in location) or "(top level)"
            problems.append(f"{path}:{line or 1}: {field}: {message}")
        raise ValidationFailed(problems, summary=_("{path}: invalid profile").format(path=path)) from None
