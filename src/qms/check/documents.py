"""The documents a check judges against, gathered once: every procedure issue,
every rule-set issue, the working calendar, and their content hashes.

`CheckDocuments.from_library(lib)` adapts a `qms.library` library; tests and the
Python API may also build one directly from models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..model.calendar import CalendarSettings
from ..model.common import DocumentStatus
from ..model.procedure import Procedure
from ..model.ruleset import RuleSet
from .rules import RULES_BY_ID


def _hash_model(doc) -> str:
    payload = json.dumps(doc.model_dump(mode="json", exclude={"content_sha256"}), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# The rule set used for dossiers received on a day no rule-set issue covers: the
# defaults of the model (appointment method, one supplement request, one reschedule).
DEFAULT_RULESET = RuleSet(
    code="DEFAULT", issue=1, status=DocumentStatus.approved, effective_from=dt.date(1900, 1, 1),
    title={"vi": "Mặc định của qms", "en": "qms defaults"},
)


@dataclass
class CheckDocuments:
    procedures: list[Procedure]
    rulesets: list[RuleSet]
    calendar: Any  # qms.calendar.WorkCalendar (scalar methods and `_array` twins)
    calendar_settings: CalendarSettings
    hashes: dict[tuple[str, str, int], str] = field(default_factory=dict)  # (kind, code, issue) -> sha256
    holiday_source: str = ""
    years_without_holiday_data: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said in the summary's warnings

    def __post_init__(self):
        unknown = sorted({rule_id for rs in self.rulesets for rule_id in rs.rules} - set(RULES_BY_ID))
        if unknown:
            from ..core.errors import QmsError
            from ..core.i18n import _

            raise QmsError(_("a rule set names unknown rule id(s): {ids}").format(ids=", ".join(unknown)))
        for doc in [*self.procedures, *self.rulesets, self.calendar_settings]:
            key = (doc.kind, doc.code, doc.issue)
            self.hashes.setdefault(key, doc.content_sha256 or _hash_model(doc))

    @classmethod
    def from_library(cls, lib, calendar_code: str | None = None) -> "CheckDocuments":
        from ..calendar import WorkCalendar

        procedures = list(_all_issues(lib, "procedures"))
        rulesets = list(_all_issues(lib, "rulesets"))
        settings = lib.calendar(calendar_code) if calendar_code else lib.calendar()
        calendar = WorkCalendar.from_settings(settings)
        hashes = {}
        for doc in [*procedures, *rulesets, settings]:
            try:
                hashes[(doc.kind, doc.code, doc.issue)] = lib.content_hash(doc)
            except Exception:  # a library without hashes for this document: hash the model
                pass
        return cls(
            procedures=procedures, rulesets=rulesets, calendar=calendar, calendar_settings=settings,
            hashes=hashes,
            holiday_source=str(getattr(calendar, "holiday_source", "") or ""),
            years_without_holiday_data=list(_call_or_value(getattr(calendar, "years_without_holiday_data", ()))),
        )

    # -- issues in force ------------------------------------------------------------

    def usable_procedures(self) -> list[Procedure]:
        """Issues a dossier may be judged by: approved (current or since made obsolete)."""
        return [p for p in self.procedures if p.status is not DocumentStatus.draft]

    def usable_rulesets(self) -> list[RuleSet]:
        return [r for r in self.rulesets if r.status is not DocumentStatus.draft]

    def procedure_in_force(self, code: str, day: dt.date) -> Procedure | None:
        candidates = [p for p in self.usable_procedures() if p.code == code and p.in_force_on(day)]
        return max(candidates, key=lambda p: p.issue) if candidates else None

    def ruleset_in_force(self, day: dt.date) -> RuleSet:
        candidates = [r for r in self.usable_rulesets() if r.in_force_on(day)]
        return max(candidates, key=lambda r: (r.effective_from, r.issue)) if candidates else DEFAULT_RULESET

    def known_codes(self) -> set[str]:
        return {p.code for p in self.procedures}

    @property
    def timezone(self) -> str:
        return self.calendar_settings.timezone

    @property
    def working_day_minutes(self) -> float:
        return self.calendar_settings.working_day_hours * 60


def _call_or_value(value):
    return value() if callable(value) else value


def _all_issues(lib, what: str):
    """Every issue of every document of one kind, whatever the library calls them."""
    if what == "procedures":
        for name in ("all_procedures", "procedure_issues"):
            if hasattr(lib, name):
                return list(getattr(lib, name)())
        return list(lib.procedures(at=None))
    for name in ("all_rulesets", "ruleset_issues", "rulesets"):
        if hasattr(lib, name):
            value = getattr(lib, name)
            return list(value() if callable(value) else value)
    return []
