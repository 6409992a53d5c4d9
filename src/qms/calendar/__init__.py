"""Working-time arithmetic for time limits: appointment dates and elapsed working time.

`WorkCalendar` is built from a calendar document (`CalendarSettings`): office hours,
weekends, Vietnamese public holidays from the `holidays` package with per-year
overrides, cut-off times and Saturday receipt rules. See docs/calendar.md.
"""

from .durations import DURATION_UNITS, Duration, parse_duration
from .settings_loading import load_calendar_settings, sample_calendar_path
from .array_inputs import as_instants
from .work_calendar import HolidayDataMissing, ShownDay, WorkCalendar, WorkingTime

__all__ = [
    "DURATION_UNITS",
    "Duration",
    "HolidayDataMissing",
    "ShownDay",
    "WorkCalendar",
    "WorkingTime",
    "as_instants",
    "load_calendar_settings",
    "parse_duration",
    "sample_calendar_path",
]
