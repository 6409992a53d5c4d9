"""The files of a check output folder a report reads: `summary.json` and the two
tables, each one file (`dossiers.parquet`) or, for a check in shards, one file per
shard (`dossiers/part-K.parquet`); see `qms.core.check_tables`."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.output_set import verify_set
from ..core.check_tables import table_files, table_names


def verified_outputs(check_dir: Path) -> tuple[str, ...]:
    """The names of the files read, refused unless they are one complete set."""
    outputs = ("summary.json", *table_names(check_dir))
    verify_set(check_dir, outputs)
    return outputs


def scan_table(check_dir: Path, stem: str, columns: tuple[str, ...]) -> pl.LazyFrame:
    files, path = table_files(check_dir, stem), check_dir / f"{stem}.parquet"
    if not files:
        raise QmsError(f"{path}: missing from the check output directory")
    try:
        frame = pl.scan_parquet(files, hive_partitioning=False)
        schema = frame.collect_schema()
    except Exception as error:  # polars raises several kinds for a damaged file
        raise QmsError(f"{path}: not a readable Parquet file ({error})") from None
    missing = [column for column in columns if column not in schema]
    if missing:
        raise QmsError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame
