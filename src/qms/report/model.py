"""The report model: every figure the PDF and the Excel file show, computed once.

`build_report()` reads a check output directory (`summary.json`, `dossiers.parquet`,
`findings.parquet`), an optional workspace configuration (organisation,
signatories, targets) and an optional previous-period `summary.json`, and returns
a `ReportModel`: plain dataclasses plus two polars tables for the long lists.
Renderers only format and lay out what is here; they never add up or divide.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from babel.support import NullTranslations
from pydantic import ValidationError

from .. import __version__
from ..core.errors import QmsError
from ..core.hashing import file_sha256
from ..core.i18n import _, translations
from ..model.check_output import DOSSIER_COLUMNS, FINDING_COLUMNS, CheckSummary, GroupSummary, IndicatorReport
from ..model.workspace import WorkspaceConfig
from . import labels
from .check_outputs import consistency_warnings, figures_sha256, scan_table, verified_outputs
from .collation import vietnamese_key
from .durations import OVERDUE_STATUSES, WORKING, duration_columns, mark_day_units, name_average_unit

PDF_LATE_DOSSIER_CAP = 100
PDF_OVERDUE_ACTION_CAP = 30
FORM06_COLUMNS = (
    "received_total", "received_online", "received_in_person_or_postal", "carried_over",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "in_progress_total", "in_progress_within_time", "in_progress_overdue",
)


@dataclass
class Indicator:
    key: str
    label: str
    kind: str  # "rate", "days" or "count"
    value: float | int | None
    target: float | int | None = None
    target_rule: str | None = None  # "at_least" or "at_most"
    meets_target: bool | None = None
    previous: float | int | None = None
    change: float | int | None = None


@dataclass
class TableRow:
    """One row of form 06 or of a breakdown: the form-06 counts plus indicators."""

    number: str  # STT
    key: str
    label: str
    level: int  # 0 total, 1 group (field), 2 item (procedure) in form 06; 2 elsewhere
    counts: dict[str, int]
    not_assessable: int
    on_time_rate: float | None
    average_processing_days: float | None
    findings: int
    day_unit: str = WORKING  # the average's days: working, calendar or mixed (durations.py)


@dataclass
class CountRow:
    key: str
    label: str
    count: int
    detail: str = ""  # e.g. the ISO clause of a rule


@dataclass
class Signatory:
    role: str
    name: str | None
    title: str | None
    user: str | None = None  # user id in qms.yaml


@dataclass
class RegisterSection:
    """The nonconformity register in a few numbers (from qms.capa's register summary)."""

    total: int
    open: int
    by_state: list[CountRow]
    by_severity: list[CountRow]
    by_source: list[CountRow]
    overdue_actions: int
    overdue: list[dict]  # every overdue corrective action (the Excel file lists them all)
    overdue_shown: list[dict]
    history_ok: bool | None
    history_entries: int | None
    history_head_hash: str | None
    nonconformities: list[dict] = field(default_factory=list)  # the period's NCs with state and actions
    period: list[str] | None = None  # [start, end) of the NCs counted, ISO instants; None: the whole register


@dataclass
class ReportModel:
    language: str
    status: str  # "draft" or "approved"
    report_id: str
    organisation: str
    organisation_parent: str | None
    period_from: dt.date | None
    period_to: dt.date | None
    as_of: dt.datetime
    generated_at: dt.datetime
    timezone: str
    indicators: list[Indicator]
    previous_period: tuple[dt.date | None, dt.date | None] | None
    totals: TableRow
    form06: list[TableRow]
    by_procedure: list[TableRow]
    by_field: list[TableRow]
    by_unit: list[TableRow]
    by_month: list[TableRow]
    findings_total: int
    findings_by_severity: list[CountRow]
    findings_by_rule: list[CountRow]
    findings_by_clause: list[CountRow]
    late_dossiers_total: int
    late_dossiers_shown: list[dict]
    data_quality: dict
    rejected_by_reason: list[CountRow]
    data_quality_findings: list[CountRow]
    method_id: str
    method_description: str
    calendar: dict
    documents: list[dict]
    inputs: list[dict]
    signatories: list[Signatory]
    warnings: list[str]
    manifest: dict
    manifest_json: str
    figures_sha256: str
    unit_on_time_target: float | None
    register: RegisterSection | None
    approved_by: Signatory | None  # who approved it (a user with the approving role), when approved
    approved_at: dt.datetime | None
    place: str | None  # place name of the date line under the signatures ("Hà Nam, ngày …")
    # Long tables for the Excel file (and the CSV attachment). Dossiers stay a lazy
    # scan of dossiers.parquet: the PDF needs only the late ones, the Excel file
    # collects them when it writes.
    dossiers: pl.LazyFrame = field(repr=False)
    findings: pl.DataFrame = field(repr=False)
    late_dossiers: pl.DataFrame = field(repr=False)
    service_index: IndicatorReport | None = None  # Decision 766, when the library had an indicator set
    unit_names: dict[str, str] = field(default_factory=dict)
    step_names: dict[str, str] = field(default_factory=dict)  # "code␟issue␟step id" -> name (labels.step_names)

    @property
    def is_draft(self) -> bool:
        return self.status != "approved"

    def findings_csv(self) -> bytes:
        """Every finding as CSV, the PDF's findings.csv (its hash is in the manifest)."""
        return findings_csv(self.findings)


def findings_csv(findings: pl.DataFrame) -> bytes:
    return findings.write_csv().encode("utf-8")


def load_summary(path: Path) -> CheckSummary:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QmsError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return CheckSummary.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}" for issue in error.errors()[:5])
        raise QmsError(f"{path}: not a qms check summary: {problems}") from None


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _online_share(group: GroupSummary) -> float | None:
    return _rate(group.received_online, group.received_online + group.received_in_person_or_postal)


