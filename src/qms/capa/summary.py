"""The register's state in a few numbers, for the compliance report and
management review (clause 9.3): NCs by state, severity and source, overdue
actions, and whether the history chain is intact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ..db import Database
from ..db.tables import Nonconformity
from . import history
from .register import overdue_actions


def register_summary(db: Database, today: dt.date | None = None) -> dict[str, Any]:
    with db.reading() as session:
        def counts(column) -> dict[str, int]:
            return {key: n for key, n in session.execute(
                select(column, func.count()).group_by(column).order_by(column))}

        by_state = counts(Nonconformity.state)
        by_severity = counts(Nonconformity.severity)
        by_source = counts(Nonconformity.source)
        open_by_unit = {unit or "-": n for unit, n in session.execute(
            select(Nonconformity.unit, func.count()).where(Nonconformity.state != "closed")
            .group_by(Nonconformity.unit).order_by(Nonconformity.unit))}
        chain = history.verify_chain(session)
    overdue = overdue_actions(db, today)
    return {
        "total": sum(by_state.values()), "open": sum(n for state, n in by_state.items() if state != "closed"),
        "by_state": by_state, "by_severity": by_severity, "by_source": by_source, "open_by_unit": open_by_unit,
        "overdue_actions": len(overdue), "overdue": [row.model_dump(mode="json") for row in overdue],
        "history": {"ok": chain.ok, "entries": chain.entries, "head_seq": chain.head_seq,
                    "head_hash": chain.head_hash},
    }
