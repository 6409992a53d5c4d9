"""An audit checklist (danh mục / phiếu kiểm tra) as one issue of a controlled document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .common import DocumentIssue, StrictModel, Text


class ChecklistItem(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    clause: str = Field(pattern=r"^\d+(\.\d+)*$", description="ISO 9001:2015 clause number, e.g. 8.5.1")
    question: Text
    guidance: Text | None = None
    evidence: list[Text] = Field(default_factory=list, description="Expected evidence")
    procedures: list[str] = Field(default_factory=list, description="Applies to these procedure codes (empty = all)")
    units: list[str] = Field(default_factory=list, description="Applies to these units (empty = all)")

    @field_validator("clause")
    @classmethod
    def _iso_9001_clause(cls, value: str) -> str:
        top = int(value.split(".")[0])
        if not 4 <= top <= 10:
            raise ValueError("ISO 9001:2015 requirements are in clauses 4 to 10")
        return value


class Checklist(DocumentIssue):
    kind: Literal["checklist"] = "checklist"
    title: Text
    standard: str = "ISO 9001:2015"
    scope: Text | None = None
    items: list[ChecklistItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_item_ids(self):
        ids = [item.id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate item ids: {', '.join(duplicates)}")
        return self
