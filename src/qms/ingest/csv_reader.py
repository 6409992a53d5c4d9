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
from ..model.limits import DEFAULT_LIMITS, ReaderLimits
from ..model.profile import LogProfile
from .source import ROW, RawSource

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 16 * 1024 * 1024


def detect_encoding(sample: bytes) -> str:
    """The file's encoding from its first bytes. A UTF-8 file with a few invalid
    bytes stays UTF-8 (its damaged rows are rejected one by one); only text whose
    non-ASCII bytes are mostly not UTF-8 is read as cp1258."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - sample.count("\ufffd".encode())
    if invalid <= 0:
        return "utf-8"
    if len(sample) == SAMPLE_BYTES and invalid <= 3 and text[-3:].count("\ufffd") == invalid:
        return "utf-8"  # a multi-byte character cut by the end of the sample
    letters = sum(1 for char in text if ord(char) > 127 and char != "\ufffd")
    return "utf-8" if letters >= invalid else "cp1258"


def has_invalid_utf8(path: Path) -> bool:
    """Whether any byte of the file is not UTF-8 (one streaming pass, C speed)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return True
    return False


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


def _header_bytes(path: Path, limits: ReaderLimits) -> bytes:
    """The whole first line (a wide header can be far longer than the sample)."""
    with path.open("rb") as handle:
        line = handle.readline(limits.max_line_bytes + 1)
    if len(line) > limits.max_line_bytes:
        raise QmsError(
            _("{path}:{line}: the line is longer than {limit} bytes (limits.max_line_bytes)").format(
                path=path, line=1, limit=limits.max_line_bytes)
        )
    return line


def read_csv(path: Path, profile: LogProfile, staging: Path, limits: ReaderLimits | None = None) -> RawSource:
    limits = limits or DEFAULT_LIMITS
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
    invalid_utf8 = False
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        text_path = _transcode(path, encoding, staging)
    else:
        invalid_utf8 = has_invalid_utf8(path)
    header_line = _header_bytes(text_path, limits).decode("utf-8-sig", errors="replace").rstrip("\r\n")
    delimiter = profile.csv.delimiter or detect_delimiter(header_line)
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
    header = [unicodedata.normalize("NFC", name.strip()) for name in header]
    _check_header(path, header, limits)

    frame = pl.scan_csv(
        text_path,
        separator=delimiter,
        has_header=True,
        infer_schema=False,
        encoding="utf8-lossy" if invalid_utf8 else "utf8",
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
    if invalid_utf8:
        notes.append("rows with bytes that are not UTF-8 rejected as invalid_utf8")
    return RawSource(path, "csv", frame, header, row_label="line", notes=notes, delimiter=delimiter,
                     invalid_utf8=invalid_utf8)


def _check_header(path: Path, header: list[str], limits: ReaderLimits) -> None:
    if not header or all(not name for name in header):
        raise QmsError(_("{path}: no header line").format(path=path))
    if len(header) > limits.max_columns:
        raise QmsError(
            _("{path}:1: the header has {count} columns, more than the limit of {limit} (limits.max_columns)").format(
                path=path, count=len(header), limit=limits.max_columns)
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise QmsError(_("{path}:1: column {column!r} appears twice in the header").format(path=path, column=name))
        seen.add(name)


def first_ragged_line(path: Path, delimiter: str, encoding: str = "utf-8-sig",
                      limit: int = DEFAULT_LIMITS.max_line_bytes) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row with more fields than the header.

    Used only to explain a failure, so a per-row loop is fine here."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))  # polars read the file: its fields fit the line limit
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader, [])
            for row in reader:
                if len(row) > len(header):
                    return reader.line_num, len(row), len(header)
    except csv.Error:
        return None  # the caller's own message stands
    finally:
        csv.field_size_limit(previous)
    return None
