"""An administrative procedure (quy trình) as one issue of a controlled document.

Steps are the rows of the "Nội dung quy trình" table. A step's `id` is what a dossier
log records in its `step` column; the canonical statuses (`received`, `processed`,
`returned`, …) may themselves be step ids, which is how the receipt and the return of
the result take their place in the sequence.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Literal, Union

from pydantic import Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from ..core.i18n import _
from .common import DocumentIssue, StrictModel, Text
from .events import TERMINAL_OUTCOMES

# Statuses that end a dossier without the remaining steps (see DOMAIN.md).
DEFAULT_TERMINAL_OUTCOMES = TERMINAL_OUTCOMES  # the canonical list in model/events
STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class DurationUnit(str, Enum):
    working_days = "working_days"
    working_hours = "working_hours"
    calendar_days = "calendar_days"


# Ten years: a larger time limit is a typo, and past it the check's date arithmetic
# would overflow (1e308 days).
_MAX_AMOUNT = {"working_days": 3_660, "calendar_days": 3_660, "working_hours": 3_660 * 24}


class Duration(StrictModel):
    amount: float = Field(gt=0)
    unit: DurationUnit = DurationUnit.working_days

    @model_validator(mode="after")
    def _sane_amount(self) -> "Duration":
        largest = _MAX_AMOUNT[self.unit.value]
        if self.amount > largest:
            raise ValueError(f"{self.amount:g} {self.unit.value} is more than ten years (at most {largest:,})")
        return self

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


class Form(StrictModel):
    """A row of Biểu mẫu: a form used or produced by the procedure."""

    code: str = Field(min_length=1, description="e.g. 'BM-01' or 'Mẫu 01'")
    name: Text


class RetainedRecord(StrictModel):
    """A row of Hồ sơ cần lưu."""

    name: Text
    kept_by: str
    retention: str = Field(description="e.g. '05 năm', 'Vĩnh viễn'")


class FinishRule(str, Enum):
    """What finishes a dossier when no single step is named (see docs/check.md)."""

    default = "default"  # first `processed`, else first result, else stop or refusal
    last_event = "last_event"  # the dossier's last event: logs of closed cases only


class FinishStep(StrictModel):
    """A dossier finishes at an occurrence of one step of the procedure."""

    step: str = Field(pattern=STEP_ID_PATTERN, description="A step id of this procedure")
    occurrence: Literal["first", "last"] = Field(
        default="first", description="Which occurrence finishes the dossier when the step occurs more than once")


def _finish_form(value) -> str:
    return "finish_name" if isinstance(value, (str, FinishRule)) else "finish_step"


# Tagged by the form written, so that an error speaks of that form only (the tags are
# not keys of the file: located errors leave them out).
Finish = Annotated[Union[Annotated[FinishRule, Tag("finish_name")], Annotated[FinishStep, Tag("finish_step")]],
                   Discriminator(_finish_form)]


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
    finish: Finish = Field(
        default=FinishRule.default,
        description="What finishes a dossier: `default` (first processed, else first result, else stop or "
                    "refusal), `last_event`, or `{step: ID, occurrence: first|last}`")
    forms: list[Form] = Field(default_factory=list)
    records: list[RetainedRecord] = Field(default_factory=list)

    @field_validator("finish", mode="before")
    @classmethod
    def _finish_written_right(cls, value):
        if isinstance(value, (dict, FinishRule, FinishStep)) or (
                isinstance(value, str) and value in {rule.value for rule in FinishRule}):
            return value
        raise ValueError(_("expected default, last_event or {{step: ID, occurrence: first|last}} (got {value!r})")
                         .format(value=value))

    @model_validator(mode="after")
    def _steps_consistent(self, info: ValidationInfo):
        # The library loader asks to defer these checks (context `defer_cross_checks`)
        # and runs `procedure_problems` itself, so that each problem is reported at
        # its own line and field instead of once at the top of the file.
        if not (info.context or {}).get("defer_cross_checks"):
            problems = procedure_problems(self)
            if problems:
                raise ValueError("; ".join(f"{format_location(loc)}: {message}" for loc, message in problems))
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


CANONICAL_OUTCOMES = DEFAULT_TERMINAL_OUTCOMES

Location = tuple[str | int, ...]


def format_location(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def procedure_problems(procedure: Procedure, working_day_hours: float = 8.0) -> list[tuple[Location, str]]:
    """Cross-field problems of a procedure, each with the field path it is about.

    Duplicate step ids, loops whose ends are not steps, terminal outcomes that are
    neither a canonical end status nor a step, a finish step that is not a step, and
    allotted step times adding up to more than the legal time limit.
    """
    problems: list[tuple[Location, str]] = []
    ids = [step.id for step in procedure.steps]
    first_index: dict[str, int] = {}
    for index, step_id in enumerate(ids):
        if step_id in first_index:
            problems.append(
                (("steps", index, "id"), _("step id {id!r} is already used by steps[{first}]").format(id=step_id, first=first_index[step_id]))
            )
        else:
            first_index[step_id] = index
    for index, loop in enumerate(procedure.loops):
        for end in ("from_step", "to_step"):
            target = getattr(loop, end)
            if target not in first_index:
                problems.append(
                    (("loops", index, end), _("no step has the id {id!r}; steps are: {ids}").format(id=target, ids=", ".join(ids)))
                )
    approvals = [i for i, step in enumerate(procedure.steps) if getattr(step, "approval", False)]
    results = [i for i, step in enumerate(procedure.steps) if getattr(step, "result", False)]
    if approvals and results and results[0] < approvals[0]:
        problems.append(
            (
                ("steps", results[0], "result"),
                _("the result is handed over (steps[{result}]) before the approval step (steps[{approval}])").format(
                    result=results[0], approval=approvals[0]
                ),
            )
        )
    for index, outcome in enumerate(procedure.terminal_outcomes):
        if outcome not in CANONICAL_OUTCOMES and outcome not in first_index:
            problems.append(
                (
                    ("terminal_outcomes", index),
                    _("{outcome!r} is neither an end status ({statuses}) nor a step id").format(
                        outcome=outcome, statuses=", ".join(CANONICAL_OUTCOMES)
                    ),
                )
            )
    finish = getattr(procedure, "finish", None)
    if isinstance(finish, FinishStep) and finish.step not in first_index:
        problems.append(
            (("finish", "step"), _("no step has the id {id!r}; steps are: {ids}").format(id=finish.step, ids=", ".join(ids)))
        )
    if procedure.time_limit is None:  # only in a partial check of an invalid file
        return problems
    limit_hours = procedure.time_limit.in_working_hours(working_day_hours)
    shares = [step.allotted.in_working_hours(working_day_hours) for step in procedure.steps if step.allotted]
    if limit_hours is not None and shares and None not in shares and sum(shares) > limit_hours + 1e-9:
        if procedure.time_limit.unit is DurationUnit.working_days:
            message = _("the steps' allotted times add up to {total:g} working days, more than the time limit of {limit:g} working days").format(
                total=sum(shares) / working_day_hours, limit=procedure.time_limit.amount
            )
        else:
            message = _("the steps' allotted times add up to {total:g} working hours, more than the time limit of {limit:g} working hours").format(
                total=sum(shares), limit=limit_hours
            )
        problems.append((("time_limit",), message))
    return problems
