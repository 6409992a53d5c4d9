"""The nonconformity register: raising, reading and listing NCs.

Every change goes through `Database.writing()` and appends a history entry with
the NC's snapshot before and after (`snapshot()`), so the register's current state
can always be compared with the end of its history (`qms nc verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, selectinload

from ..db import Database
from ..db.database import insert_rows
from ..db.text_limits import check_text_lengths
from ..db.tables import CorrectiveAction, Evidence, HistoryEntry, Nonconformity
from ..core.i18n import _
from ..core.timezone import DEFAULT_TIMEZONE
from ..model.workspace import WorkspaceConfig
from . import history, roles
from .errors import NotFound, TransitionRefused
from .models import NcDetail, NcSnapshot, NcSummary, OverdueAction

SEVERITIES = ("major", "minor")
SOURCES = ("manual", "audit", "check")
STATES = ("open", "containment", "cause_analysis", "action_plan", "implemented", "closed")
ENTITY = "nonconformity"


LOCAL_ZONE = DEFAULT_TIMEZONE  # due dates are days of the office's calendar, not of the server's


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def local_today(zone: str = LOCAL_ZONE) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(zone)).date()


def parse_code(ref: str | int) -> int:
    """'NC-0007', 'nc-7' or 7 -> 7."""
    text = str(ref).strip()
    digits = text[3:] if text.upper().startswith("NC-") else text
    if not digits.isdigit():
        raise NotFound(_("'{ref}' is not a nonconformity code (expected NC-0001 or a number)").format(ref=ref))
    return int(digits)


def evidence_fingerprint(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Count and hash of the evidence references, so a snapshot stays small while
    hundreds of dossiers hang off one NC, and any change to them still shows."""
    refs = sorted(f"{kind}:{ref}" for kind, ref in items)
    return {"count": len(refs), "sha256": hashlib.sha256("\n".join(refs).encode("utf-8")).hexdigest()}


def evidence_refs(session: Session, nc_ids: Iterable[int] | None = None) -> dict[int, list[tuple[str, str]]]:
    """(kind, ref) pairs per NC, read as plain rows (an NC may have thousands)."""
    query = select(Evidence.nc_id, Evidence.kind, Evidence.ref)
    if nc_ids is not None:
        ids = list(nc_ids)
        if not ids:
            return {}
        query = query.where(Evidence.nc_id.in_(ids))
    found: dict[int, list[tuple[str, str]]] = {}
    for nc_id, kind, ref in session.execute(query):
        found.setdefault(nc_id, []).append((kind, ref))
    return found


def action_as_dict(action: CorrectiveAction) -> dict[str, Any]:
    return {"number": action.number, "cycle": action.cycle, "description": action.description,
            "owner": action.owner, "due_date": action.due_date.isoformat(),
            "done_at": history.iso_instant(action.done_at) if action.done_at else None,
            "done_by": action.done_by, "done_note": action.done_note}


SNAPSHOT_COLUMNS = ("title", "description", "source", "source_key", "severity", "clause", "procedure_code", "unit",
                    "period", "rule", "audit_id", "state", "cycle", "raised_by", "containment", "cause_method",
                    "cause_analysis", "root_cause", "version")


def snapshot_of_values(nc_id: int, values: dict[str, Any], refs: Iterable[tuple[str, str]],
                       actions: list[dict[str, Any]]) -> dict[str, Any]:
    """The NC as recorded in the history (and as compared by `verify`), from plain values."""
    data = {"code": f"NC-{nc_id:04d}", **{column: values.get(column) for column in SNAPSHOT_COLUMNS}}
    data["raised_at"] = history.iso_instant(values["raised_at"])
    data["closed_at"] = history.iso_instant(values["closed_at"]) if values.get("closed_at") else None
    data["plan_approved_by"] = values.get("plan_approved_by")
    data["plan_approved_at"] = (history.iso_instant(values["plan_approved_at"]) if values.get("plan_approved_at")
                                else None)
    data["verifications"] = values.get("verifications") or []
    data["actions"] = actions
    data["evidence"] = evidence_fingerprint(refs)
    return data


