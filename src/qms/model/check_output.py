"""What a check produces, as data: the summary (`summary.json`) and its manifest.

This is the contract between the check engine (`qms.check`), the reports
(`qms.report`) and the nonconformity register (`qms.capa`). The per-dossier and
per-finding tables are Parquet/CSV with the columns listed below.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import Field

from .common import StrictModel, Text

DOSSIER_COLUMNS = (
    "dossier_id", "procedure_code", "procedure_issue", "field", "unit", "channel",
    "received_at", "counting_start_at", "appointment_at", "due_at", "finished_at",
    "paused_minutes", "used_minutes", "allowed_minutes", "status", "not_assessable_reason",
)
FINDING_COLUMNS = (
    "dossier_id", "rule", "severity", "clause", "procedure_code", "step", "unit",
    "expected", "actual", "message",
)


class DossierStatus(str, Enum):
    early = "early"  # trước hạn
    on_time = "on_time"  # đúng hạn
    late = "late"  # quá hạn
    open_within_time = "open_within_time"  # đang giải quyết, trong hạn
    open_overdue = "open_overdue"  # đang giải quyết, quá hạn
    not_assessable = "not_assessable"


class Severity(str, Enum):
    major = "major"
    minor = "minor"
    observation = "observation"


class Form06Counts(StrictModel):
    """The columns of form 06/VPCP/KSTT (Circular 01/2020/TT-VPCP) for one row.

    received_total = received_online + received_in_person_or_postal + carried_over
    (dossiers received in the period plus those carried over open from before it);
    resolved_total = resolved_early + resolved_on_time + resolved_late (columns 7 to 10);
    in_progress_total = in_progress_within_time + in_progress_overdue (11 to 13);
    received_total = resolved_total + in_progress_total + not_assessable (a dossier that
    cannot be judged is counted apart, not as resolved or in progress).
    """

    received_total: int = 0
    received_online: int = 0
    received_in_person_or_postal: int = 0
    carried_over: int = 0
    resolved_total: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_total: int = 0
    in_progress_within_time: int = 0
    in_progress_overdue: int = 0
    not_assessable: int = 0


class GroupSummary(Form06Counts):
    """Counts for one procedure, field, unit or month, plus its indicators."""

    key: str = Field(description="Procedure code, field name, unit code or YYYY-MM")
    label: Text | None = None
    on_time_rate: float | None = Field(
        default=None, description="(early + on time) / resolved; None when nothing was resolved"
    )
    average_processing_days: float | None = Field(
        default=None, description="Mean used working time of resolved dossiers, in working days"
    )
    findings: int = 0
    processing_microdays: int = Field(
        default=0, description="The average's numerator: the processing times summed in whole millionths of a day "
        "(an integer, so that summaries of partitions merge exactly, in any order)"
    )
    processing_days_count: int = Field(default=0, description="The average's denominator")


class ClassificationMethod(StrictModel):
    id: str = Field(description="e.g. 'appointment' or 'working_time'")
    description: Text


class InputFile(StrictModel):
    path: str
    sha256: str
    bytes: int
    profile: str | None = None
    rows_read: int | None = None


class DocumentRef(StrictModel):
    kind: str  # procedure, ruleset, calendar, checklist
    code: str
    issue: int
    sha256: str
    effective_from: dt.date
    effective_to: dt.date | None = None


class CalendarRef(DocumentRef):
    holiday_source: str = Field(description="e.g. 'holidays 0.60 (VN) + overrides'")
    years_without_holiday_data: list[int] = Field(default_factory=list)
    # hours in a working day when minutes are shown as days (older outputs: the default 8)
    working_day_hours: float = Field(default=8.0, gt=0, le=24)


class Manifest(StrictModel):
    """Everything an inspector needs to reproduce the figures."""

    qms_version: str
    generated_at: dt.datetime
    as_of: dt.datetime
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    method: ClassificationMethod
    inputs: list[InputFile]
    documents: list[DocumentRef] = Field(description="Procedure and rule-set issues used")
    calendar: CalendarRef
    timezone: str


class DataQuality(StrictModel):
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int] = Field(default_factory=dict)
    findings_by_kind: dict[str, int] = Field(default_factory=dict)


class FindingsSummary(StrictModel):
    total: int = 0
    by_rule: dict[str, int] = Field(default_factory=dict)
    dossiers_by_rule: dict[str, int] = Field(
        default_factory=dict, description="Dossiers with at least one finding of the rule (an event rule can find several)")
    by_clause: dict[str, int] = Field(default_factory=dict)
    by_severity: dict[str, int] = Field(default_factory=dict)


class IndicatorResult(StrictModel):
    """One indicator of the service-quality index, computed from the checked log.

    `parts` are the counts the value is made of (summable across partitions: a
    merged summary recomputes the value from them, never averages values)."""

    key: str
    number: str
    group: str
    title: Text
    formula: str
    parts: dict[str, int] = Field(default_factory=dict)
    value: float | None = Field(default=None, description="A share, 0 to 1")
    threshold: float
    score: float | None = None
    max_score: float
    measurable: bool
    reason: str | None = Field(default=None, description="Why it is not measurable (e.g. the field the log lacks)")


class IndicatorGroupScore(StrictModel):
    key: str
    number: str
    title: Text
    score: float
    max_score: float
    measurable_max_score: float


class IndicatorBand(StrictModel):
    key: str
    min_score: float
    title: Text


class IndicatorScores(StrictModel):
    """The index for one set of dossiers (all, or one unit's)."""

    score: float = Field(description="Points of the measurable indicators")
    max_score: float = Field(description="Points of every indicator of the set")
    measurable_max_score: float
    scaled_score: float | None = Field(
        default=None, description="score × 100 ÷ measurable_max_score: the band is read from this")
    band: str | None = None
    band_title: Text | None = None
    groups: list[IndicatorGroupScore] = Field(default_factory=list)
    items: list[IndicatorResult] = Field(default_factory=list)


class UnitIndicators(IndicatorScores):
    unit: str


class IndicatorReport(IndicatorScores):
    """summary.json `indicators`: the set's issue, the totals and each unit's."""

    code: str
    issue: int
    title: Text
    sha256: str | None = None
    bands: list[IndicatorBand] = Field(default_factory=list, description="The set's bands, highest first")
    by_unit: list[UnitIndicators] = Field(default_factory=list)


class CheckSummary(StrictModel):
    """`summary.json`. Totals and every breakdown count the same dossiers."""

    manifest: Manifest
    totals: GroupSummary
    by_procedure: list[GroupSummary]
    by_field: list[GroupSummary]
    by_unit: list[GroupSummary]
    by_month: list[GroupSummary] = Field(description="By month of receipt")
    status_counts: dict[DossierStatus, int]
    findings: FindingsSummary
    data_quality: DataQuality
    warnings: list[str] = Field(default_factory=list)
    indicators: IndicatorReport | None = Field(
        default=None, description="Decision 766 service-quality index, when the library has an indicator set in force")