def _indicators(summary: CheckSummary, previous: CheckSummary | None, config: WorkspaceConfig | None,
                gettext) -> list[Indicator]:
    targets = config.targets if config else None

    def values(source: CheckSummary) -> dict:
        totals = source.totals
        return {
            "on_time_rate": totals.on_time_rate,
            "average_processing_days": totals.average_processing_days,
            "online_share": _online_share(totals),
            "received_total": totals.received_total,
            "resolved_late": totals.resolved_late,
            "in_progress_overdue": totals.in_progress_overdue,
            "findings": source.findings.total,
        }

    current = values(summary)
    before = values(previous) if previous else {}
    spec = [
        ("on_time_rate", "On-time rate", "rate", targets.on_time_rate if targets else None, "at_least"),
        ("average_processing_days", "Average processing time (working days)", "days", None, None),
        ("online_share", "Online share of dossiers received", "rate", targets.online_share if targets else None,
         "at_least"),
        ("received_total", "Dossiers received", "count", None, None),
        ("resolved_late", "Dossiers resolved late", "count", None, None),
        ("in_progress_overdue", "Dossiers in progress and overdue", "count",
         targets.max_open_overdue if targets else None, "at_most"),
        ("findings", "Findings", "count", None, None),
    ]
    gettext_labels = {  # msgids listed literally so the catalog test sees them
        "On-time rate": gettext("On-time rate"),
        "Average processing time (working days)": gettext("Average processing time (working days)"),
        "Online share of dossiers received": gettext("Online share of dossiers received"),
        "Dossiers received": gettext("Dossiers received"),
        "Dossiers resolved late": gettext("Dossiers resolved late"),
        "Dossiers in progress and overdue": gettext("Dossiers in progress and overdue"),
        "Findings": gettext("Findings"),
    }
    indicators = []
    for key, text, kind, target, rule in spec:
        value = current[key]
        meets = None
        if target is not None and value is not None:
            meets = value >= target if rule == "at_least" else value <= target
        prior = before.get(key)
        change = value - prior if value is not None and prior is not None else None
        indicators.append(Indicator(key, gettext_labels[text], kind, value, target, rule if target is not None else None,
                                    meets, prior, change))
    return indicators


