"""Working time as one number line, for placing synthetic events.

The generator thinks in *working seconds*: second n of counted office time since
the first day of the line. A gap drawn in working seconds is exactly what
`WorkCalendar.working_minutes_between` measures (× 60), because the line is built
from the same calendar: each day's office sessions are taken from the calendar
settings and kept only where the calendar says they are working time (holidays
drop out, swapped weekend days come in). `verify_against` holds the line to the
calendar's own arithmetic.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.calendar import clock_us

US = 1_000_000
_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _local_us(day: dt.date, clock: dt.time, zone: ZoneInfo) -> int:
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(microseconds=clock_us(clock))  # 24:00 is a clock time too
    moment = wall.replace(tzinfo=zone)
    return int(moment.timestamp()) * US + moment.microsecond


class WorkingTimeline:
    """Counted office sessions of a calendar between two dates, as working seconds."""

    def __init__(self, calendar, first_day: dt.date, last_day: dt.date):
        settings = calendar.settings
        self.calendar = calendar
        self.zone = ZoneInfo(settings.timezone)
        self.first_day, self.last_day = first_day, last_day
        hours = {getattr(key, "value", key): sessions for key, sessions in settings.office_hours.items() if sessions}
        weekend_hours = getattr(settings, "worked_weekend_hours", None) or hours.get("mon") or next(iter(hours.values()))

        starts: list[int] = []
        ends: list[int] = []
        days: list[int] = []  # index of the day each candidate session belongs to
        day_count = (last_day - first_day).days + 1
        for offset in range(day_count):
            day = first_day + dt.timedelta(days=offset)
            for session in hours.get(_WEEKDAY_KEYS[day.weekday()], weekend_hours):
                starts.append(_local_us(day, session.start, self.zone))
                ends.append(_local_us(day, session.end, self.zone))
                days.append(offset)
        starts_a = np.asarray(starts, dtype=np.int64)
        ends_a = np.asarray(ends, dtype=np.int64)
        middles = (starts_a + (ends_a - starts_a) // 2).view("datetime64[us]")
        counted = np.asarray(calendar.is_working_time_array(middles), dtype=bool)
        self.starts = starts_a[counted]
        self.ends = ends_a[counted]
        self.session_day = np.asarray(days, dtype=np.int64)[counted]
        lengths = (self.ends - self.starts) // US
        self.cumulative = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)  # working s at each session start
        if self.starts.size == 0:
            raise QmsError(_("the calendar has no working time between {start} and {end}").format(start=first_day, end=last_day))

        # Per local day: working seconds at its first session and its length (0 = day off).
        self.day_dates = [first_day + dt.timedelta(days=i) for i in range(day_count)]
        self.day_start_ws = np.zeros(day_count, dtype=np.int64)
        self.day_length_ws = np.zeros(day_count, dtype=np.int64)
        np.add.at(self.day_length_ws, self.session_day, lengths)
        first_session = np.full(day_count, -1, dtype=np.int64)
        order = np.arange(self.starts.size)
        first_session[self.session_day[::-1]] = order[::-1]
        has = first_session >= 0
        self.day_start_ws[has] = self.cumulative[first_session[has]]
        self.day_weekday = np.array([d.weekday() for d in self.day_dates], dtype=np.int8)

    # ---- conversions --------------------------------------------------------------

    def ws_of(self, instants_us: np.ndarray) -> np.ndarray:
        """Working seconds counted up to each instant (int64 µs since the epoch, UTC)."""
        instants_us = np.asarray(instants_us, dtype=np.int64)
        self._check_range(instants_us)
        index = np.searchsorted(self.starts, instants_us, side="right") - 1
        safe = np.clip(index, 0, None)
        inside = np.clip(instants_us - self.starts[safe], 0, self.ends[safe] - self.starts[safe])
        return np.where(index < 0, 0, self.cumulative[safe] + inside // US)

    def instant_of(self, ws: np.ndarray) -> np.ndarray:
        """The instant (int64 µs, UTC) at which `ws` working seconds have been counted."""
        ws = np.asarray(ws, dtype=np.int64)
        if ws.size and (ws.min() < 0 or ws.max() >= self.cumulative[-1]):
            raise QmsError(
                "synthetic timeline too short for the generated events; this is a bug in qms.synth "
                f"(working seconds {ws.min()}…{ws.max()}, line ends at {self.cumulative[-1]})"
            )
        index = np.searchsorted(self.cumulative, ws, side="right") - 1
        return self.starts[index] + (ws - self.cumulative[index]) * US

    def _check_range(self, instants_us: np.ndarray) -> None:
        if instants_us.size and (instants_us.min() < self.starts[0] - 7 * 86_400 * US or instants_us.max() > self.ends[-1]):
            raise QmsError("synthetic timeline does not cover the instants asked for; this is a bug in qms.synth")

    @property
    def minimum_day_ws(self) -> int:
        """The shortest full working day, in working seconds (the safe size of "one day")."""
        lengths = self.day_length_ws[self.day_length_ws > 0]
        return int(lengths.min())

    def day_index(self, day: dt.date) -> int:
        return (day - self.first_day).days

    # ---- agreement with the calendar ------------------------------------------------

    def verify_against(self, rng: np.random.Generator, samples: int = 400) -> None:
        """Random pairs of instants: our working seconds must equal the calendar's
        working minutes × 60. A disagreement means truth files would be wrong."""
        low, high = int(self.starts[0]), int(self.ends[-1])
        a = rng.integers(low, high, samples, dtype=np.int64) // US * US
        b = rng.integers(low, high, samples, dtype=np.int64) // US * US
        a, b = np.minimum(a, b), np.maximum(a, b)
        ours = (self.ws_of(b) - self.ws_of(a)).astype(np.float64)
        theirs = np.asarray(
            self.calendar.working_minutes_between_array(a.view("datetime64[us]"), b.view("datetime64[us]")),
            dtype=np.float64,
        ) * 60
        bad = np.flatnonzero(np.abs(ours - theirs) > 0.5)
        if bad.size:
            i = int(bad[0])
            raise QmsError(
                "qms.synth's working timeline disagrees with the calendar "
                f"({ours[i] / 60:g} vs {theirs[i] / 60:g} working minutes between "
                f"{a[i].view('datetime64[us]')} and {b[i].view('datetime64[us]')}); this is a bug"
            )
