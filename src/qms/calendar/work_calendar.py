"""`WorkCalendar`: the public face of the working-time arithmetic.

Scalar methods take datetimes (aware in any zone, or naive = the calendar's zone)
and return aware datetimes in the calendar's zone. Their `_array` twins take numpy
datetime64 arrays of UTC instants (or polars Datetime series) and return
datetime64[us] arrays of UTC instants; NaT in gives NaT (or NaN minutes) out.
The two are computed differently (`scalar` walks days, `vectorised` uses tables)
and held to identical results by the tests.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.calendar import CalendarSettings
from . import scalar
from .day_plans import (
    HOLIDAY,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    WORKED_WEEKEND,
    DayPlanner,
    from_us,
    to_us,
)
from .array_inputs import NAT, as_datetimes, as_instants, cutoff_array, valid_span
from .durations import DURATION_UNITS, check_amount
from .holiday_days import HolidayBook
from .settings_loading import load_calendar_settings, sample_calendar_path
from .vectorised import DayTables, OutOfRange

log = logging.getLogger(__name__)
_LAST_YEAR = 2200  # tables never grow beyond this: a calendar gone wrong, not a real need
# Days tabulated around the instants of a call (each day is a step of Python):
# before them for appointments moved back to an earlier close, after them for the
# due dates computed from them (60 working days end about three months on). A
# result beyond these grows the tables. A log of a month costs about 250 days, not
# the three whole years that tables by calendar year took.
_DAYS_BEFORE = 31
_DAYS_AFTER = 184
_GROW_DAYS = 366
_CHUNK = 1 << 16  # rows per chunk of the array operations: temporaries stay in cache


class HolidayDataMissing(UserWarning):
    """Working time was computed for a year with no public-holiday data."""


@dataclass(frozen=True)
class WorkingTime:
    """Counted time between two moments, in the units people read."""

    minutes: float
    working_day_hours: float

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def days(self) -> float:
        """In working days of `working_day_hours` each (the nominal day of time limits)."""
        return self.minutes / (60 * self.working_day_hours)


@dataclass(frozen=True)
class ShownDay:
    """A line of `qms calendar show`: a day off or a worked weekend day."""

    date: dt.date
    kind: str  # "holiday" (on a working weekday), "holiday_on_weekend", "worked_weekend"
    name: str


class WorkCalendar:
    def __init__(self, settings: CalendarSettings, *, _book: HolidayBook | None = None, _saturday_counts: bool | None = None):
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self._book = _book or HolidayBook(settings)
        self.saturday_counts = settings.saturday_receipt_counts if _saturday_counts is None else _saturday_counts
        self._planner = DayPlanner(settings, self._book, self.saturday_counts)
        self._tables: DayTables | None = None
        self._variants: dict[bool, WorkCalendar] = {self.saturday_counts: self}
        self._years_used: set[int] = set()
        self._warned: set[int] = set()

    # ---- construction ---------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: CalendarSettings) -> WorkCalendar:
        return cls(settings)

    @classmethod
    def from_file(cls, path: str | Path) -> WorkCalendar:
        return cls(load_calendar_settings(path))

    @classmethod
    def sample(cls) -> WorkCalendar:
        """The bundled sample calendar (Vietnamese public administration)."""
        return cls.from_file(sample_calendar_path())

    def for_unit(self, unit: str | None) -> WorkCalendar:
        """The calendar as it applies to one unit (whether its Saturday receipt counts)."""
        counts = self.settings.saturday_counts_for(unit)
        if counts not in self._variants:
            variant = WorkCalendar(self.settings, _book=self._book, _saturday_counts=counts)
            variant._variants = self._variants
            variant._years_used = self._years_used
            variant._warned = self._warned
            self._variants[counts] = variant
        return self._variants[counts]

    # ---- what the calendar rests on ---------------------------------------------------

    @property
    def holiday_source(self) -> str:
        """Where the holiday data comes from, for manifests."""
        return f"{self.settings.code} issue {self.settings.issue}; {self._book.describe()}"

    @property
    def years_without_holiday_data(self) -> list[int]:
        """Years used so far in computations that have no public-holiday data."""
        return sorted(year for year in self._years_used if not self._book.year(year).has_data)

    def has_holiday_data(self, year: int) -> bool:
        return self._book.year(year).has_data

    def _note_years(self, first: int, last: int) -> None:
        for year in range(first, last + 1):
            if year in self._years_used:
                continue
            self._years_used.add(year)
            if not self._book.year(year).has_data and year not in self._warned:
                self._warned.add(year)
                message = _(
                    "no public-holiday data for {year} (neither the holidays package nor a complete override): "
                    "every weekday of {year} is treated as a working day"
                ).format(year=year)
                warnings.warn(message, HolidayDataMissing, stacklevel=4)
                log.warning(message)

    def _note_instants(self, *instants: int) -> None:
        years = [from_us(instant).astimezone(self.zone).year for instant in instants]
        self._note_years(min(years), max(years))

    # ---- scalar -----------------------------------------------------------------------

    def instant(self, moment: dt.datetime) -> int:
        """Microseconds since the epoch; a naive datetime is in the calendar's zone,
        a numpy datetime64 is a UTC instant (as in qms's event tables)."""
        if isinstance(moment, np.datetime64) and not np.isnat(moment):
            return int(moment.astype("datetime64[us]").astype(np.int64))
        if not isinstance(moment, dt.datetime):
            raise QmsError(_("expected a date and time, got {value!r}").format(value=moment))
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=self.zone)
        return to_us(moment)

    def local(self, instant: int) -> dt.datetime:
        return from_us(instant).astimezone(self.zone)

    def _cutoff_us(self, cutoff: dt.time | None | bool) -> int | None:
        if cutoff is False:
            return None
        chosen = self.settings.receipt_cutoff if cutoff is None or cutoff is True else cutoff
        if chosen is None:
            return None
        return (chosen.hour * 3600 + chosen.minute * 60 + chosen.second) * 1_000_000 + chosen.microsecond

    def is_working_time(self, moment: dt.datetime, office_unit: str | None = None) -> bool:
        calendar = self.for_unit(office_unit) if office_unit is not None else self
        instant = self.instant(moment)
        calendar._note_instants(instant)
        return scalar.is_working_time(calendar._planner, instant)

    def counting_start(self, received_at: dt.datetime, cutoff: dt.time | None | bool = None, unit: str | None = None) -> dt.datetime:
        """When the clock starts for a dossier received at `received_at`.

        `cutoff`: the procedure's cut-off time; None uses the calendar's default,
        False means none. `unit`: the receiving unit (Saturday receipt rule).
        """
        calendar = self.for_unit(unit) if unit is not None else self
        received = self.instant(received_at)
        start = scalar.counting_start(calendar._planner, received, self._cutoff_us(cutoff))
        calendar._note_instants(received, start)
        return self.local(start)

    def limit_start(self, received_at: dt.datetime, limit_unit: str, cutoff: dt.time | None | bool = None,
                    unit: str | None = None) -> dt.datetime:
        """Where a dossier's time limit starts counting: for a limit in working time, the
        counting start (office hours and cut-off); for one in calendar days, the receipt
        itself (the calendar runs whether the office is open or not). The check and
        `qms calendar due` both ask this, so they give one appointment for one dossier."""
        if limit_unit == "calendar_days":
            return self.local(self.instant(received_at))
        return self.counting_start(received_at, cutoff, unit=unit)

    def due(self, received_at: dt.datetime, amount: float, limit_unit: str, cutoff: dt.time | None | bool = None,
            unit: str | None = None) -> tuple[dt.datetime, dt.datetime]:
        """(start, due moment) of a limit for a receipt: `limit_start`, then `add`. The
        receiving unit's Saturday rule decides the start only, as in the check."""
        start = self.limit_start(received_at, limit_unit, cutoff, unit)
        return start, self.add(start, amount, limit_unit)

    def add(self, start: dt.datetime, amount: float, unit: str, office_unit: str | None = None) -> dt.datetime:
        """`start` plus a duration: unit "working_days", "working_hours" or "calendar_days"."""
        check_amount(amount, unit)
        calendar = self.for_unit(office_unit) if office_unit is not None else self
        begin = self.instant(start)
        planner = calendar._planner
        if unit == "working_hours":
            result = scalar.add_working_us(planner, scalar.next_working_moment(planner, begin), _hours_us(amount))
        elif unit == "working_days":
            whole = math.floor(amount)
            extra = round((amount - whole) * (self.settings.working_day_hours * US_PER_HOUR))  # as the array twin rounds
            result = scalar.add_working_days(planner, begin, whole, extra)
        else:
            result = scalar.add_calendar_days(planner, begin, round(amount * US_PER_DAY))
        calendar._note_instants(begin, result)
        return self.local(result)

    def working_minutes_between(
        self,
        start: dt.datetime,
        end: dt.datetime,
        pauses: Iterable[tuple[dt.datetime | None, dt.datetime | None]] = (),
        office_unit: str | None = None,
    ) -> float:
        """Counted minutes from `start` to `end` (negative if `end` is earlier), less
        the counted time inside the pauses (overlaps counted once; a pause with a
        missing end is ignored)."""
        calendar = self.for_unit(office_unit) if office_unit is not None else self
        begin, finish = self.instant(start), self.instant(end)
        spans = [(self.instant(a), self.instant(b)) for a, b in pauses if a is not None and b is not None]
        planner = calendar._planner
        total = scalar.working_us_between(planner, begin, finish) - scalar.paused_us(planner, begin, finish, spans)
        calendar._note_instants(begin, finish)
        return total / US_PER_MINUTE

    def working_time_between(self, start, end, pauses=(), office_unit: str | None = None) -> WorkingTime:
        minutes = self.working_minutes_between(start, end, pauses, office_unit)
        return WorkingTime(minutes, self.settings.working_day_hours)

    def duration_minutes(self, amount: float, unit: str) -> float:
        """A limit in counted minutes at the nominal day length (`working_day_hours`);
        calendar days have no fixed working length and are refused."""
        check_amount(amount, unit)
        if unit == "calendar_days":
            raise QmsError(_("a limit in calendar days has no fixed number of working minutes"))
        hours = amount * self.settings.working_day_hours if unit == "working_days" else amount
        return hours * 60

    # ---- vectorised -----------------------------------------------------------------

    def _table_for(self, low: int, high: int) -> DayTables:
        if self._tables is not None and self._tables.covers(low - US_PER_DAY, high + US_PER_DAY):
            return self._tables
        first_day, last_day = (from_us(instant).astimezone(self.zone).date() for instant in (low, high))
        if first_day.year - 1 < 1900 or last_day.year + 1 > _LAST_YEAR:
            raise QmsError(_("calendar: instants outside the years 1900–{last} cannot be computed").format(last=_LAST_YEAR))
        first, last = first_day - dt.timedelta(days=_DAYS_BEFORE), last_day + dt.timedelta(days=_DAYS_AFTER)
        if self._tables is not None:
            first = min(first, self._tables.first_day)
            last = max(last, self._tables.last_day)
        return self._build_tables(first, last)

    def _grown_tables(self, tables: DayTables, direction: int) -> DayTables:
        """The tables extended by half their length (a year at least) on one side."""
        grow = dt.timedelta(days=max(_GROW_DAYS, (tables.last_day - tables.first_day).days // 2))
        if direction > 0:
            return self._build_tables(tables.first_day, tables.last_day + grow)
        return self._build_tables(tables.first_day - grow, tables.last_day)

    def _build_tables(self, first_day: dt.date, last_day: dt.date) -> DayTables:
        if first_day.year < 1900 or last_day.year > _LAST_YEAR:
            raise QmsError(_("calendar: instants outside the years 1900–{last} cannot be computed").format(last=_LAST_YEAR))
        self._tables = DayTables(self._planner, first_day, last_day)
        return self._tables

    def _run(self, operation, required: list[np.ndarray], optional: Sequence[np.ndarray] = (),
             numbers: Sequence[np.ndarray] = (), result: str = "instant") -> np.ndarray:
        """Apply `operation(tables, *required, *optional, *numbers)` chunk by chunk.

        A row with NaT in a `required` array or NaN in a float `numbers` array gives NaT
        (instants), NaN (minutes) or False (flags); NaT in an `optional` array is the
        operation's business (e.g. no such pause). Chunks keep the temporaries in
        cache; the day tables grow (and the whole run restarts) when they fall short.
        Called from the main thread, the chunks run on a small thread pool (numpy
        releases the GIL): large arrays use every core.
        """
        size = len(required[0])
        dtype, empty = {"instant": (np.int64, NAT), "count": (np.int64, NAT), "minutes": (np.float64, np.nan),
                        "flag": (bool, False)}[result]
        spans = [span for values in [*required, *optional] if (span := valid_span(values)) is not None]
        if not spans:
            return np.full(size, empty, dtype=dtype)
        low, high = min(span[0] for span in spans), max(span[1] for span in spans)
        tables = self._table_for(low, high)
        while True:
            try:
                output = np.empty(size, dtype=dtype)

                def run(rows: slice) -> None:
                    output[rows] = _run_chunk(operation, tables, rows, required, optional, numbers, empty)

                chunks = [slice(begin, begin + _CHUNK) for begin in range(0, size, _CHUNK)]
                pool = _chunk_pool() if len(chunks) > 1 and threading.current_thread() is threading.main_thread() else None
                if pool is None:
                    for rows in chunks:
                        run(rows)
                else:
                    list(pool.map(run, chunks))  # re-raises a chunk's OutOfRange here
                break
            except OutOfRange as problem:
                tables = self._grown_tables(tables, problem.direction)
        if result == "instant":
            span = valid_span(output)
            if span is not None:
                low, high = min(low, span[0]), max(high, span[1])
        self._note_instants(low, high)
        return output

    def _by_variant(self, office_unit, size: int, compute_one) -> np.ndarray:
        """Apply `compute_one(calendar, rows)` per Saturday-rule variant of the units."""
        if office_unit is None:
            return compute_one(self, slice(None))
        if isinstance(office_unit, str):
            return compute_one(self.for_unit(office_unit), slice(None))
        base = self.for_unit(None)
        default_counts = self.settings.saturday_receipt_counts
        differ = [name for name, rule in self.settings.units.items() if rule.saturday_receipt_counts != default_counts]
        if not self.settings.saturday_receipt_hours or not differ:
            return compute_one(base, slice(None))
        import polars as pl

        units = pl.Series("unit", office_unit, dtype=pl.Utf8)
        if len(units) != size:
            raise QmsError(_("office_unit has {got} values for {expected} instants").format(got=len(units), expected=size))
        other = units.is_in(differ).fill_null(False).to_numpy()
        if not other.any():
            return compute_one(base, slice(None))
        first = compute_one(base, ~other)
        result = np.empty(size, dtype=first.dtype)
        result[~other] = first
        result[other] = compute_one(self.for_unit(differ[0]), other)
        return result

    def is_working_time_array(self, instants, office_unit=None) -> np.ndarray:
        values = as_instants(instants)
        return self._by_variant(
            office_unit, len(values),
            lambda calendar, rows: calendar._run(lambda tables, t: tables.is_working(t), [values[rows]], result="flag"),
        )

    def counting_start_array(self, received_at, cutoff=None, unit=None) -> np.ndarray:
        """Vectorised `counting_start`. `cutoff`: as for `counting_start`, or one per
        row (numpy timedelta64 since midnight, a polars Duration or Time series, or a
        list of `datetime.time`), where NaT / None means no cut-off for that row."""
        values = as_instants(received_at)
        if cutoff is None or isinstance(cutoff, (bool, dt.time)):
            cutoff_us = self._cutoff_us(cutoff)
            cutoffs = [] if cutoff_us is None else [np.full(len(values), cutoff_us, dtype=np.int64)]
        else:
            cutoffs = [cutoff_array(cutoff, len(values))]

        def operation(tables: DayTables, received, *cutoff_column):
            return tables.counting_start(received, cutoff_column[0] if cutoff_column else None)

        return as_datetimes(self._by_variant(
            unit, len(values),
            lambda calendar, rows: calendar._run(operation, [values[rows]], numbers=[c[rows] for c in cutoffs]),
        ))

    def add_array(self, start, amount, unit, office_unit=None) -> np.ndarray:
        """Vectorised `add`. `amount`: a number or one per row (NaN gives NaT).
        `unit`: one duration unit, or one per row (e.g. each dossier's procedure
        limit unit; None gives NaT)."""
        values = as_instants(start)
        amounts = np.ascontiguousarray(np.broadcast_to(np.asarray(amount, dtype=np.float64), values.shape))
        if not isinstance(unit, str):
            return self._add_mixed_units(values, amounts, unit, office_unit)
        check_amount(0.0, unit)
        bad = amounts[~np.isnan(amounts) & ~((amounts >= 0) & np.isfinite(amounts))]
        if bad.size:
            check_amount(float(bad[0]), unit)
        day_us = self.settings.working_day_hours * US_PER_HOUR

        def working_hours(tables: DayTables, begin, how_much):
            return tables.add_working(tables.next_working(begin), np.rint(how_much * US_PER_HOUR).astype(np.int64))

        def working_days(tables: DayTables, begin, how_much):
            whole = how_much.astype(np.int64)  # amounts are ≥ 0: truncation is the floor
            fraction = how_much - whole
            extra = np.rint(fraction * day_us).astype(np.int64) if fraction.any() else None
            return tables.add_working_days(begin, whole, extra)

        def calendar_days(tables: DayTables, begin, how_much):
            return tables.add_calendar_days(begin, np.rint(how_much * US_PER_DAY).astype(np.int64))

        operation = {"working_hours": working_hours, "working_days": working_days, "calendar_days": calendar_days}[unit]
        return as_datetimes(self._by_variant(
            office_unit, len(values),
            lambda calendar, rows: calendar._run(operation, [values[rows]], numbers=[amounts[rows]]),
        ))

    def _add_mixed_units(self, values: np.ndarray, amounts: np.ndarray, units, office_unit) -> np.ndarray:
        import polars as pl

        names = pl.Series("unit", units, dtype=pl.Utf8)
        if len(names) != len(values):
            raise QmsError(_("unit has {got} values for {expected} instants").format(got=len(names), expected=len(values)))
        unknown = sorted(set(names.drop_nulls().unique().to_list()) - set(DURATION_UNITS))
        if unknown:
            check_amount(0.0, unknown[0])
        result = np.full(len(values), NAT, dtype=np.int64)
        offices = None if office_unit is None or isinstance(office_unit, str) else np.asarray(office_unit, dtype=object)
        for name in DURATION_UNITS:
            rows = (names == name).fill_null(False).to_numpy()
            if rows.any():
                part = self.add_array(values[rows].view("datetime64[us]"), amounts[rows], name,
                                      office_unit if offices is None else offices[rows])
                result[rows] = part.view(np.int64)
        return as_datetimes(result)

    def manifest(self) -> dict:
        """What a report's manifest says about the calendar it relied on."""
        return {
            "code": self.settings.code,
            "issue": self.settings.issue,
            "status": self.settings.status.value,
            "content_sha256": self.settings.content_sha256,
            "timezone": self.settings.timezone,
            "working_day_hours": self.settings.working_day_hours,
            "holiday_source": self.holiday_source,
            "years_without_holiday_data": self.years_without_holiday_data,
        }

    def working_minutes_between_array(
        self, start, end, pauses: Sequence[tuple[object, object]] = (), office_unit=None
    ) -> np.ndarray:
        """Vectorised `working_minutes_between`: float minutes, NaN where an end is NaT.
        `pauses`: pairs of arrays (pause start, pause end) aligned with the rows,
        e.g. one pair per supplement request; NaT in a pair means no such pause."""
        begins, finishes = as_instants(start), as_instants(end)
        if begins.shape != finishes.shape:
            raise QmsError(_("start and end arrays differ in length"))
        spans = [array for pair in pauses for array in (as_instants(pair[0]), as_instants(pair[1]))]
        if any(array.shape != begins.shape for array in spans):
            raise QmsError(_("pause arrays must have one value per row"))

        def operation(tables: DayTables, first, last, *pause_arrays):
            pairs = list(zip(pause_arrays[0::2], pause_arrays[1::2]))
            counted = tables.between(first, last)
            if pairs:
                counted = counted - tables.paused(first, last, pairs)
            return counted / US_PER_MINUTE

        return self._by_variant(
            office_unit, len(begins),
            lambda calendar, rows: calendar._run(
                operation, [begins[rows], finishes[rows]], optional=[array[rows] for array in spans], result="minutes"
            ),
        )

    def working_clock_array(self, instants) -> np.ndarray:
        """Working microseconds counted up to each instant from an origin before all
        of them (NaT where an instant is NaT). The working time between two instants
        is the difference of their values, for values of the same call only (the
        origin moves when the tables grow). One lookup per instant: a caller measuring
        many consecutive gaps needs one value per instant, not two per gap."""
        values = as_instants(instants)
        return self._run(lambda tables, t: tables.counted_until(t), [values], result="count")

    # ---- inspection -------------------------------------------------------------------

    def show(self, year: int, language: str = "vi") -> tuple[list[ShownDay], dict[str, int]]:
        """Days off and worked weekend days of `year`, and counts for the year."""
        holidays = self._book.year(year)
        self._note_years(year, year)
        shown = []
        for day in sorted(set(holidays.days_off) | set(holidays.worked_days)):
            plan = self._planner.plan(day)
            name = (holidays.days_off.get(day) or holidays.worked_days[day]).in_language(language)
            if plan.kind == HOLIDAY:
                regular = _is_regular_weekday(self.settings, day)
                shown.append(ShownDay(day, "holiday" if regular else "holiday_on_weekend", name))
            else:
                shown.append(ShownDay(day, "worked_weekend" if plan.kind == WORKED_WEEKEND else "working", name))
        days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)]
        plans = [self._planner.plan(day) for day in days]
        counts = {
            "working_days": sum(plan.full_working_day for plan in plans),
            "holidays_on_working_weekdays": sum(1 for item in shown if item.kind == "holiday"),
            "worked_weekend_days": sum(1 for item in shown if item.kind == "worked_weekend"),
            "working_minutes": sum(end - start for plan in plans for start, end in plan.sessions) // US_PER_MINUTE,
        }
        return shown, counts


