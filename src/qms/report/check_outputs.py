"""The files of a check output folder a report reads, and what it checks of them.

`summary.json` and the two tables, each one file (`dossiers.parquet`) or, for a check in shards, one file per
shard (`dossiers/part-K.parquet`); see `qms.core.check_tables`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from ..core.errors import QmsError
from ..core.output_set import verify_set
from ..core.check_tables import table_files, table_names
from ..model.check_output import CheckSummary


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


def figures_sha256(summary: CheckSummary) -> str:
    """Hash of every figure in the summary and of the inputs' contents: independent of when
    anything was generated and of how (or where) the log's path was typed, so the same
    inputs give the same report id on any machine."""
    payload = summary.model_dump(mode="json")
    payload["manifest"].pop("generated_at", None)
    for item in payload["manifest"]["inputs"]:
        item.pop("path", None)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def consistency_warnings(summary: CheckSummary, dossiers: pl.LazyFrame, findings: pl.DataFrame,
                          directory: Path, gettext) -> list[str]:
    """The three files of one check must agree; say so loudly in the report when they do not."""
    warnings = []
    counted = dict(dossiers.group_by("status").len().collect().iter_rows())
    expected = {status.value if hasattr(status, "value") else status: count
                for status, count in summary.status_counts.items()}
    if sum(counted.values()) != summary.totals.received_total or any(
            counted.get(key, 0) != count for key, count in expected.items()):
        warnings.append(gettext("dossiers.parquet does not match summary.json (dossier counts differ): {path}")
                        .format(path=directory))
    if findings.height != summary.findings.total:
        warnings.append(gettext("findings.parquet does not match summary.json (finding counts differ): {path}")
                        .format(path=directory))
    return warnings
