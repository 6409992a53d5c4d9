"""Cheap looks at a file's column names, to pick a profile when none is given."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from ..core.input_file import check_regular_file
from .csv_reader import SAMPLE_BYTES, detect_delimiter, detect_encoding
from .schema import REQUIRED_FIELDS, UTC_INSTANT, dtype_of
from .source import detect_format
from .json_limits import check_jsonl_limits
from .limits import reader_limits
from .xes_reader import refuse_dtd
from .xlsx_limits import check_xlsx_limits


def probe_columns(path: Path) -> list[str]:
    # a hostile file gets its clear refusal here, not a vague "unknown columns" (and
    # nothing below opens a FIFO or hands calamine a lying workbook)
    check_regular_file(path)
    if path.stat().st_size:
        kind = detect_format(path)
        if kind == "xes":
            refuse_dtd(path)
        elif kind == "xlsx":
            check_xlsx_limits(path, reader_limits())
        elif kind == "jsonl":
            check_jsonl_limits(path, reader_limits())
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

            sheet = fastexcel.read_excel(str(path)).load_sheet(0, n_rows=1, dtypes="string")
            available = sheet.available_columns
            return [str(c.name).strip() for c in (available() if callable(available) else available)]
        if kind == "xes":
            return _xes_keys(path)
    except Exception:  # a probe only; the real read reports the problem properly
        return []
    return []


def _xes_keys(path: Path) -> list[str]:
    """Column names of the first event (trace attributes prefixed `case:`)."""
    from lxml import etree

    trace: list[str] = []
    for _action, element in etree.iterparse(
        str(path), events=("end",), resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    ):
        tag = etree.QName(element.tag).localname if isinstance(element.tag, str) else ""
        parent = element.getparent()
        parent_tag = etree.QName(parent.tag).localname if parent is not None else ""
        if parent_tag == "trace" and tag != "event" and element.get("key"):
            trace.append("case:" + element.get("key"))
        if tag == "event":
            return trace + [child.get("key") for child in element if child.get("key")]
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
