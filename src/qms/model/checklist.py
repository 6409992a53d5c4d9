"""An audit checklist (danh mục / phiếu kiểm tra) as one issue of a controlled document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..core.i18n import _
from .common import DocumentIssue, StrictModel, Text


class ChecklistItem(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    clause: str = Field(pattern=r"^\d+(\.\d+)*$", description="ISO 9001:2015 clause number, e.g. 8.5.1")
    question: Text
    guidance: Text | None = None
    evidence: list[Text] = Field(default_factory=list, description="Expected evidence")
    procedures: list[str] = Field(default_factory=list, description="Applies to these procedure codes (empty = all)")
    units: list[str] = Field(default_factory=list, description="Applies to these units (empty = all)")

    @field_validator("clause", mode="before")
    @classmethod
    def _number_as_text(cls, value):
        # YAML reads an unquoted `clause: 9.2` as a number; the clause is text.
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("clause")
    @classmethod
    def _iso_9001_clause(cls, value: str) -> str:
        top = int(value.split(".")[0])
        if not 4 <= top <= 10:
            raise ValueError(_("ISO 9001:2015 requirements are in clauses 4 to 10"))
        return value


class Checklist(DocumentIssue):
    kind: Literal["checklist"] = "checklist"
    title: Text
    standard: str = "ISO 9001:2015"
    scope: Text | None = None
    items: list[ChecklistItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_item_ids(self, info: ValidationInfo):
        # Deferred by the library loader, which reports each duplicate at its line.
        if not (info.context or {}).get("defer_cross_checks"):
            problems = checklist_problems(self)
            if problems:
                raise ValueError("; ".join(message for _loc, message in problems))
        return self


def checklist_problems(checklist: Checklist) -> list[tuple[tuple[str | int, ...], str]]:
    """Item ids repeated within the checklist, each at the repeated item."""
    problems = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(checklist.items):
        if item.id in first_index:
            problems.append(
                (("items", index, "id"), _("item id {id!r} is already used by items[{first}]").format(id=item.id, first=first_index[item.id]))
            )
        else:
            first_index[item.id] = index
    return problems