def _is_regular_weekday(settings: CalendarSettings, day: dt.date) -> bool:
    from .day_plans import WEEKDAYS

    return bool(settings.office_hours.get(WEEKDAYS[day.weekday()]))


_POOL = None


def _chunk_pool():
    """Threads for the chunks of large array operations (None on one core)."""
    global _POOL
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2:
        return None
    if _POOL is None:
        import concurrent.futures

        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qms-calendar")
    return _POOL


def _hours_us(amount: float) -> int:
    return round(amount * US_PER_HOUR)


def _run_chunk(operation, tables: DayTables, rows: slice, required, optional, numbers, empty):
    chunk_required = [values[rows] for values in required]
    chunk_optional = [values[rows] for values in optional]
    chunk_numbers = [values[rows] for values in numbers]
    missing = chunk_required[0] == NAT
    for values in chunk_required[1:]:
        missing |= values == NAT
    for values in chunk_numbers:
        if values.dtype.kind == "f":
            missing |= np.isnan(values)
    if not missing.any():
        return operation(tables, *chunk_required, *chunk_optional, *chunk_numbers)
    # stand-in values for the missing rows, computed and then discarded
    stand_in = tables.midnight[0]
    chunk_required = [np.where(missing, stand_in, values) for values in chunk_required]
    chunk_optional = [np.where(missing, NAT, values) for values in chunk_optional]
    chunk_numbers = [np.where(missing, 0, values) for values in chunk_numbers]
    return np.where(missing, empty, operation(tables, *chunk_required, *chunk_optional, *chunk_numbers))