def snapshot(nc: Nonconformity, refs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    values = {column: getattr(nc, column) for column in (*SNAPSHOT_COLUMNS, "raised_at", "closed_at", "verifications",
                                                         "plan_approved_by", "plan_approved_at")}
    return snapshot_of_values(nc.id, values, refs, [action_as_dict(action) for action in nc.actions])


def current_snapshot(session: Session, nc: Nonconformity) -> dict[str, Any]:
    return snapshot(nc, evidence_refs(session, [nc.id]).get(nc.id, []))


def load(session: Session, ref: str | int) -> Nonconformity:
    query = (select(Nonconformity).where(Nonconformity.id == parse_code(ref))
             .options(selectinload(Nonconformity.actions))
             .execution_options(populate_existing=True))
    nc = session.scalars(query).one_or_none()
    if nc is None:
        raise NotFound(_("No nonconformity {ref}").format(ref=ref))
    return nc


def record_change(session: Session, nc: Nonconformity, actor: str, action: str, before: dict | None,
                  extra: dict | None = None) -> dict[str, Any]:
    """Flush (bumping the version), then append the history entry; returns the new snapshot."""
    nc.updated_at = now_utc()
    session.flush()
    after = current_snapshot(session, nc)
    history.append(session, actor=actor, entity=ENTITY, entity_id=nc.code, action=action,
                   before=before, after=after if extra is None else {**after, **extra}, at=nc.updated_at)
    return after


def raise_nc(db: Database, config: WorkspaceConfig, actor: str, *, title: str, severity: str,
             description: str = "", clause: str | None = None, procedure_code: str | None = None,
             unit: str | None = None, period: str | None = None, rule: str | None = None,
             source: str = "manual", source_key: str | None = None, audit_id: int | None = None,
             evidence: Iterable[tuple[str, str, str]] = (), permission: str = "raise") -> NcSnapshot:
    """Open a nonconformity. `evidence` is (kind, ref, detail) triples."""
    roles.require(config, actor, permission)
    problems = []
    if not title.strip():
        problems.append(_("the title is empty"))
    if severity not in SEVERITIES:
        problems.append(_("severity must be one of {choices}, not '{value}'").format(
            choices=", ".join(SEVERITIES), value=severity))
    if source not in SOURCES:
        problems.append(_("source must be one of {choices}, not '{value}'").format(
            choices=", ".join(SOURCES), value=source))
    if unit and config.units and unit not in config.units:
        problems.append(_("unit '{unit}' is not in the workspace configuration").format(unit=unit))
    if problems:
        raise TransitionRefused(_("Cannot raise the nonconformity: {reasons}").format(reasons="; ".join(problems)))
    fields = {"title": title.strip(), "severity": severity, "description": description, "clause": clause,
              "procedure_code": procedure_code, "unit": unit, "period": period, "rule": rule, "source": source,
              "source_key": source_key, "audit_id": audit_id}
    with db.writing() as session:
        return NcSnapshot.model_validate(insert_ncs(session, actor, [(fields, list(evidence))])[0])


# Keys a history entry carries beside the record's state (what was added, from where).
CHANGE_KEYS = ("evidence_added", "source_check")


def allocate_ids(session: Session, table, count: int) -> list[int]:
    """The next `count` NC numbers, taken inside the write transaction (the register
    head is locked by it): a refused or rolled-back insert burns no number, which a
    PostgreSQL sequence would. The sequence is moved past them for any other writer."""
    first = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
    ids = list(range(first, first + count))
    if session.connection().dialect.name == "postgresql":
        session.execute(sql_text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :last)"),
                        {"last": ids[-1]})
    return ids


