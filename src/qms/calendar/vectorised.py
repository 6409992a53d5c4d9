"""Working-time arithmetic over numpy arrays of instants, with no per-element Python.

For a range of local dates `DayTables` holds one row per day: local midnight as
an instant, the UTC offset (and a clock change, if any), the counted sessions as
instants (padded to the same count), and the cumulative counted time before the
day. An instant finds its day by integer division plus a one-step correction;
everything after that is gathers and `np.where` over a handful of columns. Only
the inverse of "counted time so far" (adding working hours) needs a binary search,
over days, not sessions.

All instants are int64 microseconds since the epoch (UTC). Callers remove NaT
before calling and put it back after (see `calendar.WorkCalendar`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .day_plans import US_PER_DAY, DayPlanner, from_us, to_us

# Larger than any instant in range, small enough that adding an offset cannot overflow.
FAR = np.int64(2**62)


class OutOfRange(Exception):
    """The tables do not reach far enough; the caller extends them and retries."""

    def __init__(self, direction: int):
        super().__init__(direction)
        self.direction = direction  # -1 earlier days needed, +1 later days needed


class DayTables:
    def __init__(self, planner: DayPlanner, first_day: dt.date, last_day: dt.date):
        self.first_day, self.last_day = first_day, last_day
        days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        plans = [planner.plan(day) for day in days]
        count = len(days)
        zone = planner.zone

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

        width = max(1, max(len(plan.sessions) for plan in plans))
        self.start = np.repeat(self.midnight[:count, None], width, axis=1)
        self.end = self.start.copy()
        for index, plan in enumerate(plans):
            for column, (begin, end) in enumerate(plan.sessions):
                self.start[index, column], self.end[index, column] = begin, end
        self.length = self.end - self.start
        self.width = width
        self.has_sessions = self.length[:, 0] > 0
        # counted time before each session of its day, and before each day
        self.before_session = np.cumsum(self.length, axis=1) - self.length
        day_total = self.length.sum(axis=1)
        self.before_day = np.concatenate([[0], np.cumsum(day_total)]).astype(np.int64)

        self.full_day = np.array([plan.full_working_day for plan in plans], dtype=bool)
        self.full_days = np.flatnonzero(self.full_day)
        self.full_days_through = np.cumsum(self.full_day)  # full working days in [0, d]
        last_column = np.maximum((self.length > 0).sum(axis=1) - 1, 0)
        closes = self.end[np.arange(count), last_column]
        opens = np.where(self.has_sessions, self.start[:, 0], FAR)
        # opening of the first day after d with counted time; FAR if beyond the range
        self.next_opening_after = np.append(np.minimum.accumulate(opens[::-1])[::-1][1:], FAR)
        # close of the first full working day at or after d
        full_closes = np.where(self.full_day, closes, FAR)
        self.next_full_close = np.minimum.accumulate(full_closes[::-1])[::-1]

    # ---- locating an instant ------------------------------------------------------

    def covers(self, low: int, high: int) -> bool:
        return bool(self.midnight[0] <= low and high < self.midnight[-1])

    def day_of(self, instants: np.ndarray) -> np.ndarray:
        count = len(self.wall_midnight)
        if instants.size and (instants.min() < self.midnight[0]):
            raise OutOfRange(-1)
        if instants.size and (instants.max() >= self.midnight[-1]):
            raise OutOfRange(+1)
        guess = np.clip((instants - self.midnight[0]) // US_PER_DAY, 0, count - 1)
        guess -= instants < self.midnight[guess]
        guess = np.clip(guess, 0, count - 1)
        guess += instants >= self.midnight[guess + 1]
        return guess

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

    def counted_until(self, instants: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Counted microseconds from the start of the range up to `instants`."""
        total = self.before_day[day].copy()
        for column in range(self.width):
            total += np.clip(instants - self.start[day, column], 0, self.length[day, column])
        return total

    def is_working(self, instants: np.ndarray) -> np.ndarray:
        day = self.day_of(instants)
        inside = np.zeros(instants.shape, dtype=bool)
        for column in range(self.width):
            inside |= (self.start[day, column] <= instants) & (instants < self.end[day, column])
        return inside

    def next_working(self, instants: np.ndarray, day: np.ndarray) -> np.ndarray:
        result = self.next_opening_after[day].copy()
        for column in reversed(range(self.width)):
            later = (self.end[day, column] > instants) & (self.length[day, column] > 0)
            result = np.where(later, np.maximum(self.start[day, column], instants), result)
        if result.size and result.max() >= FAR:
            raise OutOfRange(+1)
        return result

    def counting_start(self, received: np.ndarray, cutoff_us: int | None) -> np.ndarray:
        day = self.day_of(received)
        start = self.next_working(received, day)
        if cutoff_us is not None:
            late = self.has_sessions[day] & (self.wall_clock(received, day) > cutoff_us)
            start = np.where(late, self.next_opening_after[day], start)
            if start.size and start.max() >= FAR:
                raise OutOfRange(+1)
        return start

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return self.counted_until(end, self.day_of(end)) - self.counted_until(start, self.day_of(start))

    def paused(self, start: np.ndarray, end: np.ndarray, pauses: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Counted time inside the union of each row's pauses, within [start, end).
        A pause with a missing end or start (NaT as int64 min) is ignored."""
        total = np.zeros(start.shape, dtype=np.int64)
        if not pauses:
            return total
        nat = np.iinfo(np.int64).min
        begins = np.stack([pause[0] for pause in pauses], axis=1)
        ends = np.stack([pause[1] for pause in pauses], axis=1)
        missing = (begins == nat) | (ends == nat)
        upper = np.maximum(start, end)
        begins = np.where(missing, start[:, None], np.clip(begins, start[:, None], upper[:, None]))
        ends = np.where(missing, start[:, None], np.clip(ends, start[:, None], upper[:, None]))
        order = np.argsort(begins, axis=1, kind="stable")
        begins = np.take_along_axis(begins, order, axis=1)
        ends = np.take_along_axis(ends, order, axis=1)
        covered_until = start.copy()
        for column in range(begins.shape[1]):
            begin = np.maximum(begins[:, column], covered_until)
            stop = np.maximum(ends[:, column], begin)
            total += self.between(begin, stop)
            covered_until = np.maximum(covered_until, stop)
        return total

    # ---- adding durations -------------------------------------------------------------

    def add_working(self, start: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Earliest moment at or after `start` with `amount` counted microseconds done."""
        target = self.counted_until(start, self.day_of(start)) + amount
        if target.size and target.max() > self.before_day[-1]:
            raise OutOfRange(+1)
        day = np.searchsorted(self.before_day[1:], target, side="left")
        day = np.minimum(day, len(self.wall_midnight) - 1)
        remaining = target - self.before_day[day]
        result = np.zeros(start.shape, dtype=np.int64)
        for column in reversed(range(self.width)):
            length = self.length[day, column]
            fits = (length > 0) & (self.before_session[day, column] + length >= remaining)
            result = np.where(fits, self.start[day, column] + remaining - self.before_session[day, column], result)
        return np.where(amount > 0, np.maximum(result, start), start)

    def add_working_days(self, start: np.ndarray, whole_days: np.ndarray, extra: np.ndarray) -> np.ndarray:
        moment = self.next_working(start, self.day_of(start))
        day = self.day_of(moment)
        clock = self.wall_clock(moment, day)
        position = self.full_days_through[day] + whole_days - 1
        if position.size and position.max() >= len(self.full_days):
            raise OutOfRange(+1)
        target_day = self.full_days[np.clip(position, 0, len(self.full_days) - 1)]
        wall = self.wall_midnight[target_day] + clock
        candidate = self.wall_to_instant(wall, target_day)
        landed = self.start[target_day, 0]
        for column in range(self.width):
            present = self.length[target_day, column] > 0
            reached = present & (candidate >= self.start[target_day, column])
            landed = np.where(reached, np.minimum(candidate, self.end[target_day, column]), landed)
        moment = np.where(whole_days > 0, landed, moment)
        return self.add_working(moment, extra)

    def add_calendar_days(self, start: np.ndarray, amount: np.ndarray) -> np.ndarray:
        day = self.day_of(start)
        clock = self.wall_clock(start, day) + amount
        target_day = day + clock // US_PER_DAY
        if target_day.size and (target_day.max() >= len(self.wall_midnight) or target_day.min() < 0):
            raise OutOfRange(+1 if target_day.max() >= len(self.wall_midnight) else -1)
        wall = self.wall_midnight[target_day] + clock % US_PER_DAY
        same_clock = self.wall_to_instant(wall, target_day)
        result = np.where(self.full_day[target_day], same_clock, self.next_full_close[target_day])
        if result.size and result.max() >= FAR:
            raise OutOfRange(+1)
        return result
