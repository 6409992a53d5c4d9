"""What one local date looks like: its kind, its counted sessions as UTC instants.

Both the scalar and the vectorised arithmetic are built on these plans, so the
two can only differ in how they compute, never in what a day is. Instants are
integer microseconds since 1970-01-01 UTC (the unit of numpy datetime64[us]).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.calendar import CalendarSettings, OfficeSession, Weekday, clock_us
from .holiday_days import DayName, HolidayBook

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US_PER_MINUTE = 60_000_000
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 86_400_000_000
WEEKDAYS = [Weekday.mon, Weekday.tue, Weekday.wed, Weekday.thu, Weekday.fri, Weekday.sat, Weekday.sun]

# Kinds of day, as `qms calendar show` names them.
WORKING = "working"
WORKED_WEEKEND = "worked_weekend"  # a weekend day worked in exchange for a day off
HOLIDAY = "holiday"
WEEKEND = "weekend"
SATURDAY_RECEIPT = "saturday_receipt"  # receipt hours that count, not a full working day


def to_us(moment: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def from_us(instant: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=instant)


def local_to_us(day: dt.date, clock: dt.time | int, zone: ZoneInfo) -> int:
    """A wall-clock moment of `day` (time, or microseconds after midnight) as an
    instant; a wall time skipped or repeated by a DST change takes the offset in
    force before the change (PEP 495 fold=0)."""
    if isinstance(clock, dt.time):
        clock = (clock.hour * 3600 + clock.minute * 60 + clock.second) * 1_000_000 + clock.microsecond
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(microseconds=clock)
    return to_us(wall.replace(tzinfo=zone))


@dataclass(frozen=True)
class DayPlan:
    date: dt.date
    kind: str
    full_working_day: bool  # counts as a day when adding working days
    sessions: tuple[tuple[int, int], ...]  # counted time, [start, end) in UTC microseconds
    name: DayName | None


class DayPlanner:
    """Day plans of one calendar variant (Saturday receipt counted or not)."""

    def __init__(self, settings: CalendarSettings, book: HolidayBook, saturday_counts: bool):
        self.settings = settings
        self.book = book
        self.saturday_counts = saturday_counts and bool(settings.saturday_receipt_hours)
        self.zone = ZoneInfo(settings.timezone)
        self._hours: dict[Weekday, list[OfficeSession]] = {
            weekday: sessions for weekday, sessions in settings.office_hours.items() if sessions
        }
        self._worked_weekend_hours = settings.worked_weekend_hours or self._hours.get(Weekday.mon) or next(
            iter(self._hours.values())
        )
        self.plan = lru_cache(maxsize=None)(self._plan)

    def _plan(self, day: dt.date) -> DayPlan:
        weekday = WEEKDAYS[day.weekday()]
        holidays = self.book.year(day.year)
        regular = weekday in self._hours
        if day in holidays.days_off:
            return DayPlan(day, HOLIDAY, False, (), holidays.days_off[day])
        if day in holidays.worked_days:
            hours = self._hours.get(weekday, self._worked_weekend_hours)
            kind = WORKING if regular else WORKED_WEEKEND
            return DayPlan(day, kind, True, self._sessions(day, hours), holidays.worked_days[day])
        if regular:
            return DayPlan(day, WORKING, True, self._sessions(day, self._hours[weekday]), None)
        if weekday is Weekday.sat and self.saturday_counts:
            return DayPlan(day, SATURDAY_RECEIPT, False, self._sessions(day, self.settings.saturday_receipt_hours), None)
        return DayPlan(day, WEEKEND, False, (), None)

    def _sessions(self, day: dt.date, hours: list[OfficeSession]) -> tuple[tuple[int, int], ...]:
        sessions = []
        for session in hours:
            start = local_to_us(day, clock_us(session.start), self.zone)
            end = local_to_us(day, clock_us(session.end), self.zone)
            # The arithmetic assumes the UTC offset does not change inside office hours
            # (clock changes happen at night everywhere); say so if a zone breaks that.
            if (end - start) != clock_us(session.end) - clock_us(session.start):
                raise QmsError(
                    _("calendar: the clocks of {zone} change during office hours on {day}").format(
                        zone=self.settings.timezone, day=day)
                )
            sessions.append((start, end))
        return tuple(sessions)

