"""A Parquet file read on a thread while the process does other work, and taken
later by the code that reads it.

`qms check LOG.parquet` imports about 0.3 s of qms's modules (pydantic models, the
engine, the readers) after polars, then reads the log (0.5 s on two cores at 5 M
events). The read needs none of those modules: started first, on a thread (polars
releases the GIL while it reads), it runs while they load. The reader takes the
frame only for the same file, unchanged since (size and modification time), and
the same columns; else it reads as usual. A read that failed is not taken either:
the reader's own read then reports the problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
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
    pool = ThreadPoolExecutor(1, thread_name_prefix="qms-prefetch")
    _started[_key(path, columns)] = pool.submit(pl.read_parquet, path, columns=columns)
    pool.shutdown(wait=False)  # the thread ends with its one read


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

