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

from .common import DocumentIssue, StrictModel, Text


class Weekday(str, Enum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


class OfficeSession(StrictModel):
    """One block of office time in a day, e.g. 07:30–11:30."""

    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _start_before_end(self):
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


class CalendarSettings(DocumentIssue):
    kind: Literal["calendar"] = "calendar"
    title: Text
    timezone: str = "Asia/Ho_Chi_Minh"
    country: str = Field(default="VN", description="Country code for the holidays package")
    office_hours: dict[Weekday, list[OfficeSession]] = Field(default_factory=_default_office_hours)
    saturday_receipt_hours: list[OfficeSession] = Field(default_factory=list)
    saturday_receipt_counts: bool = False
    units: dict[str, UnitCalendarRule] = Field(default_factory=dict)
    working_day_hours: float = Field(default=8.0, gt=0, le=24)
    receipt_cutoff: dt.time | None = Field(
        default=None, description="Default cut-off; a procedure may set its own"
    )
    overrides: list[YearOverride] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
