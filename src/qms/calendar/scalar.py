"""Working-time arithmetic on one instant at a time, walking the calendar day by day.

This is the reference implementation: plain loops over day plans, easy to read and
to check by hand. `vectorised` computes the same things over arrays with lookup
tables; the tests hold the two to identical results. Instants are integer
microseconds since the epoch (UTC).
"""

from __future__ import annotations

import datetime as dt

from ..core.errors import QmsError
from ..core.i18n import _
from .day_plans import US_PER_DAY, DayPlanner, from_us, local_to_us

# A calendar without a single working day in this many days is a broken calendar.
_SEARCH_LIMIT_DAYS = 3 * 366
_ONE_DAY = dt.timedelta(days=1)


def local_date(planner: DayPlanner, instant: int) -> dt.date:
    return from_us(instant).astimezone(planner.zone).date()


def wall_clock(planner: DayPlanner, instant: int) -> int:
    """Microseconds after local midnight shown by the wall clock at `instant`."""
    local = from_us(instant).astimezone(planner.zone)
    return (local.hour * 3600 + local.minute * 60 + local.second) * 1_000_000 + local.microsecond


def _days_from(day: dt.date):
    for step in range(_SEARCH_LIMIT_DAYS):
        yield day + step * _ONE_DAY
    raise QmsError(_("calendar: no working time within {days} days after {day}").format(days=_SEARCH_LIMIT_DAYS, day=day))


def is_working_time(planner: DayPlanner, instant: int) -> bool:
    plan = planner.plan(local_date(planner, instant))
    return any(start <= instant < end for start, end in plan.sessions)


def next_working_moment(planner: DayPlanner, instant: int) -> int:
    """`instant` itself if it is working time, else the next session's start."""
    for day in _days_from(local_date(planner, instant)):
        for start, end in planner.plan(day).sessions:
            if end > instant:
                return max(start, instant)
    raise AssertionError("unreachable")


def first_opening_after(planner: DayPlanner, day: dt.date) -> int:
    """Opening of the first day after `day` that has counted time."""
    for later in _days_from(day + _ONE_DAY):
        sessions = planner.plan(later).sessions
        if sessions:
            return sessions[0][0]
    raise AssertionError("unreachable")


def counting_start(planner: DayPlanner, received: int, cutoff_us: int | None) -> int:
    """Where the clock starts for a receipt: the next working moment, or, for a
    receipt after the cut-off on a day with counted time, the next day's opening."""
    day = local_date(planner, received)
    if cutoff_us is not None and planner.plan(day).sessions and wall_clock(planner, received) > cutoff_us:
        return first_opening_after(planner, day)
    return next_working_moment(planner, received)


def working_us_between(planner: DayPlanner, start: int, end: int) -> int:
    """Counted microseconds in [start, end); negative when end is before start."""
    if end < start:
        return -working_us_between(planner, end, start)
    total = 0
    last_day = local_date(planner, end)
    day = local_date(planner, start)
    while day <= last_day:
        for session_start, session_end in planner.plan(day).sessions:
            total += max(0, min(session_end, end) - max(session_start, start))
        day += _ONE_DAY
    return total