def _row(group: GroupSummary, number: str, label: str, level: int) -> TableRow:
    return TableRow(
        number=number, key=group.key, label=label, level=level,
        counts={column: getattr(group, column) for column in FORM06_COLUMNS},
        not_assessable=group.not_assessable, on_time_rate=group.on_time_rate,
        average_processing_days=group.average_processing_days, findings=group.findings,
    )


def _label_of(group: GroupSummary, language: str, fallback: dict[str, str] | None = None) -> str:
    if fallback and group.key in fallback:
        return fallback[group.key]
    return group.label.in_language(language) if group.label else group.key


def _field_label(group: GroupSummary, language: str, gettext) -> str:
    if group.key in ("", "?") and not group.label:
        return gettext("(field not known)")
    return _label_of(group, language)


def _coded_label(group: GroupSummary, language: str) -> str:
    """"1.001193 – Đăng ký khai sinh": the code an inspector searches for, then the name."""
    return f"{group.key} – {group.label.in_language(language)}" if group.label else group.key


def _form06(summary: CheckSummary, procedure_field: dict[str, str], language: str, gettext) -> list[TableRow]:
    """Fields as group rows (1, 2, …) with their procedures beneath (1.1, 1.2, …), total last."""
    # Procedures with no field in dossiers.parquet (unknown codes) belong to the one
    # field group that no dossier names (the check writes such dossiers under "?").
    known_fields = set(procedure_field.values())
    orphan_groups = [group.key for group in summary.by_field if group.key not in known_fields]
    orphan_key = orphan_groups[0] if len(orphan_groups) == 1 else ""
    procedures_by_field: dict[str, list[GroupSummary]] = {}
    for group in summary.by_procedure:
        procedures_by_field.setdefault(procedure_field.get(group.key, orphan_key), []).append(group)
    rows: list[TableRow] = []
    # In Vietnamese alphabetical order ("Đất đai" after "Doanh nghiệp", not last); the
    # group of unknown fields last.
    fields = sorted(summary.by_field, key=lambda group: (group.key in ("", "?"),
                                                         vietnamese_key(_field_label(group, language, gettext))))
    for field_number, field_group in enumerate(fields, start=1):
        rows.append(_row(field_group, str(field_number), _field_label(field_group, language, gettext), 1))
        procedures = sorted(procedures_by_field.pop(field_group.key, []),
                            key=lambda group: vietnamese_key(_coded_label(group, language)))
        for item_number, procedure in enumerate(procedures, start=1):
            rows.append(_row(procedure, f"{field_number}.{item_number}", _coded_label(procedure, language), 2))
    # Procedures whose field is not among by_field still appear, under no field.
    for leftovers in procedures_by_field.values():
        for procedure in leftovers:
            rows.append(_row(procedure, "", _coded_label(procedure, language), 2))
    rows.append(_row(summary.totals, "", gettext("Total"), 0))
    return rows


def _counts(mapping: dict[str, int], table: dict[str, str], catalog, details: dict[str, str] | None = None,
            by_count: bool = True) -> list[CountRow]:
    rows = [CountRow(key, labels.label(table, key, catalog), count, (details or {}).get(key, ""))
            for key, count in mapping.items()]
    if by_count:
        rows.sort(key=lambda row: (-row.count, row.key))
    else:
        rows.sort(key=lambda row: [int(part) if part.isdigit() else part for part in row.key.split(".")])
    return rows


def _normalise_dossiers(dossiers: pl.LazyFrame, working_day_hours: float) -> pl.LazyFrame:
    """Instants as UTC (naive ones are taken as UTC, as qms writes them), plus the
    durations in days on each procedure's clock (`durations.duration_columns`)."""
    instants = ("received_at", "counting_start_at", "appointment_at", "due_at", "finished_at")
    utc = pl.Datetime("us", "UTC")
    fixes = []
    schema = dossiers.collect_schema()
    for name in instants:
        dtype = schema[name]
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            fixes.append(pl.col(name).dt.replace_time_zone("UTC").cast(utc))
        elif dtype != utc:
            fixes.append(pl.col(name).cast(utc))
    return duration_columns(dossiers.with_columns(fixes) if fixes else dossiers, working_day_hours)


