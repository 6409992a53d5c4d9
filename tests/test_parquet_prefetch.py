"""A canonical Parquet log read on a thread while qms loads (`qms.core.parquet_prefetch`):
`qms check` takes that frame instead of reading the file again, and nothing else:
not another file, not a file changed since, not other columns, not a failed read."""

from __future__ import annotations

import os

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from check_support import approved_sample_library
from qms.check.api import run_check, write_outputs
from qms.check.common import ENGINE_COLUMNS
from qms.cli import main
from qms.core import parquet_prefetch
from qms.synth import generate_log
from qms.synth.output import write_events


@pytest.fixture(autouse=True)
def nothing_started_left():
    yield
    parquet_prefetch._started.clear()


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prefetch")
    library = approved_sample_library()
    events = generate_log(library, 120, seed=11, defect_rate=0.3).events
    write_events(events, folder / "log.parquet", "parquet")
    return folder / "log.parquet", library


def test_the_frame_taken_is_the_file_read(log):
    path, _library = log
    columns = parquet_prefetch.columns_to_read(path, ENGINE_COLUMNS)
    assert "officer" not in columns and "at" in columns
    parquet_prefetch.start(path, ENGINE_COLUMNS)
    assert_frame_equal(parquet_prefetch.take(path, columns), pl.read_parquet(path, columns=columns))
    assert parquet_prefetch.take(path, columns) is None  # taken once


def test_other_columns_or_a_changed_file_are_read_again(log, tmp_path):
    path, _library = log
    copy = tmp_path / "log.parquet"
    copy.write_bytes(path.read_bytes())
    columns = parquet_prefetch.columns_to_read(copy, ENGINE_COLUMNS)
    parquet_prefetch.start(copy, ENGINE_COLUMNS)
    assert parquet_prefetch.take(copy, columns[:-1]) is None
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # written again since
    assert parquet_prefetch.take(copy, columns) is None


def test_a_failed_read_is_not_taken(log, tmp_path):
    path = tmp_path / "log.parquet"
    data = log[0].read_bytes()
    # the data pages spoilt, the footer (schema, row groups) intact: the read fails
    path.write_bytes(data[:4] + b"\xff" * (len(data) // 2) + data[4 + len(data) // 2:])
    columns = parquet_prefetch.columns_to_read(path, ENGINE_COLUMNS)
    with pytest.raises(pl.exceptions.PolarsError):
        pl.read_parquet(path, columns=columns)
    parquet_prefetch.start(path, ENGINE_COLUMNS)
    assert parquet_prefetch.take(path, columns) is None


def test_qms_check_takes_the_frame_it_started_reading(log, tmp_path, monkeypatch):
    path, library = log
    taken = []

    def take(*args):
        frame = parquet_prefetch.take(*args)
        taken.append(frame is not None)
        return frame

    import qms.ingest.log_input as log_input

    monkeypatch.setattr(log_input, "take", take)
    result = CliRunner().invoke(main, ["--lang", "en", "check", str(path), "--docs", str(library.root),
                                       "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert taken == [True] and parquet_prefetch._started == {}
    # the same outputs as a check that read the file itself
    write_outputs(run_check(path, library), tmp_path / "api")
    for name in ("dossiers.parquet", "findings.parquet"):
        assert_frame_equal(pl.read_parquet(tmp_path / "cli" / name), pl.read_parquet(tmp_path / "api" / name))


def test_a_parquet_file_that_ingest_maps_is_not_read_ahead(tmp_path):
    from qms.cli.check import _start_reading

    path = tmp_path / "export.parquet"
    pl.DataFrame({"case:concept:name": ["C1"], "concept:name": ["Receive"], "time:timestamp": ["2024-01-02"]}
                 ).write_parquet(path)
    _start_reading(str(path))
    assert parquet_prefetch._started == {}  # no frame held that nobody would take


def test_a_frame_read_ahead_for_a_file_ingest_reads_is_dropped(log, tmp_path):
    # canonical names, but instants in milliseconds (as pandas or Spark write them):
    # ingest reads the file, and the frame read ahead is not kept beside its work
    path, library = log
    millis = tmp_path / "millis.parquet"
    pl.read_parquet(path).with_columns(pl.col("at").dt.cast_time_unit("ms")).write_parquet(millis)
    from qms.cli.check import _start_reading

    _start_reading(str(millis))
    assert len(parquet_prefetch._started) == 1
    result = run_check(millis, library)
    assert result.summary.data_quality.rows_read == pl.read_parquet(path).height
    assert parquet_prefetch._started == {}
