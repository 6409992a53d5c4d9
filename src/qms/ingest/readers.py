"""Open a log file of any supported format as a `RawSource`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from ..core.input_file import check_regular_file
from ..model.limits import ReaderLimits
from ..model.profile import LogProfile
from .csv_reader import read_csv
from .json_lines import first_bad_json_line
from .json_limits import check_jsonl_limits
from .limits import reader_limits
from .xlsx_limits import check_xlsx_limits
from .source import ROW, RawSource, detect_format
from .xes_reader import read_xes
from .xlsx_reader import read_xlsx


def open_source(path: Path, profile: LogProfile, staging: Path, limits: ReaderLimits | None = None) -> RawSource:
    path = Path(path)
    limits = limits or reader_limits()
    check_regular_file(path)
    if path.stat().st_size == 0:
        raise QmsError(_("{path}: the file is empty").format(path=path))
    kind = profile.format if profile.format != "auto" else detect_format(path)
    if kind == "binary":
        raise QmsError(
            _("{path}: binary content, not a log in a supported format (CSV, XLSX, JSON Lines, Parquet, XES)").format(path=path)
        )
    if kind == "csv":
        return read_csv(path, profile, staging, limits)
    if kind == "xlsx":
        check_xlsx_limits(path, limits)
        return read_xlsx(path, profile, staging)
    if kind == "xes":
        return read_xes(path, staging)
    if kind == "parquet":
        return _read_parquet(path)
    if kind == "jsonl":
        check_jsonl_limits(path, limits)
        return _read_jsonl(path)
    raise QmsError(_("{path}: unsupported format {format}").format(path=path, format=kind))


def _read_parquet(path: Path) -> RawSource:
    try:
        frame = pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)
        names = frame.collect_schema().names()
    except Exception as error:  # polars/arrow raise several types for corrupt files
        raise QmsError(_("{path}: not a readable Parquet file ({error})").format(path=path, error=_first_line(error))) from None
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    return RawSource(path, "parquet", frame, [n for n in names if n != ROW], row_label="record")


def _read_jsonl(path: Path) -> RawSource:
    try:
        frame = pl.scan_ndjson(path, infer_schema_length=10_000, row_index_name=ROW, row_index_offset=1)
        names = frame.collect_schema().names()
    except Exception as error:
        bad = first_bad_json_line(path)
        if bad:
            raise QmsError(_("{path}:{line}: not valid JSON: {error}").format(path=path, line=bad[0], error=bad[1])) from None
        raise QmsError(
            _("{path}: not readable as JSON Lines ({error})").format(path=path, error=_first_line(error))
        ) from None
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    # blank lines are skipped, so the row number counts records
    return RawSource(path, "jsonl", frame, [n for n in names if n != ROW], row_label="record")


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:300] if lines else type(error).__name__
