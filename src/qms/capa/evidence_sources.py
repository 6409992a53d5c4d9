"""Which check each dossier of an NC's evidence came from: the history entry that
attached it (raise, or evidence added by a later check) keeps the SHA-256 of that
check's summary.json, which names the check run exactly (not the newest run)."""

from __future__ import annotations

import json

from sqlalchemy import select

from ..db import Database
from ..db.tables import HistoryEntry
from .register import ENTITY


def evidence_checks(db: Database, code: str) -> dict[str, str]:
    """Dossier id -> SHA-256 of the summary.json of the check that attached it."""
    query = (select(HistoryEntry.after)
             .where(HistoryEntry.entity == ENTITY, HistoryEntry.entity_id == code,
                    HistoryEntry.action.in_(("raise", "add_evidence")))
             .order_by(HistoryEntry.seq))
    found: dict[str, str] = {}
    with db.reading() as session:
        for (after,) in session.execute(query):
            entry = json.loads(after)
            summary = ((entry.get("source_check") or {}).get("files") or {}).get("summary.json")
            if not summary:
                continue
            for item in entry.get("evidence_added", []):
                kind, _sep, ref = item.partition(":")
                if kind == "dossier":
                    found.setdefault(ref, summary)
    return found
