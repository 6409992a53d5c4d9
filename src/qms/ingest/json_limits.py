"""JSON Lines measured before polars or `json` parse it: the longest record and the
deepest nesting. polars and the standard `json` module recurse per nesting level,
so a record 200,000 brackets deep would end in a RecursionError, not a message."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..core.errors import QmsError
from ..core.i18n import _
from ..model.limits import ReaderLimits
from .limits import once_per_file_version

_CHUNK = 16 * 1024 * 1024
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def nesting_depth(record: bytes) -> int:
    """Deepest [ or { nesting of one JSON text (strings left out)."""
    bare = np.frombuffer(_STRING.sub(b'""', record), dtype=np.uint8)
    steps = ((bare == ord("[")) | (bare == ord("{"))).astype(np.int64) - ((bare == ord("]")) | (bare == ord("}")))
    return int(np.cumsum(steps).max()) if steps.size else 0


@once_per_file_version
def check_jsonl_limits(path: Path, limits: ReaderLimits) -> None:
    line = 0
    pending = b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            records = (pending + chunk).split(b"\n")
            pending = records.pop() if chunk else b""
            for record in records:
                line += 1
                _check_record(path, line, record, limits)
            if len(pending) > limits.max_line_bytes:
                raise _too_long(path, line + 1, limits)
            if not chunk:
                break


def _check_record(path: Path, line: int, record: bytes, limits: ReaderLimits) -> None:
    if len(record) > limits.max_line_bytes:
        raise _too_long(path, line, limits)
    if record.count(b"[") + record.count(b"{") > limits.jsonl_max_depth and nesting_depth(record) > limits.jsonl_max_depth:
        raise QmsError(
            _("{path}:{line}: the record is nested deeper than {limit} levels (limits.jsonl_max_depth)").format(
                path=path, line=line, limit=limits.jsonl_max_depth)
        )


def _too_long(path: Path, line: int, limits: ReaderLimits) -> QmsError:
    return QmsError(
        _("{path}:{line}: the line is longer than {limit} bytes (limits.max_line_bytes)").format(
            path=path, line=line, limit=limits.max_line_bytes)
    )
