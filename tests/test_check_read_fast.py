"""The check's direct reading of qms's canonical Parquet (no ingest): the plausible
window of instants is still enforced on every instant column, whether the check
reads that column or not; a row outside it sends the file through ingest, which
rejects that row by number."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from qms.check.api import run_check

FAR = dt.datetime(2199, 1, 1, 8, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def generated():
    from check_support import approved_sample_library
    from qms.synth import generate_log

    library = approved_sample_library()
    return library, generate_log(library, 40, seed=5, defect_rate=0.2).events


def _with_far_instant(events: pl.DataFrame, column: str) -> pl.DataFrame:
    row = events.with_row_index().filter(pl.col("step") != "received")["index"][0]
    return events.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(pl.lit(FAR)).otherwise(pl.col(column)).alias(column))


def test_a_plausible_canonical_parquet_is_read_directly(generated, tmp_path):
    library, events = generated
    events.write_parquet(tmp_path / "log.parquet")
    result = run_check(tmp_path / "log.parquet", library)
    assert result.data_quality_findings is None  # not through ingest
    assert result.summary.data_quality.rows_read == events.height


@pytest.mark.parametrize("column", ["at", "new_appointment_at"])  # read by the check / not read by it
def test_an_implausible_instant_in_any_column_goes_through_ingest(generated, tmp_path, column):
    library, events = generated
    if column not in events.columns:
        events = events.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias(column))
    _with_far_instant(events, column).write_parquet(tmp_path / "log.parquet")
    result = run_check(tmp_path / "log.parquet", library)
    quality = result.summary.data_quality
    assert (quality.rows_read, quality.rows_rejected) == (events.height, 1)
    assert quality.rejected_by_reason == {"implausible_timestamp": 1}