def insert_ncs(session: Session, actor: str, new: list[tuple[dict[str, Any], list[tuple[str, str, str]]]],
               provenance: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Add NCs (fields, evidence triples) inside an open write transaction, with
    multi-row INSERTs: a check can raise thousands of NCs with many dossiers each.
    `provenance` (e.g. the check output's hashes) goes into each history entry."""
    if not new:
        return []
    at = now_utc()
    values = [{**fields, "state": "open", "cycle": 1, "raised_by": actor, "raised_at": at, "updated_at": at,
               "version": 1} for fields, _evidence in new]
    table = Nonconformity.__table__
    check_text_lengths(table, values)
    ids = allocate_ids(session, table, len(values))
    values = [{"id": nc_id, **row} for nc_id, row in zip(ids, values)]
    session.execute(insert(table), values)
    evidence_rows, refs_by_nc = [], []
    for nc_id, (_fields, evidence) in zip(ids, new):
        seen: dict[tuple[str, str], str] = {}
        for kind, ref, detail in evidence:
            seen.setdefault((kind, ref), detail)
        evidence_rows += [{"nc_id": nc_id, "kind": kind, "ref": ref, "detail": detail}
                          for (kind, ref), detail in seen.items()]
        refs_by_nc.append(list(seen))
    insert_rows(session, Evidence.__table__, evidence_rows)
    snapshots, changes = [], []
    for nc_id, row, refs in zip(ids, values, refs_by_nc):
        after = snapshot_of_values(nc_id, row, refs, [])
        snapshots.append(after)
        entry = {**after, "evidence_added": sorted(f"{k}:{r}" for k, r in refs)}
        if provenance:
            entry["source_check"] = provenance
        changes.append(history.Change(actor, ENTITY, after["code"], "raise", None, entry, at))
    history.append_many(session, changes)
    return snapshots


def add_evidence(session: Session, nc: Nonconformity, actor: str, present: Iterable[tuple[str, str]],
                 evidence: Iterable[tuple[str, str, str]], provenance: dict[str, Any] | None = None) -> int:
    """Attach evidence not yet attached (`present` = what the NC has); returns how many were new."""
    present = list(present)
    known = set(present)
    new = []
    for kind, ref, detail in evidence:
        if (kind, ref) not in known:
            known.add((kind, ref))
            new.append({"nc_id": nc.id, "kind": kind, "ref": ref, "detail": detail})
    if not new:
        return 0
    before = snapshot(nc, present)
    insert_rows(session, Evidence.__table__, new)
    extra: dict[str, Any] = {"evidence_added": sorted(f"{item['kind']}:{item['ref']}" for item in new)}
    if provenance:
        extra["source_check"] = provenance
    record_change(session, nc, actor, "add_evidence", before, extra=extra)
    return len(new)


def summary_row(nc: Nonconformity, evidence_count: int, open_actions: int) -> dict[str, Any]:
    return {"code": nc.code, "state": nc.state, "cycle": nc.cycle, "severity": nc.severity, "source": nc.source,
            "title": nc.title, "clause": nc.clause, "procedure_code": nc.procedure_code, "unit": nc.unit,
            "period": nc.period, "rule": nc.rule, "raised_at": history.iso_instant(nc.raised_at),
            "raised_by": nc.raised_by, "evidence": evidence_count, "open_actions": open_actions,
            "version": nc.version}


def list_ncs(db: Database, *, state: str | None = None, unit: str | None = None, source: str | None = None,
             include_closed: bool = True) -> list[NcSummary]:
    evidence_counts = (select(Evidence.nc_id, func.count().label("n")).group_by(Evidence.nc_id).subquery())
    open_counts = (select(CorrectiveAction.nc_id, func.count().label("n"))
                   .where(CorrectiveAction.done_at.is_(None), CorrectiveAction.cycle == Nonconformity.cycle)
                   .join(Nonconformity, Nonconformity.id == CorrectiveAction.nc_id)
                   .group_by(CorrectiveAction.nc_id).subquery())
    query = (select(Nonconformity, func.coalesce(evidence_counts.c.n, 0), func.coalesce(open_counts.c.n, 0))
             .outerjoin(evidence_counts, evidence_counts.c.nc_id == Nonconformity.id)
             .outerjoin(open_counts, open_counts.c.nc_id == Nonconformity.id)
             .order_by(Nonconformity.id))
    if state:
        if state not in STATES:
            raise TransitionRefused(_("Unknown state '{state}'; states are: {states}").format(
                state=state, states=", ".join(STATES)))
        query = query.where(Nonconformity.state == state)
    if not include_closed:
        query = query.where(Nonconformity.state != "closed")
    if unit:
        query = query.where(Nonconformity.unit == unit)
    if source:
        query = query.where(Nonconformity.source == source)
    with db.reading() as session:
        return [NcSummary.model_validate(summary_row(nc, n_evidence, n_open)) for nc, n_evidence, n_open in session.execute(query)]


def show_nc(db: Database, ref: str | int, *, evidence_limit: int | None = None) -> NcDetail:
    """The NC in full: fields, actions, evidence and its own history entries."""
    with db.reading() as session:
        nc = load(session, ref)
        data = current_snapshot(session, nc)
        items = select(Evidence).where(Evidence.nc_id == nc.id).order_by(Evidence.id)
        if evidence_limit is not None:
            items = items.limit(evidence_limit)
        data["evidence_items"] = [{"kind": e.kind, "ref": e.ref, "detail": e.detail} for e in session.scalars(items)]
        entries = session.scalars(select(HistoryEntry).where(HistoryEntry.entity == ENTITY,
                                                             HistoryEntry.entity_id == nc.code)
                                  .order_by(HistoryEntry.seq))
        data["history"] = [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action} for e in entries]
        return NcDetail.model_validate(data)


def overdue_actions(db: Database, today: dt.date | None = None) -> list[OverdueAction]:
    """Actions of the current cycle not done by their due date, oldest first."""
    today = today or local_today()
    query = (select(CorrectiveAction, Nonconformity)
             .join(Nonconformity, Nonconformity.id == CorrectiveAction.nc_id)
             .where(CorrectiveAction.done_at.is_(None), CorrectiveAction.due_date < today,
                    CorrectiveAction.cycle == Nonconformity.cycle, Nonconformity.state != "closed")
             .order_by(CorrectiveAction.due_date, Nonconformity.id, CorrectiveAction.number))
    with db.reading() as session:
        return [OverdueAction(nc=nc.code, nc_title=nc.title, unit=nc.unit, action=action.number,
                              description=action.description, owner=action.owner, due_date=action.due_date,
                              days_overdue=(today - action.due_date).days)
                for action, nc in session.execute(query)]


def state_mismatches(session: Session) -> list[dict[str, Any]]:
    """NCs whose current row differs from the `after` of their newest history entry
    (a change made behind the register's back), or that were deleted."""
    newest = (select(HistoryEntry.entity_id, func.max(HistoryEntry.seq).label("seq"))
              .where(HistoryEntry.entity == ENTITY).group_by(HistoryEntry.entity_id).subquery())
    last_after = {entity_id: json.loads(after) for entity_id, after in session.execute(
        select(HistoryEntry.entity_id, HistoryEntry.after).join(newest, newest.c.seq == HistoryEntry.seq))}
    problems = []
    refs = evidence_refs(session)
    seen = set()
    for nc in session.scalars(select(Nonconformity).order_by(Nonconformity.id)
                              .options(selectinload(Nonconformity.actions))):
        seen.add(nc.code)
        recorded = last_after.get(nc.code)
        if recorded is None:
            problems.append({"nc": nc.code, "reason": _("{nc} has no history entry").format(nc=nc.code)})
            continue
        recorded = {key: value for key, value in recorded.items() if key not in CHANGE_KEYS}
        current = snapshot(nc, refs.get(nc.id, []))
        changed = sorted(key for key in set(current) | set(recorded) if current.get(key) != recorded.get(key))
        if changed:
            problems.append({"nc": nc.code, "reason": _(
                "{nc} differs from its last history entry in: {fields}").format(nc=nc.code, fields=", ".join(changed))})
    for code in sorted(set(last_after) - seen):
        problems.append({"nc": code, "reason": _("{code} is in the history but not in the database (deleted?)").format(
            code=code)})
    return problems


def changes_since(db: Database, ref: str | int, version: int) -> list[tuple[str, Any, Any]]:
    """(field, value at `version`, value now) for every field changed since the NC
    was at `version`: what a second editor, refused by the version check, missed."""
    with db.reading() as session:
        nc = load(session, ref)
        current = current_snapshot(session, nc)
        entries = session.scalars(select(HistoryEntry).where(HistoryEntry.entity == ENTITY,
                                                             HistoryEntry.entity_id == nc.code)
                                  .order_by(HistoryEntry.seq))
        read = None
        for entry in entries:
            after = json.loads(entry.after)
            if after.get("version") == version:
                read = after
    if read is None:
        return []
    return [(key, read.get(key), current.get(key)) for key in current
            if key not in ("version", "evidence") and read.get(key) != current.get(key)]
