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
            message = pydantic_message(item)
            value = item.get("input")
            if isinstance(value, (str, int, float, bool, dt.date, dt.time)) or value is None:
                message += " " + _("(got {value!r})").format(value=value)
        located.append(Located(source.path, line or source.line_of(location), format_path(location), message))
    return sorted(located, key=lambda p: p.line)


# pydantic's error types -> our messages, so that a Vietnamese run reads Vietnamese;
# the placeholders are pydantic's `ctx` values. Types not listed keep pydantic's text.
_PYDANTIC_MESSAGES = {
    "string_type": lambda: _("expected text"),
    "int_type": lambda: _("expected a whole number"),
    "int_parsing": lambda: _("expected a whole number"),
    "int_from_float": lambda: _("expected a whole number"),
    "float_type": lambda: _("expected a number"),
    "float_parsing": lambda: _("expected a number"),
    "finite_number": lambda: _("expected a finite number"),
    "bool_type": lambda: _("expected true or false"),
    "bool_parsing": lambda: _("expected true or false"),
    "date_type": lambda: _("expected a date YYYY-MM-DD"),
    "date_parsing": lambda: _("expected a date YYYY-MM-DD"),
    "date_from_datetime_parsing": lambda: _("expected a date YYYY-MM-DD"),
    "date_from_datetime_inexact": lambda: _("expected a date YYYY-MM-DD"),
    "time_type": lambda: _("expected a time of day HH:MM"),
    "time_parsing": lambda: _("expected a time of day HH:MM"),
    "datetime_type": lambda: _("expected a date and time"),
    "datetime_parsing": lambda: _("expected a date and time"),
    "datetime_from_date_parsing": lambda: _("expected a date and time"),
    "literal_error": lambda: _("expected one of: {expected}"),
    "enum": lambda: _("expected one of: {expected}"),
    "greater_than": lambda: _("must be greater than {gt}"),
    "greater_than_equal": lambda: _("must be at least {ge}"),
    "less_than": lambda: _("must be less than {lt}"),
    "less_than_equal": lambda: _("must be at most {le}"),
    "too_short": lambda: _("too few items (at least {min_length})"),
    "too_long": lambda: _("too many items (at most {max_length})"),
    "string_too_short": lambda: _("too short (at least {min_length} characters)"),
    "string_too_long": lambda: _("too long (at most {max_length} characters)"),
    "string_pattern_mismatch": lambda: _("does not match the pattern {pattern}"),
    "list_type": lambda: _("expected a list"),
    "dict_type": lambda: _("expected a mapping (field: value)"),
    "model_type": lambda: _("expected a mapping (field: value)"),
    "model_attributes_type": lambda: _("expected a mapping (field: value)"),
}


def pydantic_message(item: dict) -> str:
    """One pydantic error in the language of the run (pydantic's English when the type is not known)."""
    template = _PYDANTIC_MESSAGES.get(item["type"])
    if template is None:
        return item["msg"]
    context = {key: str(value) for key, value in (item.get("ctx") or {}).items()}
    if "expected" in context:  # pydantic joins choices with an English " or "
        context["expected"] = context["expected"].replace(" or ", ", ")
    try:
        return template().format(**context)
    except (KeyError, IndexError):
        return item["msg"]


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
