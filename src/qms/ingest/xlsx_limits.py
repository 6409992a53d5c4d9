"""An XLSX workbook measured before calamine or openpyxl allocate anything.

calamine builds a dense grid from the largest row and column it meets, and trusts
the declared shared-string count, so a 5 KB file with one cell at XFD1048576 would
ask for terabytes. Here the zip's central directory, the shared-string header and
the cell references of every sheet are read as a stream (never a whole part in
memory), against the reader limits. The uncompressed bytes are counted as they
come, so a part that lies about its size is caught too.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.limits import ReaderLimits
from .limits import once_per_file_version

_CHUNK = 16 * 1024 * 1024  # zipfile's per-read overhead dominates below a few MiB
_OVERLAP = 64  # a tag cut by a chunk boundary is seen whole in the next look
_RATIO_FLOOR = 8 * 1024 * 1024  # small parts may compress as well as they like
_ROW = re.compile(rb'<row r="(\d+)"')  # a literal start: fast to find
_PREFIXED_ROW = re.compile(rb'<\w+:row r="(\d+)"')  # rare namespace-prefixed sheets
_COUNT = re.compile(rb'\b(uniqueCount|count)="(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


@once_per_file_version
def check_xlsx_limits(path: Path, limits: ReaderLimits) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise QmsError(_("{path}: not a readable XLSX workbook ({error})").format(path=path, error=error)) from None
    with archive:
        parts = archive.infolist()
        declared = sum(part.file_size for part in parts)
        if declared > limits.xlsx_max_uncompressed_bytes:
            raise _too_big(path, declared, limits)
        budget = [limits.xlsx_max_uncompressed_bytes]
        for part in parts:
            name = part.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(path, archive, part, limits, budget)
            elif name == "xl/sharedStrings.xml":
                _check_shared_strings(path, archive, part, limits, budget)


def _too_big(path: Path, size: int, limits: ReaderLimits) -> QmsError:
    return QmsError(
        _("{path}: the workbook unpacks to more than {limit} bytes ({size} or more); "
          "raise limits.xlsx_max_uncompressed_bytes in qms.yaml if it is genuine").format(
            path=path, limit=limits.xlsx_max_uncompressed_bytes, size=size)
    )


def _stream(path: Path, archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: list[int], limits: ReaderLimits):
    """The part's bytes in chunks, each with the tail of the previous one in front."""
    tail = b""
    unpacked = 0
    try:
        with archive.open(part) as handle:
            while chunk := handle.read(_CHUNK):
                budget[0] -= len(chunk)
                unpacked += len(chunk)
                if budget[0] < 0:
                    raise _too_big(path, limits.xlsx_max_uncompressed_bytes - budget[0], limits)
                if unpacked > _RATIO_FLOOR and unpacked > limits.xlsx_max_compression_ratio * max(part.compress_size, 1):
                    raise QmsError(
                        _("{path}: part {part} unpacks to more than {ratio} times its packed size, as a zip bomb "
                          "does (limits.xlsx_max_compression_ratio)").format(
                            path=path, part=part.filename, ratio=limits.xlsx_max_compression_ratio)
                    )
                yield tail + chunk
                tail = chunk[-_OVERLAP:]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise QmsError(
            _("{path}: part {part} of the workbook is damaged ({error})").format(path=path, part=part.filename, error=error)
        ) from None


def _check_shared_strings(path, archive, part, limits, budget) -> None:
    for chunk in _stream(path, archive, part, budget, limits):
        head = chunk[: chunk.find(b">", chunk.find(b"<sst")) + 1] if b"<sst" in chunk else b""
        for _name, value in _COUNT.findall(head):
            if int(value) > limits.xlsx_max_shared_strings:
                raise QmsError(
                    _("{path}: the workbook declares {count} shared texts, more than the limit of {limit} "
                      "(limits.xlsx_max_shared_strings)").format(
                        path=path, count=int(value), limit=limits.xlsx_max_shared_strings)
                )
        if b"<sst" in chunk:
            # the rest is bounded by the size budget; no need to read it here
            return


def _check_sheet(path, archive, part, limits, budget) -> None:
    """Largest row and column any cell names; rows x columns is the grid calamine builds.

    Rows come from the `<row r="N">` tags (one per row); a cell is matched one by one
    only when its reference is longer than anything seen so far (more column letters,
    more row digits), so an ordinary sheet costs two quick regular-expression passes.
    A cell with as many row digits as the largest row but a larger number goes
    unseen: the grid is then at most ten times the estimate, still bounded."""
    max_row, letters, max_column = 1, 1, 26
    for chunk in _stream(path, archive, part, budget, limits):
        rows = _ROW.findall(chunk) or _PREFIXED_ROW.findall(chunk)
        if rows:
            max_row = max(max_row, max(map(int, rows)))
        digits = len(str(max_row)) + 1
        # one pass for "any reference longer than seen so far"; the details only then
        if re.search(rb'r="(?:[A-Z]{%d}|[A-Z]+\d{%d})' % (letters + 1, digits), chunk):
            longer = re.findall(rb'r="[A-Z]+(\d{%d,})"' % digits, chunk)
            if longer:
                max_row = max(max_row, max(map(int, longer)))
            while re.search(rb'r="[A-Z]{%d}' % (letters + 1), chunk):
                letters += 1
        if letters > 1:
            wide = re.findall(rb'r="([A-Z]{%d,})\d' % letters, chunk)
            if wide:
                max_column = max(max_column, max(map(_column_number, wide)))
        if max_column > limits.max_columns or max_row * max_column > limits.xlsx_max_cells:
            raise QmsError(
                _("{path}: sheet part {part} has cells up to row {row}, column {column}: a grid of "
                  "{cells} cells, more than the limit of {limit} (limits.xlsx_max_cells, limits.max_columns)").format(
                    path=path, part=part.filename, row=max_row, column=max_column, cells=max_row * max_column,
                    limit=limits.xlsx_max_cells)
            )
