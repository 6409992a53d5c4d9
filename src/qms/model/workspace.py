"""The workspace configuration file (`qms.yaml`): who the organisation is, who may
do what, who signs reports, and where the library and database are."""

from __future__ import annotations

from enum import Enum

from pydantic import Field

from .common import StrictModel, Text
from .limits import ReaderLimits


class Role(str, Enum):
    quality_officer = "quality_officer"  # cán bộ / thư ký ISO
    manager = "manager"  # lãnh đạo
    auditor = "auditor"  # chuyên gia đánh giá nội bộ
    inspector = "inspector"  # thanh tra, read-only


class Person(StrictModel):
    name: str = Field(min_length=1)
    title: str | Text | None = Field(default=None, description="Job title: text, or {vi: …, en: …} for both languages")
    unit: str | None = Field(default=None, description="Unit code the person belongs to")
    roles: list[Role] = Field(default_factory=list)

    def title_in(self, language: str) -> str | None:
        """The job title in `language` (Vietnamese when no English title is given)."""
        return self.title.in_language(language) if isinstance(self.title, Text) else self.title


class Organisation(StrictModel):
    name: Text
    parent: Text | None = Field(default=None, description="Governing body, e.g. the provincial People's Committee")
    address: str | None = None
    place: str | None = Field(default=None, description="Place name before the date under signatures, e.g. 'Hà Nam'")


class ReportSignatories(StrictModel):
    """Names in the approval block of reports (Người lập / Người kiểm tra / Người phê duyệt)."""

    prepared_by: str | None = Field(default=None, description="User id from `users`")
    reviewed_by: str | None = None
    approved_by: str | None = None


class IndicatorTargets(StrictModel):
    on_time_rate: float = Field(default=0.95, ge=0, le=1)
    online_share: float = Field(default=0.50, ge=0, le=1)
    max_open_overdue: int = Field(default=0, ge=0)


class WorkspaceConfig(StrictModel):
    organisation: Organisation
    docs_dir: str = Field(default="process_docs", description="Library folder, relative to the workspace")
    calendar: str | None = Field(default=None, description="Code of the calendar document to use")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file qms.db in the workspace. QMS_DATABASE_URL overrides.",
    )
    language: str = Field(default="vi", pattern=r"^(vi|en)$")
    units: dict[str, Text] = Field(default_factory=dict, description="Unit code -> unit name")
    users: dict[str, Person] = Field(default_factory=dict, description="User id -> person and roles")
    signatories: ReportSignatories = Field(default_factory=ReportSignatories)
    targets: IndicatorTargets = Field(default_factory=IndicatorTargets)
    limits: ReaderLimits = Field(
        default_factory=ReaderLimits, description="How much of an input file qms reads before refusing it (docs/limits.md)"
    )
