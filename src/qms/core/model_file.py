"""One hand-written YAML file validated by a pydantic model, every problem located.

`load_model_file` is what a module calls to read its own kind of YAML file (a
calendar, an audit programme, a log profile, the workspace configuration): the
file is read by `read_yaml` (YAML 1.2 numbers, so an unquoted 15:00 stays a
time; duplicate keys refused) and every validation error is reported at once as
`file:line: field.path: message`, with a "did you mean" for a misspelt field.
The library's own loader uses `located_validation_errors` the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import QmsError, ValidationFailed
from .i18n import _
from .yaml_source import Located, Path_, SourceDocument, YamlProblem, format_path, read_yaml

Model = TypeVar("Model", bound=BaseModel)


class MalformedYamlFile(ValidationFailed):
    """The file cannot be read as a YAML mapping (unreadable, not UTF-8, malformed,
    a duplicate key, not a mapping). Its message is just the located problems, one
    a line, so that it starts with `file:line:` like any compiler error."""

    def __init__(self, problems: list[str]):
        QmsError.__init__(self, "\n".join(problems))
        self.problems = list(problems)


def load_model_file(
    path: str | Path,
    model: type[Model],
    *,
    display_path: str | Path | None = None,
    summary: str | None = None,
    context: dict[str, Any] | None = None,
) -> Model:
    """Read the YAML file at `path` and validate it with `model`.

    Raises `MalformedYamlFile` when the file is not a readable YAML mapping, and
    `ValidationFailed` (headed by `summary`) listing every validation error as
    `file:line: field.path: message` otherwise. `display_path` is the name shown
    in messages (e.g. a path relative to the workspace).
    """
    path = Path(path)
    shown = Path(display_path) if display_path is not None else path
    try:
        source = read_yaml(path)
    except YamlProblem as problem:
        raise MalformedYamlFile([str(Located(shown, p.line, p.field, p.message)) for p in problem.located]) from None
    source.path = shown
    try:
        return model.model_validate(source.data, context=context)
    except ValidationError as error:
        problems = [str(p) for p in located_validation_errors(error, source, model)]
        raise ValidationFailed(problems, summary) from None


# Model-level validators of the shared envelope report with an empty location;
# these are the fields their messages are about.
_MODEL_LEVEL_FIELDS = {"effective_to is before effective_from": ("effective_to",)}


def located_validation_errors(error: ValidationError, source: SourceDocument, model: type[BaseModel]) -> list[Located]:
    """pydantic's errors as located messages, in file order."""
    located = []
    for item in error.errors(include_url=False):
        location = _data_location(item["loc"], source)
        line = None
        kind = item["type"]
        if kind == "missing":
            message = _("required field is missing")
        elif kind == "extra_forbidden":
            allowed = _allowed_fields(model, location[:-1])
            close = difflib.get_close_matches(str(location[-1]), allowed, n=1) if allowed else []
            if close:
                message = _("unknown field; did you mean {name!r}?").format(name=close[0])
            elif " " in str(location[-1]).strip():
                # `{vi: Công bố, công khai …}`: YAML ends the text at the comma and reads
                # the rest as another key. Field names never contain spaces.
                message = _("unknown field {name!r}: text with a comma inside {{…}} is cut there; "
                            "quote the text (\"…\")").format(name=str(location[-1]))
            else:
                message = _("unknown field (a typo?)")
        elif kind == "value_error":
            message = str(item.get("ctx", {}).get("error", item["msg"]))
            for text, field in _MODEL_LEVEL_FIELDS.items():
                if not location and text in message:
                    location = field
            # A validator over a mapping names the entry it objects to first
            # ("channel: …"): point at that entry's line, not the mapping's.
            named = message.split(":", 1)[0]
            if ":" in message and location + (named,) in source.lines:
                line = source.lines[location + (named,)]
        else:
            message = item["msg"]
            value = item.get("input")
            if isinstance(value, (str, int, float, bool, dt.date, dt.time)) or value is None:
                message += " " + _("(got {value!r})").format(value=value)
        located.append(Located(source.path, line or source.line_of(location), format_path(location), message))
    return sorted(located, key=lambda p: p.line)


def _data_location(loc: tuple, source: SourceDocument) -> Path_:
    """pydantic's loc minus the union/validator tags it inserts, matched to the data."""
    location: list[str | int] = []
    for index, part in enumerate(loc):
        if tuple(location) + (part,) in source.lines:
            location.append(part)
        elif tuple(location) + (str(part),) in source.lines:  # a YAML key that is not a string
            location.append(str(part))
        elif index == len(loc) - 1:
            location.append(part)
    return tuple(location)


def _allowed_fields(model: type[BaseModel], location: Path_) -> list[str]:
    """Field names of the (nested) model found at `location`, for 'did you mean'."""
    current: Any = model
    for part in location:
        current = _unwrap(current, part)
        if current is None:
            return []
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _unwrap(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _first_model_or_container(field.annotation) if field else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is list and args:
        return _first_model_or_container(args[0])
    if origin is dict and len(args) == 2:
        return _first_model_or_container(args[1])
    return None


def _first_model_or_container(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _first_model_or_container(arg)
    return annotation