def paused_us(planner: DayPlanner, start: int, end: int, pauses: list[tuple[int, int]]) -> int:
    """Counted time inside the union of the pauses, within [start, end)."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in pauses)
    total = 0
    covered_until = start
    for pause_start, pause_end in clipped:
        pause_start = max(pause_start, covered_until)
        if pause_end > pause_start:
            total += working_us_between(planner, pause_start, pause_end)
            covered_until = pause_end
    return total


def add_working_us(planner: DayPlanner, start: int, amount: int) -> int:
    """The earliest moment at or after `start` with `amount` counted microseconds
    done since `start` (a session's close when it ends exactly there)."""
    if amount <= 0:
        return start
    remaining = amount
    for day in _days_from(local_date(planner, start)):
        for session_start, session_end in planner.plan(day).sessions:
            if session_end <= start:
                continue
            begin = max(session_start, start)
            if remaining <= session_end - begin:
                return begin + remaining
            remaining -= session_end - begin
    raise AssertionError("unreachable")


def add_working_days(planner: DayPlanner, start: int, whole_days: int, extra_us: int) -> int:
    """`whole_days` working days later at the same wall-clock time, then `extra_us`
    counted time more; a result at a working day's opening is named as the close of
    the working day before it (see `as_close_of_previous_day`)."""
    moment = _add_working_days_at_clock(planner, start, whole_days, extra_us)
    return as_close_of_previous_day(planner, moment) if whole_days > 0 or extra_us > 0 else moment


def as_close_of_previous_day(planner: DayPlanner, instant: int) -> int:
    """A day's opening and the close of the previous day with counted time are one
    instant of working time; an appointment is written as that close, because the date
    on the slip is what citizens read (received on a day off with 1 working day: due at
    the close of the first working day, not at the opening of the second)."""
    day = local_date(planner, instant)
    sessions = planner.plan(day).sessions
    if not sessions or instant != sessions[0][0]:
        return instant
    for step in range(1, _SEARCH_LIMIT_DAYS):
        earlier = planner.plan(day - step * _ONE_DAY).sessions
        if earlier:
            return earlier[-1][1]
    return instant


def _add_working_days_at_clock(planner: DayPlanner, start: int, whole_days: int, extra_us: int) -> int:
    """`add_working_days` before the result is named as a close.

    The count starts from the next working moment; the result lands on the
    `whole_days`-th full working day after that moment's date. When that day's
    office hours do not contain the clock time, it moves to the close of the
    session before it, or to the day's opening when the clock time is earlier.
    """
    moment = next_working_moment(planner, start)
    if whole_days > 0:
        clock = wall_clock(planner, moment)
        day = local_date(planner, moment)
        counted = 0
        for later in _days_from(day + _ONE_DAY):
            if planner.plan(later).full_working_day:
                counted += 1
                if counted == whole_days:
                    day = later
                    break
        moment = _clamp_into_sessions(planner.plan(day).sessions, local_to_us(day, clock, planner.zone))
    if extra_us <= 0:
        return moment
    # A fraction of a day is counted in nominal hours (working_day_hours), which can
    # be longer than a real office day: it never reaches past the same clock time one
    # working day later, so that more time never gives an earlier appointment.
    return min(add_working_us(planner, moment, extra_us), _add_working_days_at_clock(planner, start, whole_days + 1, 0))


def _clamp_into_sessions(sessions: tuple[tuple[int, int], ...], instant: int) -> int:
    if instant <= sessions[0][0]:
        return sessions[0][0]
    for index, (start, end) in enumerate(sessions):
        if start <= instant <= end:
            return instant
        next_start = sessions[index + 1][0] if index + 1 < len(sessions) else None
        if next_start is None or instant < next_start:
            return end
    raise AssertionError("unreachable")


def add_calendar_days(planner: DayPlanner, start: int, amount_us: int) -> int:
    """Same wall-clock time `amount_us` later by the calendar (local dates: safe
    across daylight-saving changes); a deadline that lands on a day that is not a
    full working day ends at the close of the next one (Civil Code 2015, art. 148),
    unless the calendar says `calendar_days_due_on_day_off: keep`."""
    wall = local_date(planner, start), wall_clock(planner, start) + amount_us
    day = wall[0] + dt.timedelta(days=wall[1] // US_PER_DAY)
    clock = wall[1] % US_PER_DAY
    if planner.plan(day).full_working_day or planner.settings.calendar_days_due_on_day_off == "keep":
        return local_to_us(day, clock, planner.zone)
    for later in _days_from(day + _ONE_DAY):
        plan = planner.plan(later)
        if plan.full_working_day:
            return plan.sessions[-1][1]
    raise AssertionError("unreachable")
