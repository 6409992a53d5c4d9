"""Working-time arithmetic over numpy arrays of instants, with no per-element Python.

The tables cut the covered range into equal blocks of UTC time (the greatest
common divisor of all session boundaries and local midnights: 30 minutes with
the usual office hours), so that every block is wholly working or wholly not and
lies in one local day. Per block they hold: whether it is working time, the
counted time before it, the next opening at or after it, its local day, and where
an appointment that lands in it (when not working) is moved to. An instant finds
its block by one integer division; every operation is then a few gathers and
`np.where`s. Because each working block holds exactly one block of counted time,
the inverse ("when will this much work be done") is a division too.

Day-level tables (local midnights, UTC offsets, full working days) serve the
day-counting operations. All instants are int64 microseconds since the epoch
(UTC); callers remove NaT before calling and put it back after.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.calendar import office_window_us
from .day_plans import US_PER_DAY, US_PER_MINUTE, DayPlanner, from_us, to_us

# Larger than any instant in range, small enough that adding an offset cannot overflow.
FAR = np.int64(2**62)
_MAX_BLOCKS = 60_000_000


class OutOfRange(Exception):
    """The tables do not reach far enough; the caller extends them and retries."""

    def __init__(self, direction: int):
        super().__init__(direction)
        self.direction = direction  # -1 earlier days needed, +1 later days needed


class DayTables:
    def __init__(self, planner: DayPlanner, first_day: dt.date, last_day: dt.date):
        self.planner = planner
        self.first_day, self.last_day = first_day, last_day
        days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        plans = [planner.plan(day) for day in days]
        count = len(days)
        zone = planner.zone

        # ---- day level ------------------------------------------------------------
        midnights = [to_us(dt.datetime.combine(day, dt.time(), tzinfo=zone)) for day in days]
        midnights.append(to_us(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)))
        self.midnight = np.array(midnights, dtype=np.int64)
        epoch_day = dt.date(1970, 1, 1)
        self.wall_midnight = np.array([(day - epoch_day).days * US_PER_DAY for day in days], dtype=np.int64)

        def offset(instant: int) -> int:
            return int(from_us(instant).astimezone(zone).utcoffset() // dt.timedelta(microseconds=1))

        self.offset_before = np.empty(count, dtype=np.int64)
        self.offset_after = np.empty(count, dtype=np.int64)
        self.change_at = np.full(count, FAR, dtype=np.int64)
        for index in range(count):
            begin, end = midnights[index], midnights[index + 1] - 1
            before, after = offset(begin), offset(end)
            self.offset_before[index], self.offset_after[index] = before, after
            if before != after:  # a clock change: find its instant by bisection
                low, high = begin, end
                while high - low > 1:
                    middle = (low + high) // 2
                    if offset(middle) == before:
                        low = middle
                    else:
                        high = middle
                self.change_at[index] = high
        self._check_clock_changes_outside_office_hours(days)

        sessions = [(index, begin, end) for index, plan in enumerate(plans) for begin, end in plan.sessions]
        self.has_sessions = np.array([bool(plan.sessions) for plan in plans], dtype=bool)
        first_open = np.array([plan.sessions[0][0] if plan.sessions else FAR for plan in plans], dtype=np.int64)
        # UTC offset during office time (the arithmetic moves appointments by whole
        # local days at that offset)
        office_offset = self.offset_after.copy()
        for index, plan in enumerate(plans):
            if plan.sessions:
                office_offset[index] = offset(plan.sessions[0][0])
        # instant of local midnight if the whole day ran at its office offset
        self.office_midnight = self.wall_midnight - office_offset

        self.full_day = np.array([plan.full_working_day for plan in plans], dtype=bool)
        self.full_days = np.flatnonzero(self.full_day)
        self.full_days_through = np.cumsum(self.full_day)  # full working days in [0, d]
        closes = np.array([plan.sessions[-1][1] if plan.sessions else FAR for plan in plans], dtype=np.int64)
        # opening of the first day after d with counted time; FAR beyond the range
        self.next_opening_after = np.append(np.minimum.accumulate(first_open[::-1])[::-1][1:], FAR)
        # close of the first full working day at or after d
        self.next_full_close = np.minimum.accumulate(np.where(self.full_day, closes, FAR)[::-1])[::-1]
        # opening of d, and the close of the last day before d with counted time (-FAR: none in range)
        self.first_open = first_open
        self.previous_close = np.concatenate(
            [[-FAR], np.maximum.accumulate(np.where(self.has_sessions, closes, -FAR))[:-1]])

        # ---- block level ----------------------------------------------------------
        self.base = int(self.midnight[0])
        boundaries = [int(m) - self.base for m in midnights]
        boundaries += [value - self.base for _day, begin, end in sessions for value in (begin, end)]
        block = 0
        for value in boundaries:
            block = math.gcd(block, value)
        if block < US_PER_MINUTE:
            raise QmsError(_("calendar: office hours must start and end on whole minutes"))
        if (midnights[-1] - self.base) // block > _MAX_BLOCKS:
            raise QmsError(_("calendar: the years {first}–{last} are too many to tabulate at {minutes}-minute steps")
                           .format(first=first_day.year, last=last_day.year, minutes=block // US_PER_MINUTE))
        self.block = block
        block_count = (midnights[-1] - self.base) // block
        self.working = np.zeros(block_count, dtype=bool)
        for _day, begin, end in sessions:
            self.working[(begin - self.base) // block:(end - self.base) // block] = True
        self.block_day = np.repeat(np.arange(count, dtype=np.intp), np.diff(self.midnight) // block)
        block_start = self.base + np.arange(block_count, dtype=np.int64) * block
        self.counted_before = np.concatenate([[0], np.cumsum(self.working)[:-1]]).astype(np.int64) * block
        # counted time up to t in block b = counted_before[b] + working[b] * (t - start of b)
        #                                 = counted_offset[b] + working_factor[b] * t
        self.working_factor = self.working.astype(np.int64)
        self.working_block_start = block_start[self.working]
        self.counted_offset = self.counted_before - self.working_factor * block_start
        # start of the first working block at or after each block
        opens = np.where(self.working, block_start, FAR)
        self.next_open_from = np.minimum.accumulate(opens[::-1])[::-1]
        # local day of the next working moment from each block (FAR-safe: last day)
        next_block = np.minimum((np.minimum(self.next_open_from, self.midnight[-1] - 1) - self.base) // block,
                                block_count - 1)
        self.next_working_day = self.block_day[next_block]
        # an appointment landing in a non-working block of a working day moves to the
        # close of the session before it in that day, or to the day's opening
        previous_close = np.maximum.accumulate(np.where(self.working, block_start + block, -FAR))
        day_start = self.midnight[self.block_day]
        self.landing = np.where(previous_close > day_start, previous_close, first_open[self.block_day])
        self.block_count = block_count

    def _check_clock_changes_outside_office_hours(self, days: list[dt.date]) -> None:
        settings = self.planner.settings
        low, high = office_window_us(settings)  # the model runs the same test at validation
        for index in np.flatnonzero(self.change_at < FAR):
            change = self.change_at[index]
            clock_before = change + self.offset_before[index] - self.wall_midnight[index]
            clock_after = change + self.offset_after[index] - self.wall_midnight[index]
            if max(clock_before, clock_after) > low and min(clock_before, clock_after) < high:
                raise QmsError(
                    _("calendar: the clocks of {zone} change during office hours on {day}").format(
                        zone=settings.timezone, day=days[index])
                )

    # ---- locating an instant ------------------------------------------------------

    def covers(self, low: int, high: int) -> bool:
        return bool(self.midnight[0] <= low and high < self.midnight[-1])

    def locate(self, instants: np.ndarray) -> np.ndarray:
        """Block of each instant."""
        block = (instants - self.base) // self.block
        if block.size:
            if block.min() < 0:
                raise OutOfRange(-1)
            if block.max() >= self.block_count:
                raise OutOfRange(+1)
        return block

    def day_of(self, instants: np.ndarray) -> np.ndarray:
        return self.block_day[self.locate(instants)]

    def wall_clock(self, instants: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Microseconds after local midnight shown by the wall clock."""
        offset = np.where(instants < self.change_at[day], self.offset_before[day], self.offset_after[day])
        return instants + offset - self.wall_midnight[day]

    def wall_to_instant(self, wall: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Inverse of the wall clock on `day`; skipped or repeated wall times take
        the offset before the change, as zoneinfo's fold=0 does."""
        before, after = self.offset_before[day], self.offset_after[day]
        switch = self.change_at[day] + np.maximum(before, after)
        return np.where(wall < switch, wall - before, wall - after)

    # ---- counted time ---------------------------------------------------------------

    def counted_until(self, instants: np.ndarray) -> np.ndarray:
        """Counted microseconds from the start of the range up to `instants`."""
        block = self.locate(instants)
        return self.counted_offset[block] + self.working_factor[block] * instants

    def is_working(self, instants: np.ndarray) -> np.ndarray:
        return self.working[self.locate(instants)]

    def next_working(self, instants: np.ndarray) -> np.ndarray:
        result = np.maximum(instants, self.next_open_from[self.locate(instants)])
        if result.size and result.max() >= FAR:
            raise OutOfRange(+1)
        return result

    def counting_start(self, received: np.ndarray, cutoff_us: int | np.ndarray | None) -> np.ndarray:
        """`cutoff_us`: wall-clock microseconds after midnight, one for all rows or
        one per row (FAR for a row without a cut-off), or None."""
        block = self.locate(received)
        start = np.maximum(received, self.next_open_from[block])
        if cutoff_us is not None:
            day = self.block_day[block]
            late = self.has_sessions[day] & (self.wall_clock(received, day) > cutoff_us)
            start = np.where(late, self.next_opening_after[day], start)
        if start.size and start.max() >= FAR:
            raise OutOfRange(+1)
        return start

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return self.counted_until(end) - self.counted_until(start)

    def paused(self, start: np.ndarray, end: np.ndarray, pauses: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Counted time inside the union of each row's pauses, within [start, end).
        A pause with a missing start or end (NaT as int64 min) is ignored."""
        total = np.zeros(start.shape, dtype=np.int64)
        if not pauses:
            return total
        nat = np.iinfo(np.int64).min
        upper = np.maximum(start, end)
        begins, ends = [], []
        for pause_begin, pause_end in pauses:
            # NaT is the smallest int64: a missing end clips to an empty pause by
            # itself; a missing start must empty the pause explicitly
            pause_end = np.where(pause_begin == nat, nat, pause_end)
            begin = np.minimum(np.maximum(pause_begin, start), upper)
            begins.append(begin)
            ends.append(np.minimum(np.maximum(pause_end, begin), upper))
        if len(pauses) > 1:  # order each row's pauses by start, to measure their union
            stacked_begins, stacked_ends = np.stack(begins, axis=1), np.stack(ends, axis=1)
            order = np.argsort(stacked_begins, axis=1, kind="stable")
            begins = list(np.take_along_axis(stacked_begins, order, axis=1).T)
            ends = list(np.take_along_axis(stacked_ends, order, axis=1).T)
        if len(pauses) == 1:
            return self.between(begins[0], ends[0])
        covered_until = start
        for pause_begin, pause_end in zip(begins, ends):
            begin = np.maximum(pause_begin, covered_until)
            stop = np.maximum(pause_end, begin)
            total += self.between(begin, stop)
            covered_until = np.maximum(covered_until, stop)
        return total

    # ---- adding durations -------------------------------------------------------------

    def add_working(self, start: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Earliest moment at or after `start` with `amount` counted microseconds done
        (a session's close when the work ends exactly there)."""
        target = self.counted_until(start) + amount
        index = (target - 1) // self.block
        if index.size and index.max() >= len(self.working_block_start):
            raise OutOfRange(+1)
        index = np.maximum(index, 0)
        result = self.working_block_start[index] + (target - index * self.block)
        return np.where(amount > 0, np.maximum(result, start), start)

    def add_working_days(self, start: np.ndarray, whole_days: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        """As the scalar twin: same clock time `whole_days` later, then `extra`; a
        result at a day's opening is named as the previous working day's close."""
        moment = self._add_working_days_at_clock(start, whole_days, extra)
        counted = whole_days > 0 if extra is None else (whole_days > 0) | (extra > 0)
        return np.where(counted, self.as_close_of_previous_day(moment), moment)

    def as_close_of_previous_day(self, instants: np.ndarray) -> np.ndarray:
        day = self.day_of(instants)
        at_opening = (instants == self.first_open[day]) & (self.previous_close[day] > -FAR)
        return np.where(at_opening, self.previous_close[day], instants)

    def _add_working_days_at_clock(self, start: np.ndarray, whole_days: np.ndarray,
                                   extra: np.ndarray | None) -> np.ndarray:
        block = self.locate(start)
        moment = np.maximum(start, self.next_open_from[block])
        if moment.size and moment.max() >= FAR:
            raise OutOfRange(+1)
        day = self.next_working_day[block]
        position = self.full_days_through[day] + whole_days - 1
        if position.size and position.max() >= len(self.full_days):
            raise OutOfRange(+1)
        target_day = self.full_days[np.maximum(position, 0)]
        # same wall-clock time on the target day (office-time offsets of both days)
        candidate = moment + (self.office_midnight[target_day] - self.office_midnight[day])
        block = self.locate(candidate)
        landed = np.where(self.working[block], candidate, self.landing[block])
        moment = landed if whole_days.min(initial=1) > 0 else np.where(whole_days > 0, landed, moment)
        if extra is None:
            return moment
        # as the scalar twin: a fraction of a day stops at the next working day's same clock time
        next_day = self._add_working_days_at_clock(start, whole_days + 1, None)
        return np.where(extra > 0, np.minimum(self.add_working(moment, extra), next_day), moment)

    def add_calendar_days(self, start: np.ndarray, amount: np.ndarray) -> np.ndarray:
        day = self.day_of(start)
        clock = self.wall_clock(start, day) + amount
        target_day = day + clock // US_PER_DAY
        if target_day.size and target_day.max() >= len(self.wall_midnight):
            raise OutOfRange(+1)
        if target_day.size and target_day.min() < 0:
            raise OutOfRange(-1)
        wall = self.wall_midnight[target_day] + clock % US_PER_DAY
        same_clock = self.wall_to_instant(wall, target_day)
        if self.planner.settings.calendar_days_due_on_day_off == "keep":
            return same_clock
        result = np.where(self.full_day[target_day], same_clock, self.next_full_close[target_day])
        if result.size and result.max() >= FAR:
            raise OutOfRange(+1)
        return result