def _late_dossiers(dossiers: pl.LazyFrame) -> pl.DataFrame:
    """Late and open-overdue dossiers, the largest delay first, whether still open or not
    (dossiers open for months past their limit must not fall behind the PDF's cap)."""
    # the units the delay is attributed to (check/units.py); the receiving desk for a
    # check written before the attribution
    late_units = (pl.col("late_units") if "late_units" in dossiers.collect_schema()
                  else pl.concat_list(pl.col("unit")).list.drop_nulls())
    return (
        dossiers
        .filter(pl.col("status").is_in(OVERDUE_STATUSES))
        .sort(["days_overdue", "status", "dossier_id"], descending=[True, False, False], nulls_last=True)
        .select("dossier_id", "procedure_code", "unit", late_units.alias("late_units"), "status", "received_at",
                "appointment_at", "finished_at", "days_overdue", "day_unit")
        .collect()
    )


def _procedure_fields(dossiers: pl.LazyFrame) -> dict[str, str]:
    pairs = (dossiers.select("procedure_code", "field").drop_nulls().unique()
             .sort("procedure_code", "field").group_by("procedure_code", maintain_order=True).first().collect())
    return dict(pairs.iter_rows())


def _unit_name(code: str | None, names: dict[str, str], gettext) -> str:
    """The unit's name from qms.yaml, else its code; "(unit not known)" rather than "?"."""
    if code in (None, "", "?"):
        return gettext("(unit not known)")
    return names.get(code, code)


def _signatories(config: WorkspaceConfig | None, gettext, approver: str | None = None,
                 language: str = "vi") -> list[Signatory]:
    """Prepared / checked / approved by; the approving user, once the report is approved,
    takes the approval slot whoever qms.yaml names there."""
    roles = [("prepared_by", gettext("Report prepared by")), ("reviewed_by", gettext("Report checked by")),
             ("approved_by", gettext("Report approved by"))]
    result = []
    for attribute, role in roles:
        user_id = getattr(config.signatories, attribute) if config else None
        if attribute == "approved_by" and approver:
            user_id = approver
        person = config.users.get(user_id) if config and user_id else None
        name = person.name if person else user_id
        result.append(Signatory(role, name, person.title_in(language) if person else None, user_id))
    return result


def _approver(config: WorkspaceConfig | None, user: str | None) -> str:
    """The user id approving the report: known in qms.yaml, with the approving role."""
    if not user:
        raise QmsError(_("An approved report needs --user: the user id (in qms.yaml) of the manager who approves it."))
    if config is None:
        raise QmsError(_("An approved report needs the workspace configuration (qms.yaml) that lists its approver."))
    from ..capa.roles import require  # the one place roles are decided

    require(config, user, "approve")
    return user


