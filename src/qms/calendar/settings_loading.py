"""Reading a calendar document (YAML) into `CalendarSettings`, with file:line errors.

`qms.library` loads every kind of process document; this small reader lets the
calendar stand alone (`qms calendar … --calendar FILE`) until then and after.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import QmsError, ValidationFailed
from ..i18n import _
from ..model.calendar import CalendarSettings
from ..resources import sample_library_dir

SAMPLE_CALENDAR_CODE = "LICH-LV"


def sample_calendar_path() -> Path:
    """The bundled sample calendar document (the default when none is given)."""
    return sample_library_dir() / "calendars" / SAMPLE_CALENDAR_CODE / "issue-1.yaml"


def load_calendar_settings(path: str | Path) -> CalendarSettings:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QmsError(_("cannot read the calendar file {path}: {reason}").format(path=path, reason=error.strerror)) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise QmsError(f"{where}: {_('not valid YAML')}: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise QmsError(f"{path}:1: {_('a calendar document must be a mapping of fields')}")
    try:
        return CalendarSettings.model_validate(data)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            location = [part for part in problem["loc"]]
            line = _line_of(root, location)
            field = ".".join(str(part) for part in location) or "(document)"
            problems.append(f"{path}:{line}: {field}: {problem['msg']}")
        raise ValidationFailed(problems, _("the calendar document {path} is not valid").format(path=path)) from None


def _line_of(node, location: list) -> int:
    """Line (1-based) of the deepest YAML node that the error location reaches."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
