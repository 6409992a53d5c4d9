"""The audit programme: a year's internal audits over processes, units and clauses.

Loading a programme file again updates it: audits not yet planned take the new
fields, new audits are added, and audits dropped from the file are removed while
they are only programmed. An audit that already has a plan or results cannot be
changed or removed through the programme.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..capa import history, roles
from ..capa.errors import NotFound, TransitionRefused
from ..capa.register import now_utc
from ..db import Database
from ..db.tables import Audit, AuditProgramme
from ..core.errors import ValidationFailed
from ..core.i18n import _
from ..core.model_file import load_model_file
from ..model.audit import AuditProgrammeSpec, ProgrammedAudit
from ..model.workspace import WorkspaceConfig
from .models import AuditSnapshot, ProgrammeChanges, ProgrammeView



def load_programme_file(path: str | Path) -> AuditProgrammeSpec:
    """Parse and validate a programme YAML file; errors name file, line and field."""
    return load_model_file(path, AuditProgrammeSpec,
                           summary=_("The audit programme {path} is invalid").format(path=path))


def audit_snapshot(audit: Audit) -> dict[str, Any]:
    items = audit.checklist_items or []
    return {
        "code": audit.code, "title": audit.title, "processes": audit.processes, "units": audit.units,
        "clauses": audit.clauses, "planned_month": audit.planned_month, "status": audit.status,
        "audit_date": audit.audit_date.isoformat() if audit.audit_date else None, "scope": audit.scope,
        "lead_auditor": audit.lead_auditor, "auditors": audit.auditors, "auditees": audit.auditees,
        "checklist_code": audit.checklist_code, "checklist_issue": audit.checklist_issue,
        "checklist_items": {"count": len(items), "sha256": hashlib.sha256(
            history.canonical_json(items).encode("utf-8")).hexdigest()},
        "version": audit.version,
    }


def _fields(spec: ProgrammedAudit) -> dict[str, Any]:
    return {"title": spec.title, "processes": list(spec.processes), "units": list(spec.units),
            "clauses": list(spec.clauses), "planned_month": spec.month}


def save_programme(db: Database, config: WorkspaceConfig, actor: str, spec: AuditProgrammeSpec) -> ProgrammeChanges:
    """Create or update the programme of `spec.year`; returns what changed."""
    roles.require(config, actor, "programme")
    _require_known_units(config, spec.audits)
    added, updated, removed = [], [], []
    with db.writing() as session:
        programme = _programme_of_year(session, actor, spec.year, spec.title)
        if programme.title != spec.title:
            before = {"year": spec.year, "title": programme.title}
            programme.title = spec.title
            history.append(session, actor=actor, entity="audit_programme", entity_id=str(spec.year),
                           action="update", before=before, after={"year": spec.year, "title": spec.title})
        existing = {audit.code: audit for audit in programme.audits}
        taken = _codes_in_other_programmes(session, programme.id, [a.code for a in spec.audits])
        if taken:
            raise TransitionRefused(_("Audit codes already used in another year's programme: {codes}").format(
                codes=", ".join(taken)))
        problems = []
        for audit_spec in spec.audits:
            fields = _fields(audit_spec)
            audit = existing.get(audit_spec.code)
            if audit is None:
                _insert_audit(session, actor, programme, audit_spec)
                added.append(audit_spec.code)
            elif any(getattr(audit, key) != value for key, value in fields.items()):
                if audit.status != "programmed":
                    problems.append(_("{code} is already {status} and cannot be changed through the programme").format(
                        code=audit.code, status=audit.status))
                    continue
                before = audit_snapshot(audit)
                for key, value in fields.items():
                    setattr(audit, key, value)
                session.flush()
                history.append(session, actor=actor, entity="audit", entity_id=audit.code, action="reprogramme",
                               before=before, after=audit_snapshot(audit))
                updated.append(audit.code)
        wanted = {a.code for a in spec.audits}
        for code, audit in existing.items():
            if code in wanted:
                continue
            if audit.status != "programmed":
                problems.append(_("{code} is already {status} and cannot be removed from the programme").format(
                    code=code, status=audit.status))
                continue
            history.append(session, actor=actor, entity="audit", entity_id=code, action="unprogramme",
                           before=audit_snapshot(audit), after=None)
            session.delete(audit)
            removed.append(code)
        if problems:
            raise TransitionRefused("\n".join([_("The programme was not changed:"), *problems]))
    return ProgrammeChanges(year=spec.year, added=added, updated=updated, removed=removed)


def add_audit(db: Database, config: WorkspaceConfig, actor: str, year: int, audit_spec: ProgrammedAudit,
              *, programme_title: str | None = None) -> AuditSnapshot:
    """Add one audit to the programme of `year` (made with `programme_title` when the
    year has none yet), leaving the programme's other audits as they are."""
    roles.require(config, actor, "programme")
    _require_known_units(config, [audit_spec])
    with db.writing() as session:
        exists = session.scalars(select(AuditProgramme.id).where(AuditProgramme.year == year)).one_or_none()
        if exists is None and not (programme_title or "").strip():
            raise ValidationFailed([_("programme title: required for a year without a programme")],
                                   _("No audit programme for {year}").format(year=year))
        taken_in = session.scalars(select(AuditProgramme.year).join(Audit, Audit.programme_id == AuditProgramme.id)
                                   .where(Audit.code == audit_spec.code)).one_or_none()
        if taken_in is not None:
            raise TransitionRefused(_("Audit {code} is already in the programme of {year}").format(
                code=audit_spec.code, year=taken_in))
        programme = _programme_of_year(session, actor, year, (programme_title or "").strip())
        return AuditSnapshot.model_validate(_insert_audit(session, actor, programme, audit_spec))


