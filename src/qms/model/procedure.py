"""An administrative procedure (quy trình) as one issue of a controlled document.

Steps are the rows of the "Nội dung quy trình" table. A step's `id` is what a dossier
log records in its `step` column; the canonical statuses (`received`, `processed`,
`returned`, …) may themselves be step ids, which is how the receipt and the return of
the result take their place in the sequence.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import Field, model_validator

from .common import DocumentIssue, StrictModel, Text

# Statuses that end a dossier without the remaining steps (see DOMAIN.md).
DEFAULT_TERMINAL_OUTCOMES = ("refused", "withdrawn", "stopped")
STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class DurationUnit(str, Enum):
    working_days = "working_days"
    working_hours = "working_hours"
    calendar_days = "calendar_days"


class Duration(StrictModel):
    amount: float = Field(gt=0)
    unit: DurationUnit = DurationUnit.working_days

    def in_working_hours(self, working_day_hours: float = 8.0) -> float | None:
        """Comparable size in working hours; None for calendar days (not comparable)."""
        if self.unit is DurationUnit.working_days:
            return self.amount * working_day_hours
        if self.unit is DurationUnit.working_hours:
            return self.amount
        return None


class RequiredDocument(StrictModel):
    """One item of thành phần hồ sơ."""

    name: Text
    copies: str | None = Field(default=None, description="e.g. '01 bản chính'")
    optional: bool = False


class Step(StrictModel):
    id: str = Field(pattern=STEP_ID_PATTERN)
    name: Text
    unit: str = Field(min_length=1, description="Responsible unit code")
    allotted: Duration | None = Field(default=None, description="Time share of this step")
    output: str | None = Field(default=None, description="Form or record produced (biểu mẫu / kết quả)")
    optional: bool = False
    repeatable: bool = False
    approval: bool = Field(default=False, description="The leader's approval (phê duyệt) of the result")
    result: bool = Field(default=False, description="Handing the result to the applicant (trả kết quả)")


class Loop(StrictModel):
    """An allowed jump back, e.g. from appraisal to receipt after a supplement request."""

    from_step: str = Field(pattern=STEP_ID_PATTERN)
    to_step: str = Field(pattern=STEP_ID_PATTERN)
    reason: Text | None = None


class Definition(StrictModel):
    term: str
    meaning: Text


class RetainedRecord(StrictModel):
    """A row of Hồ sơ cần lưu."""

    name: Text
    kept_by: str
    retention: str = Field(description="e.g. '05 năm', 'Vĩnh viễn'")


class Procedure(DocumentIssue):
    kind: Literal["procedure"] = "procedure"
    title: Text
    national_code: str | None = Field(default=None, description="Code in the national database, e.g. 1.001234")
    field: Text = Field(description="Lĩnh vực")
    agency: str | None = None
    time_limit: Duration = Field(description="Legal time limit (thời hạn giải quyết)")
    receipt_cutoff: dt.time | None = Field(
        default=None, description="Dossiers received after this time count from the next working day"
    )
    purpose: Text | None = None
    scope: Text | None = None
    references: list[str] = Field(default_factory=list)
    definitions: list[Definition] = Field(default_factory=list)
    distribution: list[str] = Field(default_factory=list)
    required_documents: list[RequiredDocument] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    loops: list[Loop] = Field(default_factory=list)
    terminal_outcomes: list[str] = Field(default_factory=lambda: list(DEFAULT_TERMINAL_OUTCOMES))
    records: list[RetainedRecord] = Field(default_factory=list)

    @model_validator(mode="after")
    def _steps_consistent(self):
        ids = [step.id for step in self.steps]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate step ids: {', '.join(duplicates)}")
        for index, loop in enumerate(self.loops):
            for end in (loop.from_step, loop.to_step):
                if end not in ids:
                    raise ValueError(f"loops[{index}] points at step {end!r}, which the procedure does not have")
        limit_hours = self.time_limit.in_working_hours()
        shares = [step.allotted.in_working_hours() for step in self.steps if step.allotted]
        if limit_hours is not None and shares and None not in shares and sum(shares) > limit_hours + 1e-9:
            raise ValueError(
                f"the steps' allotted times add up to {sum(shares) / 8:g} working days, "
                f"more than the time limit of {limit_hours / 8:g} working days"
            )
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)
