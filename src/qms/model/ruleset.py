"""The one-stop rule set in force over a date range (Decree 61/2018 → 118/2025 …):
how dossiers are classified and which checks are on, with what severity."""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from typing import Literal

from pydantic import Field

from .check_output import Severity
from .common import DocumentIssue, StrictModel, Text


class ClassificationMethodId(str, Enum):
    appointment = "appointment"  # finish compared with the appointment date on the receipt
    working_time = "working_time"  # used working time (minus pauses) compared with the legal limit


class RuleSetting(StrictModel):
    enabled: bool = True
    severity: Severity | None = Field(default=None, description="Overrides the rule's default severity")


class RuleSet(DocumentIssue):
    kind: Literal["ruleset"] = "ruleset"
    title: Text
    legal_basis: list[str] = Field(default_factory=list, description="Decrees and circulars this issue follows")
    classification_method: ClassificationMethodId = ClassificationMethodId.appointment
    apology_lead_working_days: float = Field(
        default=0, ge=0, le=3_660, description="The apology must be issued at least this many working days before the appointment"
    )
    max_supplement_requests: int = Field(default=1, ge=0, le=1_000)
    max_reschedules: int = Field(default=1, ge=0, le=1_000, description="New appointment dates allowed per dossier")
    count_repeated_supplement_as_late: bool = Field(
        default=True, description="The portal's formula counts a dossier with more than one supplement request as late"
    )
    rules: dict[str, RuleSetting] = Field(default_factory=dict, description="Rule id -> on/off and severity")


def ruleset_problems(ruleset: RuleSet, known_rule_ids: Collection[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """Rule ids that no check knows (a typo would otherwise switch nothing off).
    The ids are the check's rule registry's (`qms.check.rules.known_rule_ids()`),
    handed in by the library, so that the model depends on no check code."""
    from ..core.i18n import _

    known = ", ".join(sorted(known_rule_ids))
    return [
        (("rules", rule_id), _("unknown rule id; known rules are: {ids}").format(ids=known))
        for rule_id in ruleset.rules
        if rule_id not in known_rule_ids
    ]
