"""The working calendar as a versioned document: office hours, Saturday receipt,
the working-day length, the default receipt cut-off and holiday overrides.

The arithmetic over it lives in `qms.calendar`; this module only describes and
validates the settings.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import Field, field_serializer, field_validator, model_validator

from ..core.timezone import DEFAULT_TIMEZONE
from .common import DocumentIssue, StrictModel, Text


class Weekday(str, Enum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


US_PER_DAY = 86_400_000_000
# "24:00" as a session's end (round-the-clock desks, online receipt): midnight at the
# end of the day. `datetime.time` cannot hold 24:00, so the model keeps time.max and
# every conversion goes through `clock_us`.
END_OF_DAY = dt.time.max


def _clock_time(value):
    # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020; pydantic would then
    # take it as 450 seconds. Refuse numbers so the mistake cannot pass silently.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError('write clock times in quotes, e.g. "17:00" (YAML reads an unquoted 17:00 as a number)')
    return value


def _session_end(value):
    value = _clock_time(value)
    if isinstance(value, str) and value.strip() in ("24:00", "24:00:00"):
        return END_OF_DAY
    return value


def clock_us(clock: dt.time) -> int:
    """Microseconds after midnight of a wall-clock time; END_OF_DAY (24:00) is a whole day."""
    if clock == END_OF_DAY:
        return US_PER_DAY
    return (clock.hour * 3600 + clock.minute * 60 + clock.second) * 1_000_000 + clock.microsecond


def clock_text(clock: dt.time) -> str:
    return "24:00" if clock == END_OF_DAY else clock.strftime("%H:%M")


class OfficeSession(StrictModel):
    """One block of office time in a day, e.g. 07:30–11:30 (an end of "24:00" is midnight)."""

    start: dt.time
    end: dt.time

    _start_time = field_validator("start", mode="before")(_clock_time)
    _end_time = field_validator("end", mode="before")(_session_end)

    @field_serializer("start", "end", when_used="json")
    def _as_text(self, clock: dt.time) -> str:
        return "24:00" if clock == END_OF_DAY else clock.isoformat()

    @model_validator(mode="after")
    def _start_before_end(self):
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("office hours are wall-clock times in the calendar's zone: leave out the offset")
        if self.start == END_OF_DAY or any(
                clock != END_OF_DAY and (clock.second or clock.microsecond) for clock in (self.start, self.end)):
            raise ValueError("office hours are whole minutes (HH:MM; 24:00 only as an end)")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def _default_office_hours() -> dict[Weekday, list[OfficeSession]]:
    day = [
        OfficeSession(start=dt.time(7, 30), end=dt.time(11, 30)),
        OfficeSession(start=dt.time(13, 30), end=dt.time(17, 0)),
    ]
    return {weekday: list(day) for weekday in (Weekday.mon, Weekday.tue, Weekday.wed, Weekday.thu, Weekday.fri)}


class NamedDay(StrictModel):
    date: dt.date
    name: Text


class YearOverride(StrictModel):
    """Local corrections for one year: days off added, package holidays removed,
    weekend days worked. `complete: true` says this list is the whole of that
    year's holiday data (for a year the holidays package does not know yet)."""

    year: int = Field(ge=1990, le=2100)
    complete: bool = False
    add: list[NamedDay] = Field(default_factory=list)
    remove: list[dt.date] = Field(default_factory=list)
    worked: list[NamedDay] = Field(default_factory=list, description="Weekend days worked (swap days)")

    @model_validator(mode="after")
    def _dates_in_year(self):
        days = [d.date for d in self.add] + list(self.remove) + [d.date for d in self.worked]
        outside = [d.isoformat() for d in days if d.year != self.year]
        if outside:
            raise ValueError(f"dates outside {self.year}: {', '.join(outside)}")
        return self


class UnitCalendarRule(StrictModel):
    """Per-unit exceptions, e.g. a desk that receives on Saturday mornings."""

    saturday_receipt_counts: bool = False


def _check_sessions(sessions: list[OfficeSession], where: str) -> None:
    ordered = sorted(sessions, key=lambda session: session.start)
    if ordered != list(sessions):
        raise ValueError(f"{where}: sessions must be listed in time order")
    for earlier, later in zip(ordered, ordered[1:]):
        if later.start < earlier.end:
            raise ValueError(f"{where}: sessions {earlier.start}-{earlier.end} and {later.start}-{later.end} overlap")


