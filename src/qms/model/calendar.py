"""The working calendar as a versioned document: office hours, Saturday receipt,
the working-day length, the default receipt cut-off and holiday overrides.

The arithmetic over it lives in `qms.calendar`; this module only describes and
validates the settings.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import Field, field_validator, model_validator

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


def _clock_time(value):
    # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020; pydantic would then
    # take it as 450 seconds. Refuse numbers so the mistake cannot pass silently.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError('write clock times in quotes, e.g. "17:00" (YAML reads an unquoted 17:00 as a number)')
    return value


class OfficeSession(StrictModel):
    """One block of office time in a day, e.g. 07:30–11:30."""

    start: dt.time
    end: dt.time

    _clock_times = field_validator("start", "end", mode="before")(_clock_time)

    @model_validator(mode="after")
    def _start_before_end(self):
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("office hours are wall-clock times in the calendar's zone: leave out the offset")
        if any(clock.second or clock.microsecond for clock in (self.start, self.end)):
            raise ValueError("office hours are whole minutes (HH:MM)")
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
