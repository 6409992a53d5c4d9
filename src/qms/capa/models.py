"""What the register's functions hand back: typed records instead of loose dicts.

The history still stores the snapshot as canonical JSON (that text is what is
hashed); these models are the API's view of the same data, validated from it, so
the CLI and the web read `nc.state` and a type checker sees a misspelt field.
Field order is the order of the snapshot, so `model_dump()` prints as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionRecord(Record):
    number: int
    cycle: int
    description: str
    owner: str
    due_date: dt.date
    done_at: str | None = None  # ISO instant, UTC, as in the history
    done_by: str | None = None
    done_note: str | None = None


class Verification(Record):
    cycle: int
    effective: bool
    by: str
    at: str
    note: str


class EvidenceFingerprint(Record):
    count: int
    sha256: str


class NcSnapshot(Record):
    """One NC as the history records it after a change."""

    code: str
    title: str
    description: str
    source: str
    source_key: str | None
    severity: str
    clause: str | None
    procedure_code: str | None
    unit: str | None
    period: str | None
    rule: str | None
    audit_id: int | None
    state: str
    cycle: int
    raised_by: str
    containment: str | None
    cause_method: str | None
    cause_analysis: Any
    root_cause: str | None
    version: int
    raised_at: str
    closed_at: str | None
    plan_approved_by: str | None
    plan_approved_at: str | None
    verifications: list[Verification]
    actions: list[ActionRecord]
    evidence: EvidenceFingerprint


class EvidenceItem(Record):
    kind: str
    ref: str
    detail: str


class HistoryLine(Record):
    seq: int
    at: str
    actor: str
    action: str


class NcDetail(NcSnapshot):
    """`show_nc`: the snapshot, its evidence items and its own history entries."""

    evidence_items: list[EvidenceItem]
    history: list[HistoryLine]


class NcSummary(Record):
    """One row of `list_ncs`."""

    code: str
    state: str
    cycle: int
    severity: str
    source: str
    title: str
    clause: str | None
    procedure_code: str | None
    unit: str | None
    period: str | None
    rule: str | None
    raised_at: str
    raised_by: str
    evidence: int
    open_actions: int
    version: int


class OverdueAction(Record):
    nc: str
    nc_title: str
    unit: str | None
    action: int
    description: str
    owner: str
    due_date: dt.date
    days_overdue: int


class RaisedGroup(Record):
    code: str
    rule: str
    procedure_code: str
    unit: str
    period: str
    severity: str
    dossiers: int
    findings: int


class ExtendedNc(Record):
    code: str
    state: str
    added_dossiers: int


class SkippedDossiers(Record):
    """Dossiers already evidence of an NC for the same rule, procedure and unit under
    another period grouping: not raised again."""
    groups: int = 0
    dossiers: int = 0


class RaiseFromCheckResult(Record):
    check_dir: str
    findings: int
    groups: int
    raised: list[RaisedGroup]
    extended: list[ExtendedNc]
    unchanged: int
    skipped: SkippedDossiers = SkippedDossiers()
    source_check: dict[str, Any]


class ChainProblemRecord(Record):
    seq: int | None
    reason: str


class RegisterVerification(Record):
    """`verify_register`: the chain recomputed and the register compared with it."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_problem: ChainProblemRecord | None
    problems: list[ChainProblemRecord]
    state_mismatches: list[dict[str, str]]  # {"nc" or "audit": code, "reason": text}


def dumped(value: Any) -> Any:
    """A record (or a list of them) as JSON-ready plain data, for printing."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=False)
    if isinstance(value, list):
        return [dumped(item) for item in value]
    return value
