"""Cheap looks at a file's column names, to pick a profile when none is given."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from .csv_reader import SAMPLE_BYTES, detect_delimiter, detect_encoding
from .schema import REQUIRED_FIELDS, UTC_INSTANT, dtype_of
from .source import detect_format


def probe_columns(path: Path) -> list[str]:
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return []
        kind = detect_format(path)
        if kind == "csv":
            with path.open("rb") as handle:
                sample = handle.read(SAMPLE_BYTES)
            text = sample.decode(detect_encoding(sample), errors="replace").lstrip("\ufeff")
            first = text.splitlines()[0] if text.splitlines() else ""
            return [c.strip() for c in next(csv.reader(io.StringIO(first), delimiter=detect_delimiter(first)), [])]
        if kind == "parquet":
            return pl.read_parquet_schema(path).names() if hasattr(pl, "read_parquet_schema") else pl.scan_parquet(path).collect_schema().names()
        if kind == "jsonl":
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                for line in handle:
                    if line.strip():
                        value = json.loads(line)
                        return list(value) if isinstance(value, dict) else []
            return []
        if kind == "xlsx":
            import fastexcel

            sheet = fastexcel.read_excel(str(path)).load_sheet(0, n_rows=1)
            return [str(c).strip() for c in sheet.column_names]
    except Exception:  # a probe only; the real read reports the problem properly
        return []
    return []


def is_canonical_parquet(path: Path) -> bool:
    try:
        schema = pl.scan_parquet(path).collect_schema()
    except Exception:
        return False
    for name in REQUIRED_FIELDS:
        if name not in schema or schema[name] != dtype_of(name):
            return False
    return schema["at"] == UTC_INSTANT
