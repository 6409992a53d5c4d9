"""Reading a calendar document (YAML) into `CalendarSettings`, with file:line errors.

`qms.library` loads every kind of process document; this small reader lets the
calendar stand alone (`qms calendar … --calendar FILE`) until then and after.
"""

from __future__ import annotations

from pathlib import Path

from ..core.i18n import _
from ..core.model_file import load_model_file
from ..model.calendar import CalendarSettings
from ..core.resources import sample_library_dir

SAMPLE_CALENDAR_CODE = "LICH-LV"


def sample_calendar_path() -> Path:
    """The bundled sample calendar document (the default when none is given)."""
    return sample_library_dir() / "calendars" / SAMPLE_CALENDAR_CODE / "issue-1.yaml"


def load_calendar_settings(path: str | Path) -> CalendarSettings:
    """The calendar document at `path`; mistakes raise with file:line: field messages."""
    return load_model_file(path, CalendarSettings, summary=_("the calendar document {path} is not valid").format(path=path))
