"""The register's state in a few numbers, for the compliance report and
management review (clause 9.3): NCs by state, severity and source, overdue
actions, and whether the history chain is intact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..db import Database
from ..db.tables import Nonconformity
from . import history
from .register import overdue_actions


def register_summary(db: Database, today: dt.date | None = None,
                     period: tuple[dt.datetime, dt.datetime] | None = None) -> dict[str, Any]:
    """The register in numbers. With `period` (start, end as aware instants) only the NCs
    raised in it count, and `nonconformities` lists them with their state and the
    corrective actions of their current cycle (due date, done or not)."""
    raised_in = ((Nonconformity.raised_at >= period[0]) & (Nonconformity.raised_at < period[1])
                 if period else None)
    with db.reading() as session:
        def counts(column) -> dict[str, int]:
            query = select(column, func.count()).group_by(column).order_by(column)
            if raised_in is not None:
                query = query.where(raised_in)
            return {key: n for key, n in session.execute(query)}

        by_state = counts(Nonconformity.state)
        by_severity = counts(Nonconformity.severity)
        by_source = counts(Nonconformity.source)
        open_query = select(Nonconformity.unit, func.count()).where(Nonconformity.state != "closed")
        if raised_in is not None:
            open_query = open_query.where(raised_in)
        open_by_unit = {unit or "-": n for unit, n in session.execute(
            open_query.group_by(Nonconformity.unit).order_by(Nonconformity.unit))}
        listed = []
        if raised_in is not None:
            for nc in session.scalars(select(Nonconformity).where(raised_in).order_by(Nonconformity.id)
                                      .options(selectinload(Nonconformity.actions))):
                listed.append({
                    "nc": nc.code, "title": nc.title, "severity": nc.severity, "state": nc.state,
                    "unit": nc.unit, "clause": nc.clause, "raised_at": nc.raised_at.isoformat(),
                    "actions": [{"action": action.number, "description": action.description,
                                 "owner": action.owner, "due_date": action.due_date.isoformat(),
                                 "done": action.done_at is not None}
                                for action in sorted(nc.actions, key=lambda action: action.number)
                                if action.cycle == nc.cycle]})
        chain = history.verify_chain(session)
    overdue = overdue_actions(db, today)
    if period:
        in_period = {item["nc"] for item in listed}
        overdue = [item for item in overdue if item.nc in in_period]
    return {
        "total": sum(by_state.values()), "open": sum(n for state, n in by_state.items() if state != "closed"),
        "by_state": by_state, "by_severity": by_severity, "by_source": by_source, "open_by_unit": open_by_unit,
        "overdue_actions": len(overdue), "overdue": [row.model_dump(mode="json") for row in overdue],
        "period": [period[0].isoformat(), period[1].isoformat()] if period else None,
        "nonconformities": listed,
        "history": {"ok": chain.ok, "entries": chain.entries, "head_seq": chain.head_seq,
                    "head_hash": chain.head_hash},
    }