def period_instants(first: dt.date | None, last: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[first day 00:00, the day after the last 00:00) in local time, as aware instants;
    without a first day, from the beginning."""
    zone = ZoneInfo(timezone)
    start = (dt.datetime.combine(first, dt.time(), zone) if first
             else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)


def _register_section(register: dict | None, catalog) -> RegisterSection | None:
    """`register` has the shape of qms.capa.summary.register_summary(); None leaves the section out."""
    if register is None:
        return None
    def action(item: dict) -> dict:
        due = item.get("due_date")
        return {**item, "due_date": dt.date.fromisoformat(due) if isinstance(due, str) else due}

    try:
        history = register.get("history") or {}
        overdue = [action(item) for item in register.get("overdue", [])]
        return RegisterSection(
            total=int(register["total"]), open=int(register["open"]),
            by_state=sorted(_counts(register.get("by_state", {}), labels.NC_STATE, catalog),
                            key=lambda row: list(labels.NC_STATE).index(row.key) if row.key in labels.NC_STATE else 99),
            by_severity=_counts(register.get("by_severity", {}), labels.SEVERITY, catalog),
            by_source=_counts(register.get("by_source", {}), labels.NC_SOURCE, catalog),
            overdue_actions=int(register.get("overdue_actions", len(register.get("overdue", [])))),
            overdue=overdue,
            overdue_shown=overdue[:PDF_OVERDUE_ACTION_CAP],
            history_ok=history.get("ok"), history_entries=history.get("entries"),
            history_head_hash=history.get("head_hash"),
            nonconformities=[{**item, "state_label": labels.label(labels.NC_STATE, item.get("state"), catalog),
                              "severity_label": labels.label(labels.SEVERITY, item.get("severity"), catalog),
                              "actions": [action(entry) for entry in item.get("actions", [])]}
                             for item in register.get("nonconformities") or []],
            period=register.get("period"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise QmsError(f"nonconformity register summary is incomplete: {error}") from None


def build_report(
    check_dir: Path,
    *,
    config: WorkspaceConfig | None = None,
    previous_summary: Path | None = None,
    language: str = "vi",
    status: str = "draft",
    generated_at: dt.datetime | None = None,
    pdf_late_cap: int = PDF_LATE_DOSSIER_CAP,
    register: dict | None = None,
    approved_by: str | None = None,
    procedures: list | None = None,
) -> ReportModel:
    """Build the report model from a check output directory (see module doc). An approved
    report needs `approved_by`, the user id of a user with the approving role. `procedures`:
    the library's procedure issues, for the names of steps (else steps show their ids)."""
    check_dir = Path(check_dir)
    if not check_dir.is_dir():
        raise QmsError(f"{check_dir}: not a directory of check outputs")
    outputs = verified_outputs(check_dir)  # one complete set (tables in one file or one per shard), or a refusal
    if status not in ("draft", "approved"):
        raise QmsError(f"report status must be draft or approved, not {status!r}")
    approver = _approver(config, approved_by) if status == "approved" else None
    catalog = translations(language)
    rule_names = labels.rule_names(language, catalog)  # already in `language`
    gettext = catalog.gettext
    summary = load_summary(check_dir / "summary.json")
    previous = load_summary(Path(previous_summary)) if previous_summary else None
    dossiers = scan_table(check_dir, "dossiers", DOSSIER_COLUMNS)
    findings = scan_table(check_dir, "findings", FINDING_COLUMNS).collect()
    manifest = summary.manifest
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    unit_names = {code: text.in_language(language) for code, text in config.units.items()} if config else {}
    procedure_field = _procedure_fields(dossiers)
    dossiers = _normalise_dossiers(dossiers, manifest.calendar.working_day_hours)
    late = _late_dossiers(dossiers)
    figures_sha = figures_sha256(summary)
    period_end = manifest.period_to or manifest.as_of.date()
    report_id = f"QMS-{period_end:%Y%m%d}-{figures_sha[:8].upper()}"

    def rows(groups: list[GroupSummary], names: dict[str, str] | None = None, month: bool = False,
             coded: bool = False, field_rows: bool = False) -> list[TableRow]:
        def label(group: GroupSummary) -> str:
            if month:
                return group.key
            if field_rows:
                return _field_label(group, language, gettext)
            return _coded_label(group, language) if coded else _label_of(group, language, names)
        return [_row(group, str(number), label(group), 2) for number, group in enumerate(groups, start=1)]

    sources = [{"file": name, "sha256": file_sha256(check_dir / name), "bytes": (check_dir / name).stat().st_size}
               for name in outputs]
    findings_bytes = findings_csv(findings)
    manifest_data = {
        "report": {"id": report_id, "status": status, "language": language, "qms_version": __version__,
                   "generated_at": generated_at.isoformat(), "figures_sha256": figures_sha,
                   "approved_by": approver, "approved_at": generated_at.isoformat() if approver else None},
        "check_outputs": sources,
        "check": manifest.model_dump(mode="json"),
        "nonconformity_register": ({key: register.get(key) for key in ("total", "open", "by_state", "overdue_actions")}
                                   | {"history": register.get("history")} if register else None),
        # The PDF's other attachment, so `qms report verify` can tell it is the one signed.
        "attachments": {"findings.csv": {"sha256": hashlib.sha256(findings_bytes).hexdigest(),
                                         "bytes": len(findings_bytes)}},
        "previous_period": ({"summary_sha256": file_sha256(Path(previous_summary)),
                             "period_from": str(previous.manifest.period_from),
                             "period_to": str(previous.manifest.period_to)} if previous else None),
    }
    indicators = _indicators(summary, previous, config, gettext)
    signatories = _signatories(config, gettext, approver, language)
    on_time_target = next(indicator.target for indicator in indicators if indicator.key == "on_time_rate")
    quality = summary.data_quality
    organisation = config.organisation if config else None
    totals = _row(summary.totals, "", gettext("Total"), 0)
    breakdowns = {"procedure": rows(summary.by_procedure, coded=True), "field": rows(summary.by_field, field_rows=True),
                  "unit": rows(summary.by_unit, {**unit_names, "?": gettext("(unit not known)"),
                                                 "": gettext("(unit not known)")}),
                  "month": rows(summary.by_month, month=True)}
    mark_day_units(dossiers, manifest.timezone, breakdowns, totals)
    steps, differing = labels.step_names(procedures, [item.model_dump() for item in manifest.documents], language)
    if differing:
        summary.warnings.append(gettext("The library's copy of {issues} differs from the issue the check used: "
                                        "their steps are shown by id").format(issues=", ".join(differing)))
    name_average_unit(indicators, totals.day_unit, gettext)
    return ReportModel(
        language=language,
        status=status,
        report_id=report_id,
        organisation=organisation.name.in_language(language) if organisation else gettext("(organisation not configured)"),
        organisation_parent=organisation.parent.in_language(language) if organisation and organisation.parent else None,
        period_from=manifest.period_from,
        period_to=manifest.period_to,
        as_of=manifest.as_of,
        generated_at=generated_at,
        timezone=manifest.timezone,
        indicators=indicators,
        previous_period=((previous.manifest.period_from, previous.manifest.period_to or previous.manifest.as_of.date())
                         if previous else None),
        totals=totals,
        form06=_form06(summary, procedure_field, language, gettext),
        by_procedure=breakdowns["procedure"], by_field=breakdowns["field"], by_unit=breakdowns["unit"],
        by_month=breakdowns["month"],
        findings_total=summary.findings.total,
        findings_by_severity=_counts(summary.findings.by_severity, labels.SEVERITY, catalog),
        findings_by_rule=_counts(summary.findings.by_rule, rule_names, NullTranslations()),
        findings_by_clause=_counts(summary.findings.by_clause, labels.CLAUSE, catalog, by_count=False),
        late_dossiers_total=late.height,
        late_dossiers_shown=[{**row, "unit_name": ", ".join(_unit_name(unit, unit_names, gettext)
                                                            for unit in (row["late_units"] or [row["unit"]]))}
                             for row in late.head(pdf_late_cap).to_dicts()],
        data_quality={
            "rows_read": quality.rows_read, "rows_accepted": quality.rows_accepted,
            "rows_rejected": quality.rows_rejected,
            "rejected_share": _rate(quality.rows_rejected, quality.rows_read),
            "data_quality_findings": sum(quality.findings_by_kind.values()),
            "not_assessable": summary.totals.not_assessable,
        },
        rejected_by_reason=_counts(quality.rejected_by_reason, labels.REJECT_REASON, catalog),
        data_quality_findings=_counts(quality.findings_by_kind, rule_names, NullTranslations()),
        method_id=manifest.method.id,
        method_description=manifest.method.description.in_language(language),
        calendar=manifest.calendar.model_dump(),
        documents=[document.model_dump() for document in manifest.documents],
        inputs=[item.model_dump() for item in manifest.inputs],
        signatories=signatories,
        warnings=[*consistency_warnings(summary, dossiers, findings, check_dir, gettext), *summary.warnings],
        manifest=manifest_data,
        manifest_json=json.dumps(manifest_data, ensure_ascii=False, indent=2, sort_keys=True),
        figures_sha256=figures_sha,
        unit_on_time_target=on_time_target,
        register=_register_section(register, catalog),
        approved_by=signatories[-1] if approver else None,
        approved_at=generated_at if approver else None,
        place=organisation.place if organisation else None,
        dossiers=dossiers,
        findings=findings,
        late_dossiers=late,
        service_index=summary.indicators,
        unit_names=unit_names,
        step_names=steps,
    )
