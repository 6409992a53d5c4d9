"""CSV: detect encoding and delimiter, then scan lazily with every cell as text.

Polars reads UTF-8 only, so other encodings (UTF-16, cp1258 — the Vietnamese
Windows code page — and its cousins) are transcoded once, in chunks, to a staging
file. Cells stay text here; the profile decides what they mean.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.profile import LogProfile
from .source import ROW, RawSource

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 16 * 1024 * 1024


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # a multi-byte character cut by the end of the sample is still UTF-8
        if error.start >= len(sample) - 4 and len(sample) == SAMPLE_BYTES:
            return "utf-8"
    return "cp1258"


def looks_binary(sample: bytes, encoding: str) -> bool:
    if encoding == "utf-16":
        return False
    if b"\x00" in sample:
        return True
    # random bytes are ~9 % control characters; text has at most a stray few
    head = sample[:4096]
    control = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    return control > max(16, len(head) // 20)


def detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _transcode(path: Path, encoding: str, staging: Path) -> Path:
    """UTF-8 copy in composed form (NFC): cp1258 writes Vietnamese tone marks as
    combining characters, which would not match the profile's names and values."""
    target = staging / "source-utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""  # the tail of a chunk may be a letter whose combining mark comes next
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(_CHUNK):
                text = pending + decoder.decode(chunk)
                cut = len(text)
                while cut > 0 and unicodedata.combining(text[cut - 1]):
                    cut -= 1
                cut = max(cut - 1, 0)  # hold back the last letter with its marks
                out.write(unicodedata.normalize("NFC", text[:cut]))
                pending = text[cut:]
            out.write(unicodedata.normalize("NFC", pending + decoder.decode(b"", final=True)))
    except UnicodeDecodeError as error:
        raise QmsError(
            _("{path}: not valid {encoding} text at byte {offset}").format(
                path=path, encoding=encoding, offset=error.start
            )
        ) from None
    return target


def read_csv(path: Path, profile: LogProfile, staging: Path) -> RawSource:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip(b" \t\r\n\xef\xbb\xbf"):
        raise QmsError(_("{path}: the file is empty").format(path=path))
    encoding = profile.csv.encoding or detect_encoding(sample)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise QmsError(_("{path}: unknown encoding {encoding!r}").format(path=path, encoding=encoding)) from None
    if looks_binary(sample, encoding):
        raise QmsError(_("{path}: this is not a text (CSV) file").format(path=path))

    text_path = path
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        text_path = _transcode(path, encoding, staging)
        with text_path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    text = sample.decode("utf-8-sig", errors="replace")
    header_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = profile.csv.delimiter or detect_delimiter(header_line)
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
    header = [unicodedata.normalize("NFC", name.strip()) for name in header]
    _check_header(path, header)

    frame = pl.scan_csv(
        text_path,
        separator=delimiter,
        has_header=True,
        infer_schema=False,
        encoding="utf8",
        quote_char='"',
        row_index_name=ROW,
        row_index_offset=2,  # the header is line 1
        truncate_ragged_lines=False,
        raise_if_empty=False,
    )
    # header names as written (polars keeps surrounding spaces; profiles name them without)
    renames = {old: new for old, new in zip(frame.collect_schema().names()[1:], header) if old != new}
    frame = frame.rename(renames) if renames else frame
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    notes = [f"encoding {encoding}", f"delimiter {delimiter!r}"]
    return RawSource(path, "csv", frame, header, row_label="line", notes=notes, delimiter=delimiter)


def _check_header(path: Path, header: list[str]) -> None:
    if not header or all(not name for name in header):
        raise QmsError(_("{path}: no header line").format(path=path))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise QmsError(_("{path}:1: column {column!r} appears twice in the header").format(path=path, column=name))
        seen.add(name)


def first_ragged_line(path: Path, delimiter: str, encoding: str = "utf-8-sig") -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row with more fields than the header.

    Used only to explain a failure, so a per-row loop is fine here."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, [])
        for row in reader:
            if len(row) > len(header):
                return reader.line_num, len(row), len(header)
    return None
