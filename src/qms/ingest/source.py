"""What every reader hands over: the source's own columns, untouched, plus the row
number a person would use to find the row in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROW = "__row"  # internal: row number in the file being read (see `row_label`)


@dataclass
class RawSource:
    path: Path
    format: str  # csv, xlsx, jsonl, parquet, xes
    frame: pl.LazyFrame  # source columns (names as in the file) + ROW (Int64)
    columns: list[str]  # the source columns, in file order
    row_label: str = "line"  # what ROW counts: "line", "row", "record"
    notes: list[str] = field(default_factory=list)  # e.g. detected delimiter and encoding
    delimiter: str | None = None
    invalid_utf8: bool = False  # text cells hold U+FFFD where the file had invalid bytes

    def schema(self) -> dict[str, pl.DataType]:
        return dict(self.frame.collect_schema())


FORMATS = ("csv", "xlsx", "jsonl", "parquet", "xes")
_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
    ".xes": "xes", ".xml": "xes",
}


def detect_format(path: Path) -> str:
    """By content where the first bytes are unambiguous, else by file name."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    with path.open("rb") as handle:
        sample = handle.read(4096)
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xes"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"
