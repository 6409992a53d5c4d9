"""What the audit functions hand back: typed records instead of loose dicts. The
history keeps the snapshot dicts (their text is what is hashed); these are the API's
view of the same data, in the same field order, so printed JSON is unchanged.
`audit_results` still returns its dict: the audit report model reads that shape."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..capa.models import EvidenceFingerprint


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuditSnapshot(Record):
    """One audit of a programme, as the history records it."""

    code: str
    title: str
    processes: list[str]
    units: list[str]
    clauses: list[str]
    planned_month: int | None
    status: str
    audit_date: str | None  # ISO date
    scope: str | None
    lead_auditor: str | None
    auditors: list[str] | None
    auditees: list[str] | None
    checklist_code: str | None
    checklist_issue: int | None
    checklist_items: EvidenceFingerprint  # count and SHA-256 of the frozen items
    version: int


class ProgrammeChanges(Record):
    year: int
    added: list[str]
    updated: list[str]
    removed: list[str]


class ProgrammeCoverage(Record):
    units: list[str]
    processes: list[str]
    clauses: list[str]


class ProgrammeView(Record):
    year: int
    title: str
    created_by: str
    audits: list[AuditSnapshot]
    coverage: ProgrammeCoverage


class RecordOutcome(Record):
    """`record_results`: what was recorded and which NCs it raised."""

    audit: str
    recorded: int
    items: int
    results: dict[str, int]
    not_recorded: int
    raised: list[str]


class SheetWritten(Record):
    audit: str
    path: str
    items: int
