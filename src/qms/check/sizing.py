"""How big a log is, and whether one process can check it: the decision `qms check`
makes before reading (one process, or shards in worker processes).

Light on purpose (polars and the standard library): the command line decides before
it loads the rest of qms, to start reading a log one process will check
(`qms.core.parquet_prefetch`)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import polars as pl

# Peak memory of the check per event (measured: 3.2-3.4 GB for 9.0 M events, about
# 380 bytes each, since the process keeps freed memory a minute; rounded up) and a
# canonical CSV's bytes per event, for sizing without reading the log.
BYTES_PER_EVENT = 400
CSV_BYTES_PER_EVENT = 110


def available_memory() -> int:
    """Bytes the kernel says can be used without swapping (MemAvailable)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def estimated_events(path: Path) -> int:
    """Events in a log, from Parquet metadata or, for text, from its size."""
    if path.suffix.lower() in (".parquet", ".pq"):
        # polars counts from the metadata too (importing pyarrow.parquet for it took 0.1 s)
        try:
            return pl.scan_parquet(path).select(pl.len()).collect().item()
        except Exception:  # not readable here: the reader will say why
            return 0
    return path.stat().st_size // CSV_BYTES_PER_EVENT


def choose_partitions(path: str | Path, workers: int, memory: int | None = None) -> int:
    """1 (one process) when the check of the whole log needs at most half the
    available memory; else enough shards for `workers` of them to fit at once."""
    need = estimated_events(Path(path)) * BYTES_PER_EVENT
    memory = available_memory() if memory is None else memory
    if need <= memory // 2:
        return 1
    per_shard = memory // (2 * max(1, workers))
    return max(workers, math.ceil(need / per_shard))