def _require_known_units(config: WorkspaceConfig, audits: list[ProgrammedAudit]) -> None:
    if config.units:
        unknown = [f"{audit.code}: " + _("unit '{unit}' is not in the workspace configuration").format(unit=unit)
                   for audit in audits for unit in audit.units if unit not in config.units]
        if unknown:
            raise ValidationFailed(unknown, _("The audit programme names unknown units"))


def _programme_of_year(session: Session, actor: str, year: int, title: str) -> AuditProgramme:
    """The programme of `year`, made (and recorded in the history) when there is none."""
    programme = session.scalars(select(AuditProgramme).where(AuditProgramme.year == year)
                                .options(selectinload(AuditProgramme.audits))).one_or_none()
    if programme is None:
        programme = AuditProgramme(year=year, title=title, created_by=actor, created_at=now_utc())
        session.add(programme)
        session.flush()
        history.append(session, actor=actor, entity="audit_programme", entity_id=str(year), action="create",
                       before=None, after={"year": year, "title": title})
    return programme


def _insert_audit(session: Session, actor: str, programme: AuditProgramme, spec: ProgrammedAudit) -> dict[str, Any]:
    audit = Audit(programme_id=programme.id, code=spec.code, status="programmed", **_fields(spec))
    session.add(audit)
    session.flush()
    snapshot = audit_snapshot(audit)
    history.append(session, actor=actor, entity="audit", entity_id=audit.code, action="programme",
                   before=None, after=snapshot)
    return snapshot


def _codes_in_other_programmes(session: Session, programme_id: int, codes: list[str]) -> list[str]:
    return sorted(session.scalars(select(Audit.code).where(Audit.code.in_(codes),
                                                           Audit.programme_id != programme_id)))


def show_programme(db: Database, year: int) -> ProgrammeView:
    with db.reading() as session:
        programme = session.scalars(select(AuditProgramme).where(AuditProgramme.year == year)
                                    .options(selectinload(AuditProgramme.audits))).one_or_none()
        if programme is None:
            raise NotFound(_("No audit programme for {year}").format(year=year))
        audits = [audit_snapshot(audit) for audit in programme.audits]
        coverage = {
            "units": sorted({u for a in audits for u in a["units"]}),
            "processes": sorted({p for a in audits for p in a["processes"]}),
            "clauses": sorted({c for a in audits for c in a["clauses"]}),
        }
        return ProgrammeView(year=programme.year, title=programme.title, created_by=programme.created_by,
                             audits=audits, coverage=coverage)


def programme_years(db: Database) -> list[int]:
    """The years that have an audit programme, newest first."""
    with db.reading() as session:
        return list(session.scalars(select(AuditProgramme.year).order_by(AuditProgramme.year.desc())))
