"""Nonconformities from a log check: findings grouped by rule, procedure and unit
per month of receipt, one NC per group with its dossiers as evidence.

Hundreds of late dossiers of one unit in one month are one systemic NC, not
hundreds. Each group has a stable key (`check:rule|procedure|unit|YYYY-MM`), so
running the same check through again raises nothing new; a later check that finds
more dossiers for an existing group adds them to that NC's evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..db import Database
from ..db.tables import Evidence, Nonconformity
from ..core.errors import QmsError, ValidationFailed
from ..core.hashing import file_sha256
from ..core.output_set import verify_set
from ..core.i18n import _, get_language
from ..core.timezone import DEFAULT_TIMEZONE
from ..model.check_output import FINDING_COLUMNS
from ..model.workspace import WorkspaceConfig
from . import register, roles
from .models import RaiseFromCheckResult, SkippedDossiers

if TYPE_CHECKING:
    import polars as pl

SEVERITY_RANK = {"observation": 0, "minor": 1, "major": 2}
UNKNOWN = "?"
GROUP_KEYS = ("rule", "procedure_code", "unit", "period")
PERIODS = ("month", "quarter", "year")


def _read_table(folder: Path, stem: str, required: bool) -> pl.DataFrame | None:
    import polars as pl  # imported when used: `qms nc list` should start fast

    from ..core.check_tables import scan_table, table_files

    if table_files(folder, stem):  # `stem`.parquet, or one file per shard of a check in shards
        try:
            return scan_table(folder, stem).collect()
        except pl.exceptions.PolarsError as error:
            raise QmsError(_("Cannot read {path}: {reason}").format(path=folder / stem, reason=error)) from None
    path = folder / f"{stem}.csv"
    if path.is_file():
        try:  # read as text: dossier ids such as 000123 must not turn into numbers
            return pl.read_csv(path, infer_schema=False)
        except Exception as error:  # polars raises many kinds for a damaged file
            raise QmsError(_("Cannot read {path}: {reason}").format(path=path, reason=error)) from None
    if required:
        raise QmsError(_("{folder} has no {stem}.parquet or {stem}.csv: is it the output folder of `qms check`?").format(
            folder=folder, stem=stem))
    return None


def _check_timezone(folder: Path, timezone: str | None) -> str:
    if timezone:
        return timezone
    summary = folder / "summary.json"
    if summary.is_file():
        try:
            return json.loads(summary.read_text(encoding="utf-8"))["manifest"]["timezone"] or DEFAULT_TIMEZONE
        except (ValueError, KeyError, TypeError):
            pass
    return DEFAULT_TIMEZONE


def _as_utc(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    import polars as pl

    if isinstance(dtype, pl.Datetime):
        return column.dt.replace_time_zone("UTC") if dtype.time_zone is None else column.dt.convert_time_zone("UTC")
    return column.cast(pl.Utf8).str.to_datetime(time_zone="UTC", strict=False)


def group_findings(findings: pl.DataFrame, dossiers: pl.DataFrame | None, *, timezone: str,
                   min_severity: str = "minor", source: str = "findings", period_kind: str = "month") -> pl.DataFrame:
    """One row per group: the keys, severity, clause, counts and sorted dossier ids.
    The period is the month (2026-03), quarter (2026-Q1) or year of receipt."""
    import polars as pl

    missing = [column for column in FINDING_COLUMNS if column not in findings.columns]
    if missing:
        raise ValidationFailed([f"{source}: " + _("missing columns: {columns}").format(columns=", ".join(missing))],
                               _("The findings table does not have the columns of a check output"))
    not_a_finding = ~pl.col("severity").is_in(list(SEVERITY_RANK)) | pl.col("rule").is_null()
    bad = findings.with_row_index("row", offset=1).filter(not_a_finding)
    if bad.height:
        lines = [f"{source}: " + _("row {row}: rule '{rule}', severity '{severity}' is not a finding").format(
            row=row["row"], rule=row["rule"], severity=row["severity"]) for row in bad.head(20).iter_rows(named=True)]
        raise ValidationFailed(lines, _("{count} finding row(s) are not valid").format(count=bad.height))
    frame = findings.with_columns(pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8)
                                  .alias("severity_rank"), pl.col("dossier_id").cast(pl.Utf8))
    frame = frame.filter(pl.col("severity_rank") >= SEVERITY_RANK[min_severity])
    if dossiers is not None and {"dossier_id", "received_at"} <= set(dossiers.columns):
        received = dossiers.select(
            pl.col("dossier_id").cast(pl.Utf8),
            _as_utc(pl.col("received_at"), dossiers.schema["received_at"]).alias("received_at"),
        ).unique("dossier_id", keep="first")
        frame = frame.join(received, on="dossier_id", how="left")
        local = pl.col("received_at").dt.convert_time_zone(timezone)
        period = {"month": local.dt.strftime("%Y-%m"),
                  "quarter": pl.format("{}-Q{}", local.dt.year(), local.dt.quarter()),
                  "year": local.dt.year().cast(pl.Utf8)}[period_kind]
    else:
        period = pl.lit(None, dtype=pl.Utf8)
    frame = frame.with_columns(
        period.fill_null(UNKNOWN).alias("period"),
        pl.col("procedure_code").cast(pl.Utf8).fill_null(UNKNOWN),
        pl.col("unit").cast(pl.Utf8).fill_null(UNKNOWN),
        pl.col("clause").cast(pl.Utf8),
    )
    return (frame.group_by(list(GROUP_KEYS))
            .agg(pl.col("severity_rank").max(),
                 pl.col("clause").drop_nulls().mode().sort().first().alias("clause"),
                 pl.len().alias("findings"),
                 pl.col("dossier_id").drop_nulls().unique().sort().alias("dossiers"),
                 pl.col("message").drop_nulls().first().alias("example"))
            .with_columns(pl.col("dossiers").list.len().alias("dossier_count"),
                          pl.col("severity_rank").replace_strict({v: k for k, v in SEVERITY_RANK.items()},
                                                                 return_dtype=pl.Utf8).alias("severity"))
            .sort(list(GROUP_KEYS)))


def source_key(rule: str, procedure_code: str, unit: str, period: str) -> str:
    return f"check:{rule}|{procedure_code}|{unit}|{period}"


def _grouping_of(key: str) -> str:
    """`check:rule|procedure|unit|period` without its period: NCs of one grouping."""
    return key.rsplit("|", 1)[0]


def _dossiers_in_ncs(existing: dict[str, int], present: dict[int, list[tuple[str, str]]]) -> dict[tuple[str, str], str]:
    """(grouping, dossier) -> the key of the NC (open or closed) that has the dossier as evidence."""
    covered = {}
    for key, nc_id in existing.items():
        for kind, ref in present.get(nc_id, []):
            if kind == "dossier":
                covered.setdefault((_grouping_of(key), ref), key)
    return covered


def raise_from_check(db: Database, config: WorkspaceConfig, actor: str, check_dir: str | Path, *,
                     timezone: str | None = None, min_severity: str = "minor",
                     period: str = "month") -> RaiseFromCheckResult:
    """Raise (or extend) one NC per group of findings; returns what was done."""
    roles.require(config, actor, "raise_from_check")
    if min_severity not in ("minor", "major"):
        raise QmsError(_("min severity must be minor or major"))
    if period not in PERIODS:
        raise QmsError(_("the period must be one of {choices}").format(choices=", ".join(PERIODS)))
    folder = Path(check_dir)
    if not folder.is_dir():
        raise QmsError(_("Check output folder not found: {folder}").format(folder=folder))
    verify_set(folder)  # a check killed half-way, or files mixed from two runs, raise nothing
    findings = _read_table(folder, "findings", required=True)
    dossiers = _read_table(folder, "dossiers", required=False)
    groups = group_findings(findings, dossiers, timezone=_check_timezone(folder, timezone),
                            min_severity=min_severity, source=str(folder / "findings"), period_kind=period)
    provenance = check_provenance(folder)
    raised, extended, unchanged = [], [], 0
    with db.writing() as session:
        existing = {key: nc_id for key, nc_id in session.execute(
            select(Nonconformity.source_key, Nonconformity.id).where(Nonconformity.source == "check"))}
        present: dict[int, list[tuple[str, str]]] = {}
        for nc_id, kind, ref in session.execute(
                select(Evidence.nc_id, Evidence.kind, Evidence.ref).join(Nonconformity)
                .where(Nonconformity.source == "check")):
            present.setdefault(nc_id, []).append((kind, ref))
        new, new_groups = [], []
        # A dossier that is already evidence of an NC for the same rule, procedure and
        # unit is not raised again under another period (month, then quarter): one
        # dossier, one NC, whether that NC is open or closed.
        covered = _dossiers_in_ncs(existing, present)
        skipped_dossiers = skipped_groups = 0
        for group in groups.iter_rows(named=True):
            key = source_key(group["rule"], group["procedure_code"], group["unit"], group["period"])
            elsewhere = {d for d in group["dossiers"] if covered.get((_grouping_of(key), d), key) != key}
            if elsewhere:
                skipped_dossiers += len(elsewhere)
                group = dict(group, dossiers=[d for d in group["dossiers"] if d not in elsewhere])
                group["dossier_count"] = len(group["dossiers"])
                if not group["dossiers"]:
                    skipped_groups += 1
                    continue
            evidence = [("dossier", dossier, "") for dossier in group["dossiers"]]
            nc_id = existing.get(key)
            if nc_id is None:
                new.append((_fields(group, key), evidence))
                new_groups.append(group)
                continue
            have = present.get(nc_id, [])
            if {("dossier", d) for d in group["dossiers"]} <= set(have):
                unchanged += 1
                continue
            nc = register.load(session, nc_id)
            # A closed NC keeps its state: the officer sees it listed here and decides
            # whether the new dossiers call for a new NC or reopening the analysis.
            extended.append({"code": nc.code, "state": nc.state, "added_dossiers": register.add_evidence(
                session, nc, actor, have, evidence, provenance)})
        for after, group in zip(register.insert_ncs(session, actor, new, provenance), new_groups):
            raised.append({"code": after["code"], "rule": group["rule"], "procedure_code": group["procedure_code"],
                           "unit": group["unit"], "period": group["period"], "severity": group["severity"],
                           "dossiers": group["dossier_count"], "findings": group["findings"]})
    return RaiseFromCheckResult(check_dir=str(folder), findings=findings.height, groups=groups.height,
                                raised=raised, extended=extended, unchanged=unchanged,
                                skipped=SkippedDossiers(groups=skipped_groups, dossiers=skipped_dossiers),
                                source_check=provenance)


def check_provenance(folder: Path) -> dict[str, Any]:
    """SHA-256 of the check output files read, and the check's as-of instant, kept in
    the history so an inspector can tie each NC to the exact check it came from."""
    from ..core.check_tables import table_names

    files = {}
    for name in ("summary.json", *table_names(folder), "findings.csv", "dossiers.csv"):
        path = folder / name
        if path.is_file():
            files[name] = file_sha256(path)
    provenance: dict[str, Any] = {"files": files}
    try:
        manifest = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["manifest"]
        provenance["as_of"] = manifest.get("as_of")
        provenance["inputs"] = [{"path": item.get("path"), "sha256": item.get("sha256")}
                                for item in manifest.get("inputs", [])]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return provenance


def _fields(group: dict[str, Any], key: str) -> dict[str, Any]:
    def known(value: str) -> str | None:
        return None if value == UNKNOWN else value

    return {"title": _title(group)[:500], "description": _description(group), "severity": group["severity"],
            "clause": group["clause"], "procedure_code": known(group["procedure_code"]), "unit": known(group["unit"]),
            "period": known(group["period"]), "rule": group["rule"], "source": "check", "source_key": key,
            "audit_id": None}


def _rule_name(rule: str) -> str:
    """'Giải quyết quá hạn' in the current language, from the rule catalogue (the NC keeps
    the rule id in its own field: officers read the name); the rule id alone for a rule
    the catalogue does not know."""
    from ..check.rules import REGISTRY

    known = REGISTRY.get(rule)
    return known.title.in_language(get_language()) if known else rule


def _title(group: dict[str, Any]) -> str:
    return _("{rule}: {count} dossier(s) of {procedure} at {unit} in {period}").format(
        rule=_rule_name(group["rule"]), count=group["dossier_count"], procedure=group["procedure_code"],
        unit=group["unit"], period=group["period"])


def _severity_word(severity: str) -> str:
    """The NC text is read by officers: the severity in words, not its code."""
    return {"major": _("major"), "minor": _("minor"), "observation": _("observation")}.get(severity, severity)


def _description(group: dict[str, Any]) -> str:
    text = _("Raised from a log check: {findings} finding(s) of the rule “{rule}” (severity {severity}, clause "
             "{clause}).").format(findings=group["findings"], rule=_rule_name(group["rule"]),
                                  severity=_severity_word(group["severity"]),
                                  clause=group["clause"] or "-")
    if group["example"]:
        text += " " + _("Example: {message}").format(message=group["example"])
    return text
