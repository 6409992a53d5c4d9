"""Audit plans: date, scope, team, auditees and the checklist issue used.

ISO 19011 independence: an auditor does not audit their own work, so a plan whose
lead auditor or auditor belongs to an audited unit is refused, as is a plan whose
checklist issue is not approved and in force on the audit date. The checklist
items that apply (by clause, process and unit) are frozen into the audit, so a
later issue of the checklist does not change an audit already planned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..capa import history, roles
from ..capa.errors import NotFound, TransitionRefused
from .models import AuditSnapshot
from ..db import Database
from ..db.tables import Audit
from ..core.i18n import _
from ..model.checklist import Checklist, ChecklistItem
from ..model.common import DocumentStatus
from ..model.workspace import Role, WorkspaceConfig
from .programme import audit_snapshot


class PlanRefused(TransitionRefused):
    """A plan refused; `by_field` holds the problems by the plan's field (audit_date,
    lead_auditor, auditors, auditees, checklist; "" for the audit as a whole), so that a
    form can show each beside its field."""

    def __init__(self, code: str, problems: list[tuple[str, str]]):
        super().__init__(_("Plan of {code} refused: {reasons}").format(
            code=code, reasons="; ".join(message for _field, message in problems)))
        self.by_field: dict[str, str] = {}
        for field, message in problems:
            self.by_field[field] = f"{self.by_field[field]}; {message}" if field in self.by_field else message


def load_audit(session: Session, code: str) -> Audit:
    audit = session.scalars(select(Audit).where(Audit.code == code)
                            .execution_options(populate_existing=True)).one_or_none()
    if audit is None:
        raise NotFound(_("No audit {code} in any programme").format(code=code))
    return audit


def _clause_covered(item_clause: str, clauses: list[str]) -> bool:
    return not clauses or any(item_clause == c or item_clause.startswith(c + ".") or c.startswith(item_clause + ".")
                              for c in clauses)


def applicable_items(checklist: Checklist, audit: Audit) -> list[ChecklistItem]:
    """Items whose clause, procedures and units meet the audit's scope."""
    return [item for item in checklist.items
            if _clause_covered(item.clause, audit.clauses or [])
            and (not item.procedures or not audit.processes or set(item.procedures) & set(audit.processes))
            and (not item.units or set(item.units) & set(audit.units))]


def frozen_item(item: ChecklistItem) -> dict[str, Any]:
    return {"id": item.id, "clause": item.clause, "question_vi": item.question.vi, "question_en": item.question.en,
            "guidance_vi": item.guidance.vi if item.guidance else None,
            "guidance_en": item.guidance.en if item.guidance else None}


def plan_audit(db: Database, config: WorkspaceConfig, actor: str, code: str, *, audit_date: dt.date,
               lead_auditor: str, auditors: list[str], auditees: list[str], checklist: Checklist,
               scope: str | None = None) -> AuditSnapshot:
    """Record (or re-record, before any result) the plan of a programmed audit."""
    roles.require(config, actor, "plan_audit")
    team = [lead_auditor, *[a for a in auditors if a != lead_auditor]]
    with db.writing() as session:
        audit = load_audit(session, code)
        problems: list[tuple[str, str]] = []  # (the plan's field it is about, what is wrong)
        if audit.status == "recorded":
            problems.append(("", _("results are already recorded; the plan can no longer change")))
        for user in team:
            field = "lead_auditor" if user == lead_auditor else "auditors"
            who = config.users.get(user)
            if who is None:
                problems.append((field, _("auditor '{user}' is not in the workspace configuration").format(user=user)))
                continue
            if Role.auditor not in who.roles:
                problems.append((field, _("'{user}' does not have the auditor role").format(user=user)))
            if who.unit and who.unit in audit.units:
                problems.append((field, _("auditor '{user}' belongs to unit {unit}, which this audit covers: an "
                                          "auditor must not audit their own unit").format(user=user, unit=who.unit)))
            if user in auditees:
                problems.append(("auditees", _("'{user}' cannot be both auditor and auditee").format(user=user)))
        for user in auditees:
            if user not in config.users:
                problems.append(("auditees", _("auditee '{user}' is not in the workspace configuration").format(
                    user=user)))
        if not auditees:
            problems.append(("auditees", _("name at least one auditee")))
        if audit.programme.year != audit_date.year:
            problems.append(("audit_date", _("the date {date} is outside the programme year {year}").format(
                date=audit_date, year=audit.programme.year)))
        if checklist.status != DocumentStatus.approved or not checklist.in_force_on(audit_date):
            problems.append(("checklist", _("checklist {code} issue {issue} is not an approved issue in force on "
                                            "{date}").format(code=checklist.code, issue=checklist.issue,
                                                             date=audit_date)))
        items = applicable_items(checklist, audit)
        if not items:
            problems.append(("checklist", _("no item of checklist {code} applies to this audit's clauses, processes "
                                            "and units").format(code=checklist.code)))
        if problems:
            raise PlanRefused(code, problems)
        before = audit_snapshot(audit)
        audit.audit_date, audit.scope = audit_date, scope or audit.title
        audit.lead_auditor, audit.auditors, audit.auditees = lead_auditor, team, list(auditees)
        audit.checklist_code, audit.checklist_issue = checklist.code, checklist.issue
        audit.checklist_items = [frozen_item(item) for item in items]
        audit.status = "planned"
        session.flush()
        after = audit_snapshot(audit)
        history.append(session, actor=actor, entity="audit", entity_id=code, action="plan", before=before,
                       after={**after, "checklist_sha256": checklist.content_sha256})
        return AuditSnapshot.model_validate(after)
