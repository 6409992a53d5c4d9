"""The append-only history: every change with who, when, what, before and after,
each entry chained to the previous one by SHA-256.

entry.hash = sha256(canonical JSON of {seq, prev_hash, at, actor, entity, entity_id,
action, before, after}); the first entry's prev_hash is 64 zeros. `before`/`after`
and `at` are stored as the exact text that was hashed, so recomputation does not
depend on how a database hands back JSON or timestamps. An edited entry fails its
own hash; a deleted one leaves a gap in `seq` and breaks the next entry's link; a
deleted tail no longer matches `register_head`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..db import GENESIS_HASH
from ..db.tables import HistoryEntry, RegisterHead
from ..core.i18n import _


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso_instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into the history")


def iso_instant(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(seq: int, prev_hash: str, at: str, actor: str, entity: str, entity_id: str,
               action: str, before: str, after: str) -> str:
    payload = {"seq": seq, "prev_hash": prev_hash, "at": at, "actor": actor, "entity": entity,
               "entity_id": entity_id, "action": action, "before": before, "after": after}
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass
class Change:
    """One change to append: what happened to which record, and its state around it."""

    actor: str
    entity: str
    entity_id: str
    action: str
    before: Any
    after: Any
    at: dt.datetime | None = None


def append(session: Session, *, actor: str, entity: str, entity_id: str, action: str,
           before: Any, after: Any, at: dt.datetime | None = None) -> dict[str, Any]:
    """Append one entry. Call inside `Database.writing()` (which holds the head lock)."""
    return append_many(session, [Change(actor, entity, entity_id, action, before, after, at)])[0]


def append_many(session: Session, changes: list[Change]) -> list[dict[str, Any]]:
    """Append entries in order with one multi-row INSERT (bulk raising from a check)."""
    if not changes:
        return []
    session.flush()  # rows changed through the ORM reach the database before their history
    head = session.execute(
        select(RegisterHead).where(RegisterHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    seq, prev_hash = head.last_seq, head.last_hash
    rows = []
    now = dt.datetime.now(dt.timezone.utc)
    for change in changes:
        seq += 1
        at_text = iso_instant(change.at or now)
        before_text, after_text = canonical_json(change.before), canonical_json(change.after)
        digest = entry_hash(seq, prev_hash, at_text, change.actor, change.entity, change.entity_id, change.action,
                            before_text, after_text)
        rows.append({"seq": seq, "at": at_text, "actor": change.actor, "entity": change.entity,
                     "entity_id": change.entity_id, "action": change.action, "before": before_text,
                     "after": after_text, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    session.execute(insert(HistoryEntry), rows)
    head.last_seq, head.last_hash = seq, prev_hash
    session.flush()
    return rows


def entry_as_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "at": entry.at, "actor": entry.actor, "entity": entry.entity,
            "entity_id": entry.entity_id, "action": entry.action, "before": json.loads(entry.before),
            "after": json.loads(entry.after), "prev_hash": entry.prev_hash, "hash": entry.hash}


@dataclass
class ChainProblem:
    seq: int | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "reason": self.reason}


@dataclass
class ChainReport:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "first_problem": self.first_problem.as_dict() if self.first_problem else None,
                "problems": [problem.as_dict() for problem in self.problems]}


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash in order; the first problem is the first entry that does not match."""
    head = session.execute(select(RegisterHead).where(RegisterHead.id == 1)).scalar_one()
    problems: list[ChainProblem] = []
    expected_seq, expected_prev, count = 1, GENESIS_HASH, 0
    rows = session.execute(select(HistoryEntry).order_by(HistoryEntry.seq).execution_options(yield_per=2000))
    for entry in rows.scalars():
        count += 1
        if entry.seq != expected_seq:
            missing = (_("entry {seq} is missing (deleted?)").format(seq=expected_seq) if entry.seq == expected_seq + 1
                       else _("entries {first} to {last} are missing (deleted?)").format(first=expected_seq,
                                                                                         last=entry.seq - 1))
            problems.append(ChainProblem(expected_seq, missing))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, _(
                "entry {seq} does not link to the entry before it").format(seq=entry.seq)))
        recomputed = entry_hash(entry.seq, entry.prev_hash, entry.at, entry.actor, entry.entity, entry.entity_id,
                                entry.action, entry.before, entry.after)
        if recomputed != entry.hash:
            problems.append(ChainProblem(entry.seq, _(
                "entry {seq} was altered: its content no longer matches its hash").format(seq=entry.seq)))
        # Continue from the recomputed hash so one edit is reported once, where it happened.
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    if head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        problems.append(ChainProblem(head.last_seq, _(
            "the newest entries are missing: the register head records entry {seq}").format(seq=head.last_seq)))
    return ChainReport(entries=count, head_seq=head.last_seq, head_hash=head.last_hash, problems=problems)