class CalendarSettings(DocumentIssue):
    """Weekdays with office hours are working days; the others (normally Saturday and
    Sunday) are the weekend. Public holidays come from the `holidays` package for
    `country` (empty: none, overrides only), corrected per year by `overrides`."""

    kind: Literal["calendar"] = "calendar"
    title: Text
    timezone: str = DEFAULT_TIMEZONE
    country: str | None = Field(default="VN", description="Country code for the holidays package; null for none")
    office_hours: dict[Weekday, list[OfficeSession]] = Field(default_factory=_default_office_hours)
    worked_weekend_hours: list[OfficeSession] | None = Field(
        default=None,
        description="Office hours on a weekend day worked in exchange for a day off; default: Monday's",
    )
    saturday_receipt_hours: list[OfficeSession] = Field(default_factory=list)
    saturday_receipt_counts: bool = False
    units: dict[str, UnitCalendarRule] = Field(default_factory=dict)
    working_day_hours: float = Field(default=8.0, gt=0, le=24)
    calendar_days_due_on_day_off: Literal["next_working_day", "keep"] = Field(
        default="next_working_day",
        description=(
            "A limit in calendar days whose last day is not a working day ends at the close of the next "
            "working day (Vietnam: Civil Code 2015 art. 148), or stays on that day (keep)"
        ),
    )
    receipt_cutoff: dt.time | None = Field(
        default=None, description="Default cut-off; a procedure may set its own"
    )
    overrides: list[YearOverride] = Field(default_factory=list)

    _cutoff_clock = field_validator("receipt_cutoff", mode="before")(_clock_time)

    @field_validator("receipt_cutoff")
    @classmethod
    def _cutoff_without_offset(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("the cut-off is a wall-clock time in the calendar's zone: leave out the offset")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _sessions_in_order(self):
        if not any(self.office_hours.values()):
            raise ValueError("office_hours: at least one weekday needs office hours")
        for weekday, sessions in self.office_hours.items():
            _check_sessions(sessions, f"office_hours.{weekday.value}")
        _check_sessions(self.saturday_receipt_hours, "saturday_receipt_hours")
        if self.worked_weekend_hours is not None:
            if not self.worked_weekend_hours:
                raise ValueError("worked_weekend_hours: give at least one session, or leave it out")
            _check_sessions(self.worked_weekend_hours, "worked_weekend_hours")
        changed = clock_change_inside_office_hours(self)
        if changed is not None:
            raise ValueError(
                f"the clocks of {self.timezone} change during office hours on {changed.isoformat()}; working time "
                "cannot be counted across that change: end the sessions before it or start them after it"
            )
        years = [override.year for override in self.overrides]
        repeated = sorted({year for year in years if years.count(year) > 1})
        if repeated:
            raise ValueError(f"overrides: more than one entry for year(s) {', '.join(map(str, repeated))}")
        return self

    def saturday_counts_for(self, unit: str | None) -> bool:
        """Whether Saturday receipt time counts for this unit (its own rule, else the default)."""
        if unit is not None and unit in self.units:
            return self.units[unit].saturday_receipt_counts
        return self.saturday_receipt_counts


# Years a calendar is checked over for clock changes (the plausible range of dossiers).
CLOCK_CHECK_YEARS = (1990, 2100)


def office_window_us(settings: CalendarSettings) -> tuple[int, int]:
    """Earliest start and latest end of any session, in microseconds after midnight."""
    hours = [s for sessions in settings.office_hours.values() for s in sessions]
    hours += list(settings.saturday_receipt_hours) + list(settings.worked_weekend_hours or [])
    return min(clock_us(s.start) for s in hours), max(clock_us(s.end) for s in hours)


def clock_change_inside_office_hours(settings: CalendarSettings) -> dt.date | None:
    """The first local date on which the zone's clocks change inside the office-hours
    window (as the calendar's day tables test it), or None. A calendar valid at
    approval must be computable at check time: this is the same test, run early."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(settings.timezone)
    low, high = office_window_us(settings)
    utc = dt.timezone.utc
    first, last = CLOCK_CHECK_YEARS

    def offset(moment: dt.datetime) -> dt.timedelta:
        return moment.astimezone(zone).utcoffset()

    # monthly samples find the months with a change; bisection finds its instant
    samples = [dt.datetime(year, month, 1, tzinfo=utc) for year in range(first, last + 1) for month in range(1, 13)]
    for begin, end in zip(samples, samples[1:]):
        before = offset(begin)
        if offset(end) == before:
            continue
        low_t, high_t = begin, end
        while high_t - low_t > dt.timedelta(seconds=1):
            middle = low_t + (high_t - low_t) / 2
            if offset(middle) == before:
                low_t = middle
            else:
                high_t = middle
        after = offset(high_t)
        wall_before, wall_after = (high_t + before).replace(tzinfo=None), (high_t + after).replace(tzinfo=None)
        midnight = dt.datetime.combine(wall_before.date(), dt.time())
        clocks = [(wall - midnight) // dt.timedelta(microseconds=1) for wall in (wall_before, wall_after)]
        if max(clocks) > low and min(clocks) < high:
            return wall_before.date()
    return None
