"""Form 06 counts (Circular 01/2020/TT-VPCP) and indicators from the dossiers and
findings tables, and the merge of summaries of separately checked partitions.

Every count is a sum of per-dossier contributions, so summaries of disjoint sets of
dossiers add up: `merge_summaries([check(a), check(b)]) == check(a + b)`. Rates
and averages are recomputed from the merged sums, never averaged: each group carries
the average processing time's numerator and denominator unrounded.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ..model.check_output import (
    CheckSummary, DataQuality, DossierStatus, FindingsSummary, Form06Counts, GroupSummary, Manifest,
)
from ..model.common import Text
from ..model.events import ONLINE_CHANNELS
from .indicators import merge_indicator_reports
from .local_time import LocalDates
from .unit_counts import unit_lists, unit_table

COUNT_FIELDS = tuple(Form06Counts.model_fields)
RESOLVED = ("early", "on_time", "late")
IN_PROGRESS = ("open_within_time", "open_overdue")
UNKNOWN_KEY = "?"
MICRODAYS = 1_000_000  # the average processing time's sum is carried in whole millionths of a day


def contributions(dossiers: pl.DataFrame, findings: pl.DataFrame, tz: str, working_day_hours: float,
                  period_from: dt.date | None) -> pl.DataFrame:
    """One row per dossier: its grouping keys, the units it counts for (`units`, `late_units`)
    and its 0/1 contribution to every column.

    Resolved (7) = early (8) + on time (9) + late (10) and in progress (11) = within
    time (12) + overdue (13): a not-assessable dossier (no procedure issue in force,
    no receipt, withdrawn) is in none of them, only in `not_assessable`, so that
    received = resolved + in progress + not assessable."""
    status = pl.col("status")
    received_day = LocalDates(tz).exprs(dossiers, ["received_at"])["received_at"]
    carried = (received_day < pl.lit(period_from)).fill_null(False) if period_from else pl.lit(False)
    online = pl.col("channel").is_in(list(ONLINE_CHANNELS)).fill_null(False)
    if "findings" not in dossiers.columns:  # the check's own tables carry the count
        dossiers = dossiers.with_columns(_findings_per_dossier(dossiers, findings))
    day_minutes = pl.when(pl.col("calendar_clock").fill_null(False)).then(1440.0).otherwise(working_day_hours * 60)
    as_int = lambda e: e.cast(pl.Int64)  # noqa: E731
    return dossiers.select(
        pl.col("procedure_code").fill_null(UNKNOWN_KEY).alias("procedure"),
        pl.col("field").fill_null(UNKNOWN_KEY).alias("field"),
        *unit_lists(dossiers),
        # month as yyyymm (formatted once per group, not once per dossier)
        (received_day.dt.year() * 100 + received_day.dt.month()).alias("month"),
        pl.lit(1, pl.Int64).alias("received_total"),
        as_int(~carried & online).alias("received_online"),
        as_int(~carried & ~online).alias("received_in_person_or_postal"),
        as_int(carried).alias("carried_over"),
        as_int(status.is_in(list(RESOLVED))).alias("resolved_total"),
        as_int(status == "early").alias("resolved_early"),
        as_int(status == "on_time").alias("resolved_on_time"),
        as_int(status == "late").alias("resolved_late"),
        as_int(status.is_in(list(IN_PROGRESS))).alias("in_progress_total"),
        as_int(status == "open_within_time").alias("in_progress_within_time"),
        as_int(status == "open_overdue").alias("in_progress_overdue"),
        as_int(status == "not_assessable").alias("not_assessable"),
        pl.col("findings").fill_null(0).cast(pl.Int64),
        pl.when(status.is_in(list(RESOLVED))).then(pl.col("used_minutes") / day_minutes).alias("processing_days"),
        status,
    )


GROUP_KEYS = ("procedure", "field", "month")


def _findings_per_dossier(dossiers: pl.DataFrame, findings: pl.DataFrame) -> pl.Series:
    """How many findings each dossier has (dossiers' order)."""
    ids = dossiers["dossier_id"]
    positions = ids.search_sorted(findings["dossier_id"]) if ids.is_sorted() and findings.height else None
    if positions is not None and (positions < len(ids)).all() and ids.gather(positions).equals(
            findings["dossier_id"], check_names=False):
        # sorted dossiers: count findings by position, no join on the ids
        import numpy as np

        return pl.Series("findings", np.bincount(positions.to_numpy(), minlength=len(ids)), dtype=pl.Int64)
    per_dossier = findings.group_by("dossier_id").agg(pl.len().alias("findings"))
    return dossiers.select("dossier_id").join(per_dossier, on="dossier_id", how="left",
                                              maintain_order="left")["findings"].fill_null(0)


def _group_tables(frame: pl.DataFrame, findings: pl.DataFrame) -> dict[str | None, pl.DataFrame]:
    """The totals (key None), the sums by each of GROUP_KEYS and by unit. One pass over
    the dossiers sums them by all three keys at once (a few hundred combinations); each
    grouping is then summed from that small table. A dossier counts for each unit that
    handled it (`unit_counts.py`). Averages are carried as sums and counts so that they
    add up too."""
    counted = (*COUNT_FIELDS, "findings")
    fine = frame.group_by(*GROUP_KEYS).agg(
        *(pl.col(c).sum().cast(pl.Int64) for c in counted),
        # whole micro-days: an integer sum is the same in any order (threads, partitions)
        (pl.col("processing_days") * MICRODAYS).round().cast(pl.Int64).sum().alias("days_sum"),
        pl.col("processing_days").count().alias("days_n"),
    ).lazy()
    aggregates = [*(pl.col(c).sum() for c in counted), pl.col("days_sum").sum(), pl.col("days_n").sum()]
    average = (pl.when(pl.col("days_n") > 0).then(pl.col("days_sum") / pl.col("days_n") / MICRODAYS)).alias("average_days")
    queries = [fine.select(*aggregates).with_columns(pl.lit("*").alias("key"), average)]
    for key in GROUP_KEYS:
        grouped = fine.group_by(key).agg(*aggregates).rename({key: "key"}).with_columns(average)
        if key == "month":
            month = pl.col("key")
            grouped = grouped.with_columns(
                pl.format("{}-{}", month // 100, (month % 100).cast(pl.Utf8).str.zfill(2)).fill_null(UNKNOWN_KEY)
                .alias("key"))
        queries.append(grouped.sort("key"))
    queries.append(unit_table(frame, findings, COUNT_FIELDS, MICRODAYS).with_columns(average))
    return dict(zip([None, *GROUP_KEYS, "unit"], pl.collect_all(queries)))


def _groups(table: pl.DataFrame, labels: dict[str, Text]) -> list[GroupSummary]:
    out = []
    for row in table.iter_rows(named=True):
        counts = {c: int(row[c] or 0) for c in COUNT_FIELDS}
        out.append(GroupSummary(key=row["key"], label=labels.get(row["key"]), findings=int(row["findings"] or 0),
                                on_time_rate=_rate(counts), average_processing_days=_round(row["average_days"]),
                                processing_microdays=int(row["days_sum"] or 0),
                                processing_days_count=int(row["days_n"] or 0), **counts))
    return out


def _rate(counts: dict) -> float | None:
    judged = counts["resolved_early"] + counts["resolved_on_time"] + counts["resolved_late"]
    return None if judged == 0 else round((counts["resolved_early"] + counts["resolved_on_time"]) / judged, 6)


def _round(value):
    return None if value is None else round(float(value), 4)


def summarise(dossiers: pl.DataFrame, findings: pl.DataFrame, manifest: Manifest, data_quality: DataQuality,
              *, tz: str, working_day_hours: float, labels: dict[str, dict[str, Text]] | None = None,
              warnings: list[str] | None = None) -> CheckSummary:
    labels = labels or {}
    tables = _group_tables(contributions(dossiers, findings, tz, working_day_hours, manifest.period_from), findings)
    status_counts = {s: 0 for s in DossierStatus}
    for value, count in dossiers.group_by("status").len().iter_rows():
        status_counts[DossierStatus(value)] = int(count)
    return CheckSummary(
        manifest=manifest,
        totals=_groups(tables[None], {})[0],
        by_procedure=_groups(tables["procedure"], labels.get("procedure", {})),
        by_field=_groups(tables["field"], labels.get("field", {})),
        by_unit=_groups(tables["unit"], labels.get("unit", {})),
        by_month=_groups(tables["month"], {}),
        status_counts=status_counts,
        findings=findings_summary(findings),
        data_quality=data_quality,
        warnings=list(warnings or []),
    )


def findings_summary(findings: pl.DataFrame) -> FindingsSummary:
    def counts(column: str) -> dict[str, int]:
        return {k: int(v) for k, v in findings.group_by(column).len().sort(column).iter_rows()}

    dossiers = findings.group_by("rule").agg(pl.col("dossier_id").n_unique()).sort("rule")
    return FindingsSummary(total=findings.height, by_rule=counts("rule"), by_clause=counts("clause"),
                           by_severity=counts("severity"),
                           dossiers_by_rule={rule: int(n) for rule, n in dossiers.iter_rows()})


# -- merging partitions -------------------------------------------------------------


def _merge_groups(lists: list[list[GroupSummary]]) -> list[GroupSummary]:
    merged: dict[str, dict] = {}
    for groups in lists:
        for g in groups:
            into = merged.setdefault(g.key, {"key": g.key, "label": g.label, "findings": 0, "days": 0, "judged": 0,
                                             **{c: 0 for c in COUNT_FIELDS}})
            for c in COUNT_FIELDS:
                into[c] += getattr(g, c)
            into["findings"] += g.findings
            into["days"] += g.processing_microdays
            into["judged"] += g.processing_days_count
            into["label"] = into["label"] or g.label
    out = []
    for key in sorted(merged):
        m = merged[key]
        counts = {c: m[c] for c in COUNT_FIELDS}
        average = _round(m["days"] / m["judged"] / MICRODAYS) if m["judged"] else None
        out.append(GroupSummary(key=key, label=m["label"], findings=m["findings"], on_time_rate=_rate(counts),
                                average_processing_days=average, processing_microdays=m["days"],
                                processing_days_count=m["judged"], **counts))
    return out


def _add_dicts(dicts) -> dict:
    total: dict = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return dict(sorted(total.items(), key=lambda kv: str(kv[0])))


def merge_summaries(summaries: list[CheckSummary]) -> CheckSummary:
    """The summary of the union of disjoint sets of dossiers checked separately
    (with the same documents, method and as-of)."""
    if not summaries:
        raise ValueError("nothing to merge")
    first = summaries[0].manifest
    inputs, seen_inputs = [], set()
    documents, seen_docs = [], set()
    for s in summaries:
        for item in s.manifest.inputs:
            if (item.path, item.sha256) not in seen_inputs:
                seen_inputs.add((item.path, item.sha256))
                inputs.append(item)
        for doc in s.manifest.documents:
            if (doc.kind, doc.code, doc.issue) not in seen_docs:
                seen_docs.add((doc.kind, doc.code, doc.issue))
                documents.append(doc)
    manifest = first.model_copy(update={
        "method": _merged_method(summaries),
        "inputs": inputs,
        "documents": sorted(documents, key=lambda d: (d.kind, d.code, d.issue)),
        "as_of": max(s.manifest.as_of for s in summaries),
    })
    quality = DataQuality(
        rows_read=sum(s.data_quality.rows_read for s in summaries),
        rows_accepted=sum(s.data_quality.rows_accepted for s in summaries),
        rows_rejected=sum(s.data_quality.rows_rejected for s in summaries),
        rejected_by_reason=_add_dicts(s.data_quality.rejected_by_reason for s in summaries),
        findings_by_kind=_add_dicts(s.data_quality.findings_by_kind for s in summaries),
    )
    warnings = list(dict.fromkeys(w for s in summaries for w in s.warnings))
    reports = [s.indicators for s in summaries if s.indicators is not None]
    if reports and len(reports) != len(summaries):
        raise ValueError("some partial summaries carry the service-quality index and others do not")
    indicators = merge_indicator_reports(reports) if reports else None
    return CheckSummary(
        manifest=manifest,
        totals=_merge_groups([[s.totals] for s in summaries])[0],
        by_procedure=_merge_groups([s.by_procedure for s in summaries]),
        by_field=_merge_groups([s.by_field for s in summaries]),
        by_unit=_merge_groups([s.by_unit for s in summaries]),
        by_month=_merge_groups([s.by_month for s in summaries]),
        status_counts={k: int(v) for k, v in _add_dicts(s.status_counts for s in summaries).items()},
        findings=FindingsSummary(
            total=sum(s.findings.total for s in summaries),
            by_rule=_add_dicts(s.findings.by_rule for s in summaries),
            # partitions hold whole dossiers: a dossier is counted in one of them only
            dossiers_by_rule=_add_dicts(s.findings.dossiers_by_rule for s in summaries),
            by_clause=_add_dicts(s.findings.by_clause for s in summaries),
            by_severity=_add_dicts(s.findings.by_severity for s in summaries),
        ),
        data_quality=quality,
        warnings=warnings,
        indicators=indicators,
    )


def _merged_method(summaries: list[CheckSummary]):
    """The methods of the parts together (a part with no dossier names only the
    default method, so it does not count when another part has dossiers)."""
    from .methods import method_of

    counted = [s for s in summaries if s.totals.received_total] or summaries[:1]
    return method_of(sorted({m for s in counted for m in s.manifest.method.id.split("+")}))
