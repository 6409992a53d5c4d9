"""Where a check's output folder keeps its two tables, dossiers and findings.

A check in one process writes `dossiers.parquet` and `findings.parquet`; a check in
shards (`qms check --partitions N`, `--engine dask`) writes one file per shard,
`dossiers/part-K.parquet` and `findings/part-K.parquet`. Every reader of a check
folder (reports, NCs raised from a check, the check-run register, reconciliation)
finds a table here, so that both layouts read alike.
"""

from __future__ import annotations

from pathlib import Path

from .errors import QmsError
from .i18n import _

TABLES = ("dossiers", "findings")

# How both layouts write a table: zstd at its fastest level. Polars' default level
# (3) took 0.44 s for 1 M dossiers against 0.36 s at level 1, whose file is 14 % larger.
PARQUET_WRITE = {"compression": "zstd", "compression_level": 1}


def table_files(folder: str | Path, stem: str) -> list[Path]:
    """The Parquet file(s) of table `stem`: the one-process file, else the shards'
    files in shard order; [] when the folder has neither."""
    folder = Path(folder)
    single = folder / f"{stem}.parquet"
    if single.is_file():
        return [single]
    parts = folder / stem
    return sorted(parts.glob("*.parquet")) if parts.is_dir() else []


def table_names(folder: str | Path) -> list[str]:
    """The tables' files as names relative to `folder` (`dossiers.parquet` or
    `dossiers/part-00000.parquet`, …), for hashing and output sets."""
    folder = Path(folder)
    return [path.relative_to(folder).as_posix() for stem in TABLES for path in table_files(folder, stem)]


def scan_table(folder: str | Path, stem: str, required: bool = True):
    """Table `stem` of a check folder as one polars LazyFrame (None when it is not
    there and not `required`)."""
    import polars as pl  # imported when used: commands that read no table start fast

    files = table_files(folder, stem)
    if not files:
        if not required:
            return None
        raise QmsError(_("{folder} has no {stem}.parquet or {stem}.csv: is it the output folder of `qms check`?").format(
            folder=folder, stem=stem))
    try:
        frame = pl.scan_parquet(files, hive_partitioning=False)
        frame.collect_schema()
    except Exception as error:  # polars raises several kinds for a damaged file
        raise QmsError(_("Cannot read {path}: {reason}").format(path=files[0].parent if len(files) > 1 else files[0],
                                                                reason=error)) from None
    return frame
