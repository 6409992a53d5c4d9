"""Recording checklist results of an audit; major and minor NCs raise
nonconformities in the register (one per item, raised once even if the results
are recorded again)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from ..capa import history, register, roles
from ..capa.errors import PermissionRefused, TransitionRefused
from .models import RecordOutcome
from ..db import Database
from ..db.tables import AuditResult, Nonconformity
from ..core.errors import ValidationFailed
from ..core.i18n import _, get_language
from ..model.audit import NC_RESULTS, ItemResult
from ..model.workspace import Role, WorkspaceConfig
from .plan import load_audit
from .programme import audit_snapshot


class ResultsRefused(ValidationFailed):
    """Results not recorded; `by_item` holds each refused item's problems, so that a
    form can show them beside the item."""

    def __init__(self, problems: list[str], summary: str, by_item: dict[str, list[str]]):
        super().__init__(problems, summary)
        self.by_item = by_item


def _require_recorder(config: WorkspaceConfig, actor: str, audit) -> None:
    who = roles.require(config, actor, "record_audit")
    team = [audit.lead_auditor, *(audit.auditors or [])]
    if Role.quality_officer not in who.roles and actor not in team:
        raise PermissionRefused(_("'{user}' is not on the team of audit {code}").format(user=actor, code=audit.code))


def question_text(item: dict[str, Any], language: str | None = None) -> str:
    language = language or get_language()
    return item["question_en"] if language == "en" and item.get("question_en") else item["question_vi"]


def record_results(db: Database, config: WorkspaceConfig, actor: str, code: str, results: list[ItemResult],
                   *, source: str = "command line") -> RecordOutcome:
    """Store item results (replacing earlier results of the same items) and raise NCs."""
    with db.writing() as session:
        audit = load_audit(session, code)
        _require_recorder(config, actor, audit)
        if audit.status == "programmed":
            raise TransitionRefused(_("Audit {code} has no plan yet (qms audit plan)").format(code=code))
        items = {item["id"]: (position, item) for position, item in enumerate(audit.checklist_items or [], start=1)}
        problems = []
        by_item: dict[str, list[str]] = {}
        seen: set[str] = set()

        def refuse(item_id: str, problem: str) -> None:
            problems.append(problem)
            by_item.setdefault(item_id, []).append(problem)

        for result in results:
            if result.item_id not in items:
                refuse(result.item_id, _("{source}: item '{item}' is not in the checklist of {code}").format(
                    source=source, item=result.item_id, code=code))
            if result.item_id in seen:
                refuse(result.item_id, _("{source}: item '{item}' is given twice").format(
                    source=source, item=result.item_id))
            seen.add(result.item_id)
            if result.result in NC_RESULTS and not result.evidence.strip():
                refuse(result.item_id, _("{source}: item '{item}': a nonconformity needs its evidence").format(
                    source=source, item=result.item_id))
        if problems:
            raise ResultsRefused(problems, _("Results of {code} not recorded").format(code=code), by_item)
        existing = {row.item_id: row for row in session.scalars(
            select(AuditResult).where(AuditResult.audit_id == audit.id))}
        before = {"audit": audit_snapshot(audit),
                  "results": {item_id: result_dict(row) for item_id, row in sorted(existing.items())}}
        at = register.now_utc()
        raised = []
        for result in results:
            position, item = items[result.item_id]
            row = existing.get(result.item_id)
            if row is None:
                row = AuditResult(audit_id=audit.id, item_id=result.item_id, position=position)
                session.add(row)
                existing[result.item_id] = row
            row.clause, row.question = item["clause"], item["question_vi"]
            row.result, row.evidence, row.notes = result.result.value, result.evidence.strip(), result.notes.strip()
            row.recorded_by, row.recorded_at = actor, at
            if result.result in NC_RESULTS and row.nc_id is None:
                nc = _raise_audit_nc(session, audit, item, result, actor)
                row.nc_id = nc["id"]
                raised.append(nc["code"])
        audit.status = "recorded"
        session.flush()
        after = {"audit": audit_snapshot(audit),
                 "results": {item_id: result_dict(row) for item_id, row in sorted(existing.items())}}
        history.append(session, actor=actor, entity="audit", entity_id=code, action="record", before=before,
                       after=after, at=at)
        counts = Counter(row.result for row in existing.values())
        return RecordOutcome(audit=code, recorded=len(results), items=len(items), results=dict(sorted(counts.items())),
                             not_recorded=len(items) - len(existing), raised=raised)


def result_dict(row: AuditResult) -> dict[str, Any]:
    return {"result": row.result, "evidence": row.evidence, "notes": row.notes, "recorded_by": row.recorded_by,
            "nc_id": row.nc_id}


def _raise_audit_nc(session, audit, item: dict[str, Any], result: ItemResult, actor: str) -> dict[str, Any]:
    key = f"audit:{audit.code}:{item['id']}"
    already = session.scalars(select(Nonconformity).where(Nonconformity.source_key == key)).one_or_none()
    if already is not None:
        return {"id": already.id, "code": already.code}
    title = _("Audit {code}, item {item} (clause {clause}): {question}").format(
        code=audit.code, item=item["id"], clause=item["clause"], question=item["question_vi"])
    fields = {
        "title": title[:500],
        "description": result.evidence.strip() + ("\n" + result.notes.strip() if result.notes.strip() else ""),
        "severity": NC_RESULTS[result.result], "clause": item["clause"],
        "procedure_code": audit.processes[0] if len(audit.processes) == 1 else None,
        "unit": audit.units[0] if len(audit.units) == 1 else None,
        "period": audit.audit_date.strftime("%Y-%m") if audit.audit_date else None, "rule": None,
        "source": "audit", "source_key": key, "audit_id": audit.id}
    evidence = [("audit_item", f"{audit.code}/{item['id']}", result.evidence.strip())]
    after = register.insert_ncs(session, actor, [(fields, evidence)])[0]
    return {"id": register.parse_code(after["code"]), "code": after["code"]}


def audit_results(db: Database, code: str) -> dict[str, Any]:
    """The audit with its results, counts by result and by clause, and coverage: the
    data an audit report is built from."""
    with db.reading() as session:
        audit = load_audit(session, code)
        items = audit.checklist_items or []
        rows = {row.item_id: row for row in audit.results}
        results = []
        by_clause: dict[str, Counter] = {}
        for item in items:
            row = rows.get(item["id"])
            value = row.result if row else None
            results.append({"item_id": item["id"], "clause": item["clause"], "question": question_text(item),
                            "result": value, "evidence": row.evidence if row else "", "notes": row.notes if row else "",
                            "nc": f"NC-{row.nc_id:04d}" if row and row.nc_id else None})
            by_clause.setdefault(item["clause"], Counter())[value or "not_recorded"] += 1
        recorded = sum(1 for r in results if r["result"])
        return {"audit": audit_snapshot(audit), "results": results,
                "by_result": dict(sorted(Counter(r["result"] or "not_recorded" for r in results).items())),
                "by_clause": {clause: dict(sorted(counts.items())) for clause, counts in sorted(by_clause.items())},
                "coverage": {"items": len(items), "recorded": recorded,
                             "share": round(recorded / len(items), 4) if items else None},
                "nonconformities": sorted({r["nc"] for r in results if r["nc"]})}

