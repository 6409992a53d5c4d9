"""The documents a check judges against, gathered once: every procedure issue,
every rule-set issue, the working calendar, and their content hashes.

`qms.check.api` builds one from a `qms.library` library; tests and the Python API
may also build one directly from models.
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
from .rules import known_rule_ids


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
        unknown = sorted({rule_id for rs in self.rulesets for rule_id in rs.rules} - known_rule_ids())
        if unknown:
            from ..core.errors import QmsError
            from ..core.i18n import _

            raise QmsError(_("a rule set names unknown rule id(s): {ids}").format(ids=", ".join(unknown)))
        for doc in [*self.procedures, *self.rulesets, self.calendar_settings]:
            key = (doc.kind, doc.code, doc.issue)
            self.hashes.setdefault(key, doc.content_sha256 or _hash_model(doc))

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
