"""The calendar on a real log with UTC offsets that change with daylight saving time.

Data: ../shared/data/receipt.csv, the receipt phase of an environmental permit
process (WABO) in a Dutch municipality; 4TU.ResearchData, CoSeLoG project, author
J.C.A.M. Buijs. Timestamps carry +01:00 / +02:00.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from qms.calendar import WorkCalendar
from qms.model.calendar import CalendarSettings, OfficeSession, Weekday

UTC = dt.timezone.utc


def dutch_calendar() -> WorkCalendar:
    day = [OfficeSession(start=dt.time(8, 30), end=dt.time(12, 30)),
           OfficeSession(start=dt.time(13, 0), end=dt.time(17, 0))]
    return WorkCalendar.from_settings(CalendarSettings(
        code="NL-GEMEENTE", issue=1, effective_from=dt.date(2010, 1, 1), title={"vi": "Lịch một đô thị Hà Lan"},
        timezone="Europe/Amsterdam", country="NL",
        office_hours={w: day for w in (Weekday.mon, Weekday.tue, Weekday.wed, Weekday.thu, Weekday.fri)},
    ))


@pytest.fixture(scope="module")
def cases(shared_data_dir) -> pl.DataFrame:
    log = pl.read_csv(shared_data_dir / "receipt.csv", infer_schema_length=0)
    at = pl.col("time:timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_unit="us")
    return (log.with_columns(at.alias("at"))
            .group_by("case:concept:name")
            .agg(pl.col("at").min().alias("first"), pl.col("at").max().alias("last"),
                 pl.col("at").sort().get(1, null_on_oob=True).alias("second"))
            .sort("case:concept:name"))


def test_every_case_in_the_real_log_vectorised_equals_scalar(cases):
    calendar = dutch_calendar()
    assert cases.height == 1434
    first = cases["first"].to_numpy()
    last = cases["last"].to_numpy()
    second = cases["second"].to_numpy()
    minutes = calendar.working_minutes_between_array(cases["first"], cases["last"], pauses=[(first, second)])
    starts = calendar.counting_start_array(cases["first"], cutoff=dt.time(15))
    dues = calendar.add_array(starts, 10, "working_days")

    def utc(value: np.datetime64) -> dt.datetime | None:
        return None if np.isnat(value) else dt.datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

    for index in range(cases.height):
        pause = (utc(first[index]), utc(second[index]))
        expected = calendar.working_minutes_between(utc(first[index]), utc(last[index]), [pause])
        assert minutes[index] == expected
        start = calendar.counting_start(utc(first[index]), cutoff=dt.time(15))
        assert utc(starts[index]) == start
        assert utc(dues[index]) == calendar.add(start, 10, "working_days")
    assert (minutes >= 0).all()


def test_local_clock_time_survives_the_change_to_winter_time():
    calendar = dutch_calendar()
    # the log's own kind of timestamp: Friday 28 Oct 2011 10:00+02:00; clocks go back on Sunday 30 Oct
    received = dt.datetime.fromisoformat("2011-10-28T10:00:00+02:00")
    due = calendar.add(received, 1, "working_days")
    assert due.isoformat() == "2011-10-31T10:00:00+01:00"
    assert calendar.working_minutes_between(received, due) == 480  # one 8-hour office day
