"""Internal audits (ISO 9001 clause 9.2) as data: the programme file a quality
officer writes, and the result of one checklist item."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import Field, model_validator

from .common import StrictModel, Text


class AuditResultValue(str, Enum):
    conforming = "conforming"
    major_nc = "major_nc"
    minor_nc = "minor_nc"
    observation = "observation"
    ofi = "ofi"  # opportunity for improvement
    not_applicable = "not_applicable"


# What an auditor picks from the drop-down of the fill-in sheet.
RESULT_LABELS: dict[AuditResultValue, Text] = {
    AuditResultValue.conforming: Text(vi="Phù hợp", en="Conforming"),
    AuditResultValue.major_nc: Text(vi="Không phù hợp nặng", en="Major NC"),
    AuditResultValue.minor_nc: Text(vi="Không phù hợp nhẹ", en="Minor NC"),
    AuditResultValue.observation: Text(vi="Điểm lưu ý", en="Observation"),
    AuditResultValue.ofi: Text(vi="Cơ hội cải tiến", en="OFI"),
    AuditResultValue.not_applicable: Text(vi="Không áp dụng", en="Not applicable"),
}

NC_RESULTS = {AuditResultValue.major_nc: "major", AuditResultValue.minor_nc: "minor"}


class ProgrammedAudit(StrictModel):
    """One audit of the year's programme: what it covers and roughly when."""

    # "/" may separate parts (01/2026/DG), each starting with a letter or digit: a
    # "." or ".." part or an empty one would be rewritten in the audit's web address
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$", max_length=60)
    title: str = Field(min_length=1, max_length=300)
    processes: list[str] = Field(default_factory=list, description="Procedure codes or process names")
    units: list[str] = Field(min_length=1, description="Unit codes audited")
    clauses: list[str] = Field(default_factory=list, description="ISO 9001 clauses covered (empty = all)")
    month: int | None = Field(default=None, ge=1, le=12)


class AuditProgrammeSpec(StrictModel):
    """`audit-programme-YYYY.yaml`: a year's audits over processes, units and clauses."""

    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=300)
    audits: list[ProgrammedAudit] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self):
        codes = [audit.code for audit in self.audits]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate audit codes: {', '.join(duplicates)}")
        return self


class ItemResult(StrictModel):
    """The result of one checklist item, from the sheet or the command line."""

    item_id: str
    result: AuditResultValue
    evidence: str = ""
    notes: str = ""


class AuditPlanSpec(StrictModel):
    """The plan of a programmed audit as a person fills it in (the options of `qms audit
    plan`, the form of the web page); `plan_audit` then applies the independence rules."""

    audit_date: dt.date
    lead_auditor: str = Field(min_length=1, max_length=100)
    auditors: list[str] = Field(default_factory=list)
    auditees: list[str] = Field(min_length=1)
    checklist: str = Field(min_length=1, max_length=100, description="Checklist code in the library")
    scope: str | None = Field(default=None, max_length=2000)
