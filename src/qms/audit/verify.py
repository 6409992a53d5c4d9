"""Audits compared with their history: a plan or a result changed directly in the
database (not through qms) no longer matches the newest history entry."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..db.tables import Audit, HistoryEntry
from ..core.i18n import _
from .programme import audit_snapshot
from .record import result_dict

ENTITY = "audit"
# What the plan's history entry records beside the audit's snapshot (the content hash of
# the checklist issue used); the audit row does not keep it, so it is not compared.
PLAN_ENTRY_EXTRAS = frozenset({"checklist_sha256"})


def newest_entries(session: Session, entity: str) -> dict[str, tuple[str, Any]]:
    """entity_id -> (action, after) of the newest history entry of each record."""
    newest = (select(HistoryEntry.entity_id, func.max(HistoryEntry.seq).label("seq"))
              .where(HistoryEntry.entity == entity).group_by(HistoryEntry.entity_id).subquery())
    rows = session.execute(select(HistoryEntry.entity_id, HistoryEntry.action, HistoryEntry.after)
                           .join(newest, newest.c.seq == HistoryEntry.seq))
    return {entity_id: (action, json.loads(after)) for entity_id, action, after in rows}


def audit_mismatches(session: Session) -> list[dict[str, Any]]:
    last = newest_entries(session, ENTITY)
    problems = []
    seen = set()
    for audit in session.scalars(select(Audit).order_by(Audit.code).options(selectinload(Audit.results))):
        seen.add(audit.code)
        entry = last.get(audit.code)
        if entry is None or entry[1] is None:
            problems.append({"audit": audit.code, "reason": _("{code} has no history entry").format(code=audit.code)})
            continue
        action, after = entry
        recorded_audit, recorded_results = (after["audit"], after["results"]) if action == "record" else (after, {})
        current_audit = audit_snapshot(audit)
        changed = sorted(key for key in (set(current_audit) | set(recorded_audit)) - PLAN_ENTRY_EXTRAS
                         if current_audit.get(key) != recorded_audit.get(key))
        current_results = {row.item_id: result_dict(row) for row in audit.results}
        changed += sorted(f"result {item}" for item in set(current_results) | set(recorded_results)
                          if current_results.get(item) != recorded_results.get(item))
        if changed:
            problems.append({"audit": audit.code, "reason": _(
                "{code} differs from its last history entry in: {fields}").format(code=audit.code,
                                                                                  fields=", ".join(changed))})
    for code, (action, after) in sorted(last.items()):
        if code not in seen and after is not None:
            problems.append({"audit": code, "reason": _(
                "{code} is in the history but not in the database (deleted?)").format(code=code)})
    return problems
