"""Pieces shared by every versioned process document (procedure, checklist, rule
set, calendar): the issue envelope with its effective dates and approval."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    """Unknown fields are errors: a typo in a YAML key must not pass silently."""

    # inf and nan are refused everywhere: a time limit of `.inf` would pass validation
    # and overflow in the check
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False, allow_inf_nan=False)


class Text(StrictModel):
    """Text in Vietnamese, optionally also in English."""

    vi: str = Field(min_length=1)
    en: str | None = None

    def in_language(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi


class DocumentStatus(str, Enum):
    draft = "draft"
    approved = "approved"
    obsolete = "obsolete"


class Signature(StrictModel):
    """One line of the signature block: Soạn thảo / Xem xét / Phê duyệt."""

    name: str = Field(min_length=1)
    title: str | None = None
    date: dt.date | None = None


class Revision(StrictModel):
    """A row of the revision history table (theo dõi sửa đổi)."""

    date: dt.date
    issue: int = Field(ge=1)
    part: str = Field(min_length=1, description="Part of the document changed")
    change: str = Field(min_length=1, description="What changed")


class DocumentIssue(StrictModel):
    """The envelope of one issue (ban hành lần N) of a controlled document.

    `effective_to` is the last day the issue is in force (inclusive); empty while it
    is the current issue. An approved issue is frozen: `content_sha256` records the
    hash of its content at approval, and any later change is a validation error.
    """

    code: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    issue: int = Field(ge=1, description="Issue number (ban hành lần)")
    status: DocumentStatus = DocumentStatus.draft
    effective_from: dt.date
    effective_to: dt.date | None = None
    prepared_by: Signature | None = None
    reviewed_by: Signature | None = None
    approved_by: Signature | None = None
    content_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="Hash of the content recorded at approval (set by `qms docs approve`)",
    )
    revision_history: list[Revision] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
