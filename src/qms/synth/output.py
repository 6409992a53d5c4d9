"""Writing a generated log and its truth: CSV, Parquet, JSON Lines, XLSX; all
byte-for-byte reproducible (no write times inside the files)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import polars as pl

from ..core.atomic import atomic_target, write_text
from ..core.errors import QmsError
from ..core.i18n import _, get_language
from ..core.formatting import Formatter

FORMATS = ("csv", "parquet", "xlsx", "jsonl")
XLSX_MAX_ROWS = 1_048_575  # one sheet: 1,048,576 rows less the header
# ISO 8601 in UTC with a Z: what the canonical profile reads, and what people expect.
CSV_DATETIME = "%Y-%m-%dT%H:%M:%SZ"
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def format_of(path: Path, chosen: str | None) -> str:
    if chosen:
        return chosen
    suffix = path.suffix.lower().lstrip(".")
    aliases = {"pq": "parquet", "ndjson": "jsonl", "json": "jsonl"}
    suffix = aliases.get(suffix, suffix)
    if suffix not in FORMATS:
        raise QmsError(_("{path}: cannot tell the format from the extension; use --format ({formats})").format(
            path=path, formats=", ".join(FORMATS)))
    return suffix


def check_writable(frame_height: int, fmt: str) -> None:
    if fmt == "xlsx" and frame_height > XLSX_MAX_ROWS:
        count = Formatter(get_language()).integer
        raise QmsError(_(
            "{rows} events do not fit in one XLSX sheet (at most {limit} rows); "
            "write CSV or Parquet instead, or generate fewer dossiers"
        ).format(rows=count(frame_height), limit=count(XLSX_MAX_ROWS)))


def write_events(events: pl.DataFrame, path: Path, fmt: str) -> None:
    check_writable(events.height, fmt)
    with atomic_target(path) as partial:
        if fmt == "csv":
            events.write_csv(partial, datetime_format=CSV_DATETIME)
        elif fmt == "parquet":
            events.write_parquet(partial, compression="zstd", statistics=True)
        elif fmt == "jsonl":
            _as_text_instants(events).write_ndjson(partial)
        elif fmt == "xlsx":
            _write_xlsx(_as_text_instants(events), partial)
        else:  # pragma: no cover - format_of refuses others
            raise QmsError(fmt)


CHUNK_EVENTS = 2_000_000  # larger logs are built and written this many events at a time


def write_event_columns(columns, path: Path, fmt: str, chunk_events: int = CHUNK_EVENTS) -> None:
    """A generated log written chunk by chunk, so that memory holds one chunk of
    texts, not the whole table. A log of at most one chunk is written as one table,
    exactly as `write_events` writes it (same bytes as before chunking existed)."""
    if columns.height <= chunk_events or fmt == "xlsx":
        write_events(columns.frame(), path, fmt)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        writer = None
        try:
            for chunk in columns.chunks(chunk_events):
                table = chunk.to_arrow()
                writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        return
    with path.open("wb") as handle:
        for index, chunk in enumerate(columns.chunks(chunk_events)):
            if fmt == "csv":
                chunk.write_csv(handle, datetime_format=CSV_DATETIME, include_header=index == 0)
            elif fmt == "jsonl":
                _as_text_instants(chunk).write_ndjson(handle)
            else:  # pragma: no cover - format_of refuses others
                raise QmsError(fmt)


def write_event_dataset(columns, out: Path, partitions: int, chunk_events: int = CHUNK_EVENTS) -> list[dict]:
    """A generated log written straight into a partitioned dataset (the layout of
    `qms log partition`), chunk by chunk. Returns the parts with rows and SHA-256."""
    from ..ingest.partition import PartWriters, check_dataset_target, describe_parts

    check_dataset_target(out, partitions)
    writers = None
    try:
        for chunk in columns.chunks(chunk_events):
            table = chunk.to_arrow()
            writers = writers or PartWriters(out, partitions, table.schema)
            writers.write(table)
    finally:
        if writers is not None:
            writers.close()
    return describe_parts(out, partitions, writers.counts)


def _as_text_instants(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(name).dt.strftime(CSV_DATETIME) for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)
    )


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    import datetime as dt

    workbook = Workbook(write_only=True)
    fixed = dt.datetime(2000, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "qms generate"
    sheet = workbook.create_sheet("events")
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    _rezip_with_fixed_times(buffer.getvalue(), path)


def _rezip_with_fixed_times(data: bytes, path: Path) -> None:
    """openpyxl stamps every zip member and docProps/core.xml with the time of
    writing; rewrite the archive with a fixed time so that equal logs give equal files."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = _fixed_core_times(content)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, content)


def _fixed_core_times(content: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)


def truth_meta_path(truth_path: Path) -> Path:
    return truth_path.with_name(truth_path.stem + ".meta.json")


def write_truth(truth: pl.DataFrame, meta: dict, path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv"):
        raise QmsError(_("{path}: the truth file must end in .csv or .parquet").format(path=path))
    with atomic_target(path) as partial:
        if suffix == ".csv":
            truth.write_csv(partial)
        else:
            truth.write_parquet(partial, compression="zstd")
    meta_path = truth_meta_path(path)
    write_text(meta_path, json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return meta_path


def read_truth(path: str | Path) -> tuple[pl.DataFrame, dict]:
    """The truth table and its sidecar, as written by `write_truth`."""
    path = Path(path)
    truth = pl.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pl.read_csv(
        path, schema={c: pl.String for c in ("dossier_id", "rule", "defect", "procedure_code", "step")})
    meta = json.loads(truth_meta_path(path).read_text(encoding="utf-8"))
    return truth, meta
