"""Properties of the working-time arithmetic, on random instants (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qms.calendar import WorkCalendar
from qms.model.calendar import CalendarSettings, OfficeSession, Weekday

UTC = dt.timezone.utc
LOW = int(np.datetime64("2023-11-01T00:00", "us").astype(np.int64))
HIGH = int(np.datetime64("2027-02-01T00:00", "us").astype(np.int64))
MINUTE = 60_000_000
NAT = np.iinfo(np.int64).min

SAMPLE = WorkCalendar.sample()


def _amsterdam() -> WorkCalendar:
    morning = OfficeSession(start=dt.time(8, 45), end=dt.time(12, 15))
    afternoon = OfficeSession(start=dt.time(13, 0), end=dt.time(17, 30))
    short_friday = [OfficeSession(start=dt.time(8, 45), end=dt.time(14, 0))]
    return WorkCalendar.from_settings(CalendarSettings(
        code="NL", issue=1, effective_from=dt.date(2020, 1, 1), title={"vi": "Lịch Hà Lan"},
        timezone="Europe/Amsterdam", country="NL", receipt_cutoff=dt.time(15, 0),
        office_hours={Weekday.mon: [morning, afternoon], Weekday.tue: [morning, afternoon],
                      Weekday.wed: [morning], Weekday.thu: [morning, afternoon], Weekday.fri: short_friday},
    ))


CALENDARS = {"sample": SAMPLE, "sample/UBND_XA": SAMPLE.for_unit("UBND_XA"), "amsterdam": _amsterdam()}
FEW = settings(max_examples=30, deadline=None)

# instants: any microsecond, or on a whole minute (to hit session boundaries exactly)
instants = st.one_of(
    st.integers(LOW, HIGH),
    st.integers(LOW // MINUTE, HIGH // MINUTE).map(lambda minutes: minutes * MINUTE),
    st.integers(LOW // (30 * MINUTE), HIGH // (30 * MINUTE)).map(lambda slots: slots * 30 * MINUTE),
)
calendars = st.sampled_from(sorted(CALENDARS))


def moment(instant: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=int(instant))


def to_instant(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1)


@FEW
@given(start=instants, minutes=st.integers(0, 20_000), name=calendars)
def test_adding_working_hours_then_measuring_gives_them_back(start, minutes, name):
    calendar = CALENDARS[name]
    begin = calendar.add(moment(start), 0, "working_hours")  # the next working moment
    end = calendar.add(moment(start), minutes / 60, "working_hours")
    assert calendar.working_minutes_between(begin, end) == minutes


@FEW
@given(start=instants, days=st.integers(0, 40))
def test_adding_working_days_then_measuring_gives_whole_office_days(start, days):
    # every working day of the sample has the same office hours (450 minutes)
    begin = SAMPLE.counting_start(moment(start))
    end = SAMPLE.add(begin, days, "working_days")
    assert SAMPLE.working_minutes_between(begin, end) == days * 450


@FEW
@given(first=instants, second=instants, amount=st.floats(0, 30, allow_nan=False).map(lambda a: round(a, 2)),
       unit=st.sampled_from(["working_days", "working_hours"]), name=calendars)
def test_monotonic_in_start(first, second, amount, unit, name):
    calendar = CALENDARS[name]
    early, late = sorted((first, second))
    assert calendar.add(moment(early), amount, unit) <= calendar.add(moment(late), amount, unit)
    assert calendar.counting_start(moment(early)) <= calendar.counting_start(moment(late))


@FEW
@given(start=instants, amounts=st.tuples(st.floats(0, 30), st.floats(0, 30)),
       unit=st.sampled_from(["working_days", "working_hours"]), name=calendars)
def test_monotonic_in_duration(start, amounts, unit, name):
    calendar = CALENDARS[name]
    small, large = sorted(round(a, 3) for a in amounts)
    assert calendar.add(moment(start), small, unit) <= calendar.add(moment(start), large, unit)


@FEW
@given(start=instants, end=instants,
       pauses=st.lists(st.tuples(instants, st.integers(0, 15 * 86_400 * 1_000_000)), max_size=3),
       name=calendars)
def test_pauses_never_increase_elapsed_time(start, end, pauses, name):
    calendar = CALENDARS[name]
    spans = [(moment(a), moment(a + length)) for a, length in pauses]
    plain = calendar.working_minutes_between(moment(start), moment(end))
    paused = calendar.working_minutes_between(moment(start), moment(end), spans)
    assert paused <= plain if plain >= 0 else paused == plain
    assert paused >= 0 or end < start


row = st.tuples(
    instants,                                    # start
    st.integers(-86_400_000_000, 60 * 86_400_000_000),  # end − start
    st.floats(0, 25, allow_nan=False),           # amount
    st.lists(st.tuples(instants, st.integers(-3_600_000_000, 10 * 86_400_000_000)), min_size=2, max_size=2),
    st.booleans(),                               # NaT start?
    st.sampled_from([None, dt.time(15, 0), dt.time(11, 45)]),
)


@settings(max_examples=20, deadline=None)
@given(rows=st.lists(row, min_size=1, max_size=25), name=calendars)
def test_vectorised_equals_scalar(rows, name):
    calendar = CALENDARS[name]
    starts = np.array([NAT if missing else start for start, _d, _a, _p, missing, _c in rows], dtype=np.int64)
    ends = np.array([start + delta for start, delta, *_ in rows], dtype=np.int64)
    amounts = np.array([round(amount, 3) for _s, _d, amount, *_ in rows])
    pause_columns = []
    for column in range(2):
        begins = np.array([r[3][column][0] for r in rows], dtype=np.int64)
        lengths = np.array([r[3][column][1] for r in rows], dtype=np.int64)
        # a negative length stands for a pause still open (no end)
        finishes = np.where(lengths < 0, NAT, begins + np.abs(lengths))
        pause_columns.append((begins.view("datetime64[us]"), finishes.view("datetime64[us]")))
    cutoff = rows[0][5]
    start_array = starts.view("datetime64[us]")

    def same_instants(vectorised: np.ndarray, scalar_op):
        for index, value in enumerate(vectorised.view(np.int64)):
            if starts[index] == NAT:
                assert value == NAT
            else:
                assert value == to_instant(scalar_op(index)), index

    same_instants(calendar.counting_start_array(start_array, cutoff),
                  lambda i: calendar.counting_start(moment(starts[i]), cutoff))
    for unit in ("working_days", "working_hours", "calendar_days"):
        same_instants(calendar.add_array(start_array, amounts, unit),
                      lambda i, unit=unit: calendar.add(moment(starts[i]), float(amounts[i]), unit))
    flags = calendar.is_working_time_array(start_array)
    for index, flag in enumerate(flags):
        assert flag == (starts[index] != NAT and calendar.is_working_time(moment(starts[index])))
    minutes = calendar.working_minutes_between_array(start_array, ends.view("datetime64[us]"), pause_columns)
    for index, value in enumerate(minutes):
        if starts[index] == NAT:
            assert np.isnan(value)
            continue
        spans = []
        for begins, finishes in pause_columns:
            b, f = begins.view(np.int64)[index], finishes.view(np.int64)[index]
            spans.append((moment(b), None if f == NAT else moment(f)))
        assert value == calendar.working_minutes_between(moment(starts[index]), moment(ends[index]), spans)


def test_fraction_of_a_day_never_passes_the_next_day():
    """Found by hypothesis: 11.938 working days = 11 days + 7.5 nominal hours, a whole
    7.5-hour office day and a bit, landed after 12 working days."""
    calendar = CALENDARS["sample"]
    start = dt.datetime(2023, 11, 1, tzinfo=dt.timezone.utc)
    assert calendar.add(start, 11.938, "working_days") <= calendar.add(start, 12, "working_days")
    starts = np.array([np.datetime64("2023-11-01T00:00", "us")] * 2)
    assert list(calendar.add_array(starts, np.array([11.938, 12.0]), "working_days")) == [
        np.datetime64(calendar.add(start, amount, "working_days").astimezone(dt.timezone.utc).replace(tzinfo=None), "us")
        for amount in (11.938, 12.0)]


@FEW
@given(moments=st.lists(instants, min_size=2, max_size=40), name=calendars)
def test_working_clock_differences_are_working_time(moments, name):
    """One reading per instant (what the check's clock uses) gives the same working
    time between any two of them as measuring each pair."""
    calendar = CALENDARS[name]
    values = np.array(sorted(moments), dtype=np.int64).view("datetime64[us]")
    clock = calendar.working_clock_array(values)
    between = calendar.working_minutes_between_array(values[:-1], values[1:])
    assert np.array_equal(np.diff(clock), np.rint(between * MINUTE).astype(np.int64))
    assert (np.diff(clock) >= 0).all()


def test_large_arrays_run_in_chunks_on_threads_with_the_same_results():
    """Arrays longer than a chunk run their chunks on a thread pool (from the main
    thread); slices of one chunk each run in order. Both give the same values."""
    rng = np.random.default_rng(5)
    starts = rng.integers(LOW, HIGH - 40 * 24 * 60 * MINUTE, 300_000)
    ends = starts + rng.integers(0, 40 * 24 * 60 * MINUTE, 300_000)
    starts, ends = starts.view("datetime64[us]"), ends.view("datetime64[us]")
    whole = SAMPLE.working_minutes_between_array(starts, ends)
    dues = SAMPLE.add_array(starts, 3, "working_days")
    step = 50_000
    pieces = np.concatenate([SAMPLE.working_minutes_between_array(starts[i:i + step], ends[i:i + step])
                             for i in range(0, len(starts), step)])
    due_pieces = np.concatenate([SAMPLE.add_array(starts[i:i + step], 3, "working_days")
                                 for i in range(0, len(starts), step)])
    assert np.array_equal(whole, pieces) and np.array_equal(dues, due_pieces)
