"""The fast local-date path gives exactly polars' time-zone conversion, and falls back
to it where the zone's offset changes within the values' span."""

import datetime as dt

import polars as pl
import pytest

from qms.check.local_time import LocalDates


@pytest.mark.parametrize("tz, start, offset_is_fixed", [
    ("Asia/Ho_Chi_Minh", dt.datetime(2024, 12, 30, tzinfo=dt.timezone.utc), True),
    ("Asia/Ho_Chi_Minh", dt.datetime(1975, 6, 1, tzinfo=dt.timezone.utc), False),  # +08:00 until 13 June 1975
    ("Europe/Amsterdam", dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), False),  # summer time from 30 March
    ("UTC", dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), True),
])
def test_local_dates_equal_the_time_zone_conversion(tz, start, offset_is_fixed):
    # every 37 minutes over 40 days, with nulls: instants near midnight on both sides
    instants = pl.datetime_range(start, start + dt.timedelta(days=40), "37m", time_zone="UTC", eager=True)
    frame = pl.DataFrame({"t": instants}).with_columns(
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(None).otherwise(pl.col("t")).alias("t"))
    dates = LocalDates(tz)
    fast = frame.select(dates.exprs(frame, ["t"])["t"]).to_series()
    exact = frame.select(pl.col("t").dt.convert_time_zone(tz).dt.date()).to_series()
    assert fast.equals(exact)
    assert (dates._verified[0][2] is not None) == offset_is_fixed


def test_all_null_column_takes_the_exact_path():
    frame = pl.DataFrame({"t": pl.Series([None, None], dtype=pl.Datetime("us", "UTC"))})
    out = frame.select(LocalDates("Asia/Ho_Chi_Minh").exprs(frame, ["t"])["t"]).to_series()
    assert out.null_count() == 2
