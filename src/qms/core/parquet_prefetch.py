"""A Parquet file read on a thread while the process does other work, and taken
later by the code that reads it.

`qms check LOG.parquet` imports about 0.3 s of qms's modules (pydantic models, the
engine, the readers) after polars, then reads the log (0.5 s on two cores at 5 M
events). The read needs none of those modules: started first, on a thread (polars
releases the GIL while it reads), it runs while they load. The reader takes the
frame only for the same file, unchanged since (size and modification time), and
the same columns; else it reads as usual, and drops a frame it does not use
(`discard`). A read that failed is not taken either: the reader's own read then
reports the problem. The read runs on a daemon thread, so that a command stopping
early (an error, Ctrl-C) does not wait for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path

import polars as pl

_started: dict[tuple, Future] = {}


def columns_to_read(path: str | Path, wanted: Iterable[str] | None) -> list[str]:
    """The file's columns that are `wanted` (all when None), in the file's order."""
    names = pl.scan_parquet(path).collect_schema().names()
    wanted = None if wanted is None else set(wanted)
    return [name for name in names if wanted is None or name in wanted]


def _key(path: str | Path, columns: list[str]) -> tuple:
    stat = Path(path).stat()
    return str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, tuple(columns)


def start(path: str | Path, wanted: Iterable[str] | None) -> None:
    """Start reading the `wanted` columns of `path` on a thread."""
    columns = columns_to_read(path, wanted)
    future: Future = Future()

    def read() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(pl.read_parquet(path, columns=columns))
            except BaseException as error:  # handed to `take`, which reads again and reports
                future.set_exception(error)

    _started[_key(path, columns)] = future
    threading.Thread(target=read, name="qms-prefetch", daemon=True).start()


def take(path: str | Path, columns: list[str]) -> pl.DataFrame | None:
    """The frame read by `start` for these columns of this file (unchanged since),
    once; None if there is none."""
    future = _started.pop(_key(path, columns), None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception:  # the caller reads the file itself and reports what is wrong
        return None



def discard(path: str | Path) -> None:
    """Drop what was started for `path` without waiting: a reader that does not use
    it (the file is not canonical after all) must not hold a second copy."""
    resolved = str(Path(path).resolve())
    for key in [key for key in _started if key[0] == resolved]:
        del _started[key]
