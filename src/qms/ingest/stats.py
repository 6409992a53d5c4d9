"""`qms log stats`: what is in a log (dossiers, events, dates, procedures, units, channels)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..model.events import DOSSIER_FIELDS, EVENT_FIELDS, INDICATOR_FIELDS
from ..model.profile import LogProfile
from .api import IngestReport, Progress, _findings, _report, _session, resolve_profile
from .compressed import accepts_gzip


def _counts(frame: pl.LazyFrame, column: str, distinct_dossiers: bool) -> dict[str, int]:
    grouped = frame.group_by(column)
    agg = pl.col("dossier_id").n_unique() if distinct_dossiers else pl.len()
    rows = grouped.agg(agg.alias("n")).sort(["n", column], descending=[True, False], nulls_last=True).collect()
    return {("" if key is None else str(key)): int(n) for key, n in rows.iter_rows()}


def describe_events(events: pl.LazyFrame) -> dict:
    columns = events.collect_schema().names()
    totals = events.select(
        pl.col("dossier_id").n_unique().alias("dossiers"),
        pl.len().alias("events"),
        pl.col("at").min().alias("first_event_at"),
        pl.col("at").max().alias("last_event_at"),
    ).collect().row(0, named=True)
    out = {
        "dossiers": int(totals["dossiers"]),
        "events": int(totals["events"]),
        "first_event_at": totals["first_event_at"].isoformat() if totals["first_event_at"] else None,
        "last_event_at": totals["last_event_at"].isoformat() if totals["last_event_at"] else None,
        "procedures": _counts(events, "procedure_code", True),
        "units": _counts(events, "unit", False),
        "steps": _counts(events, "step", False),
    }
    # how many events carry each optional field (e.g. step_due_at: does the log record per-step due times?)
    optional = [name for name in (*DOSSIER_FIELDS, *INDICATOR_FIELDS, *EVENT_FIELDS, "officer") if name in columns]
    if optional:
        carrying = events.select(pl.col(name).is_not_null().sum().alias(name) for name in optional).collect()
        out["fields"] = {name: int(carrying[name][0]) for name in optional}
    if "channel" in columns:
        # a dossier's channel: its first non-empty value
        per_dossier = events.group_by("dossier_id").agg(pl.col("channel").drop_nulls().first())
        out["channels"] = _counts(per_dossier, "channel", True)
    return out


@accepts_gzip
def log_stats(
    path: str | Path, profile: str | Path | LogProfile | None = None, progress: Progress | None = None
) -> dict:
    """Counts and ranges of a log read through its profile (auto-detected if omitted)."""
    path = Path(path)
    chosen = resolve_profile(path, profile)
    with _session(path, chosen, progress) as session:
        accepted = session.accepted()
        described = describe_events(accepted) if session.counts.get(None, 0) else {"dossiers": 0, "events": 0}
        findings, checked = _findings(session, accepted, None)
        report: IngestReport = _report(session, findings, checked)
    return {**report.to_dict(), **described}
