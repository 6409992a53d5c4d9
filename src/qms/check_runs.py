"""The check runs of a workspace: each `qms check --out DIR` made inside a workspace
is registered with its outputs folder, period, as-of and the hashes of its inputs,
so the web workspace can list them and open their results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from .core.errors import QmsError
from .core.hashing import file_sha256
from .core.i18n import _
from .db import Database
from .db.tables import CheckRun


class CheckRunRecord(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    out_dir: str
    period_from: dt.date | None
    period_to: dt.date | None
    as_of: dt.datetime
    timezone: str
    inputs: list[dict]
    summary_sha256: str
    dossiers: int
    findings: int
    registered_at: dt.datetime

    @property
    def folder(self) -> Path:
        return Path(self.out_dir)


def register_check_run(db: Database, out_dir: str | Path) -> CheckRunRecord:
    """Record the check whose outputs are in `out_dir` (reads its summary.json)."""
    folder = Path(out_dir).resolve()
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        manifest = summary["manifest"]
        row = CheckRun(
            out_dir=str(folder),
            period_from=dt.date.fromisoformat(manifest["period_from"]) if manifest.get("period_from") else None,
            period_to=dt.date.fromisoformat(manifest["period_to"]) if manifest.get("period_to") else None,
            as_of=dt.datetime.fromisoformat(manifest["as_of"]),
            timezone=manifest["timezone"],
            inputs=[{"path": item["path"], "sha256": item["sha256"], "bytes": item.get("bytes")}
                    for item in manifest["inputs"]],
            summary_sha256=file_sha256(summary_path),
            dossiers=int(summary["totals"]["received_total"]),
            findings=int(summary["findings"]["total"]),
            registered_at=dt.datetime.now(dt.timezone.utc),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise QmsError(_("{path} is not the summary of a check: {reason}").format(
            path=summary_path, reason=error)) from None
    with db.writing() as session:
        session.add(row)
        session.flush()
        return CheckRunRecord.model_validate(row)


def list_check_runs(db: Database, *, limit: int = 200) -> list[CheckRunRecord]:
    """Newest first."""
    with db.reading() as session:
        rows = session.scalars(select(CheckRun).order_by(CheckRun.id.desc()).limit(limit))
        return [CheckRunRecord.model_validate(row) for row in rows]


def get_check_run(db: Database, run_id: int) -> CheckRunRecord | None:
    with db.reading() as session:
        row = session.get(CheckRun, run_id)
        return CheckRunRecord.model_validate(row) if row is not None else None


def runs_by_summary(db: Database, summaries: set[str]) -> dict[str, int]:
    """SHA-256 of a summary.json -> the check run registered with it (the first, when
    one output folder was registered twice)."""
    if not summaries:
        return {}
    with db.reading() as session:
        rows = session.execute(select(CheckRun.summary_sha256, func.min(CheckRun.id))
                               .where(CheckRun.summary_sha256.in_(sorted(summaries)))
                               .group_by(CheckRun.summary_sha256))
        return {summary: run_id for summary, run_id in rows}


def count_check_runs(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(CheckRun)) or 0


def read_summary(run: CheckRunRecord):
    """The run's summary.json as the check wrote it."""
    from .model.check_output import CheckSummary

    path = run.folder / "summary.json"
    try:
        return CheckSummary.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QmsError(_("Cannot read {path}: {reason}").format(path=path, reason=error)) from None


def _table(run: CheckRunRecord, stem: str):
    from .core.check_tables import scan_table

    return scan_table(run.folder, stem)  # one file, or a check in shards' one file per shard


def findings_of_rule(run: CheckRunRecord, rule: str, *, offset: int = 0, limit: int = 100) -> tuple[int, list[dict]]:
    """(how many, one page of) the findings of one rule: the dashboard's drill-down."""
    import polars as pl

    selected = _table(run, "findings").filter(pl.col("rule") == rule)
    total = selected.select(pl.len()).collect().item()
    rows = selected.sort("dossier_id").slice(offset, limit).collect().to_dicts()
    return total, rows


def dossier_record(run: CheckRunRecord, dossier_id: str) -> tuple[dict | None, list[dict]]:
    """One dossier's row of dossiers.parquet and its findings."""
    import polars as pl

    def of_the_dossier(table):
        # compared as stored when it is text, so that Parquet statistics skip row groups
        # (a cast would read every dossier id: ~70 ms at 1.67 M dossiers instead of ~10)
        text = table.collect_schema()["dossier_id"] == pl.Utf8
        column = pl.col("dossier_id") if text else pl.col("dossier_id").cast(pl.Utf8)
        return table.filter(column == dossier_id).collect()

    dossier = of_the_dossier(_table(run, "dossiers"))
    findings = of_the_dossier(_table(run, "findings"))
    return (dossier.to_dicts()[0] if dossier.height else None), findings.to_dicts()
