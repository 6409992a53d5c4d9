"""ORM tables of the operational records: nonconformities, their actions and
evidence, audits and their results, and the append-only history that chains them.

Schema changes go through Alembic (`qms/db/migrations`); a change here without a
migration fails `tests/capa/test_capa_db.py::test_migrations_match_the_tables`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RegisterHead(Base):
    """One row: the sequence number and hash of the newest history entry.

    Every write transaction updates this row first, which serialises writers (a
    row lock on PostgreSQL, the write lock on SQLite) so the chain never forks.
    """

    __tablename__ = "register_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class HistoryEntry(Base):
    """An appended change. `before`/`after` are canonical JSON text and `at` an ISO
    string, stored exactly as hashed so the chain can be recomputed byte for byte."""

    __tablename__ = "history"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60), index=True)
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Nonconformity(Base):
    __tablename__ = "nonconformity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # manual, audit, check
    # What raised it, for idempotent raising (e.g. "check:late|QT-01|UBND|2026-03").
    source_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    severity: Mapped[str] = mapped_column(String(12))  # major, minor
    clause: Mapped[str | None] = mapped_column(String(20))
    # indexed for the web's filters and menus (migration 0003)
    procedure_code: Mapped[str | None] = mapped_column(String(100), index=True)
    unit: Mapped[str | None] = mapped_column(String(100), index=True)
    period: Mapped[str | None] = mapped_column(String(10))
    rule: Mapped[str | None] = mapped_column(String(100))
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    containment: Mapped[str | None] = mapped_column(Text)
    cause_method: Mapped[str | None] = mapped_column(String(20))  # five_whys, fishbone
    cause_analysis: Mapped[Any | None] = mapped_column(JSON)
    root_cause: Mapped[str | None] = mapped_column(Text)
    # Approval of the current cycle's action plan (a manager; migration 0002).
    plan_approved_by: Mapped[str | None] = mapped_column(String(100))
    plan_approved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    verifications: Mapped[list | None] = mapped_column(JSON)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="nonconformity", order_by="Evidence.id", cascade="all, delete-orphan")
    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="nonconformity", order_by="CorrectiveAction.number", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def code(self) -> str:
        return f"NC-{self.id:04d}"


class Evidence(Base):
    __tablename__ = "nc_evidence"
    __table_args__ = (UniqueConstraint("nc_id", "kind", "ref", name="uq_nc_evidence_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nc_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # dossier, audit_item, note
    ref: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="evidence")


class CorrectiveAction(Base):
    __tablename__ = "nc_action"
    __table_args__ = (UniqueConstraint("nc_id", "number", name="uq_nc_action_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nc_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the NC
    cycle: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_note: Mapped[str | None] = mapped_column(Text)

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions")


class AuditProgramme(Base):
    __tablename__ = "audit_programme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    audits: Mapped[list[Audit]] = relationship(back_populates="programme", order_by="Audit.code")

    __mapper_args__ = {"version_id_col": version}


class Audit(Base):
    """One audit of the programme; the plan fields are filled by `qms audit plan`."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("audit_programme.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    processes: Mapped[list] = mapped_column(JSON)
    units: Mapped[list] = mapped_column(JSON)
    clauses: Mapped[list] = mapped_column(JSON)
    planned_month: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # programmed, planned, recorded
    audit_date: Mapped[dt.date | None] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)
    lead_auditor: Mapped[str | None] = mapped_column(String(100))
    auditors: Mapped[list | None] = mapped_column(JSON)
    auditees: Mapped[list | None] = mapped_column(JSON)
    checklist_code: Mapped[str | None] = mapped_column(String(100))
    checklist_issue: Mapped[int | None] = mapped_column(Integer)
    checklist_items: Mapped[list | None] = mapped_column(JSON)  # frozen copy at planning
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    programme: Mapped[AuditProgramme] = relationship(back_populates="audits")
    results: Mapped[list[AuditResult]] = relationship(
        back_populates="audit", order_by="AuditResult.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class AuditResult(Base):
    __tablename__ = "audit_result"
    __table_args__ = (UniqueConstraint("audit_id", "item_id", name="uq_audit_result_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(100))
    clause: Mapped[str | None] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    nc_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformity.id"))

    audit: Mapped[Audit] = relationship(back_populates="results")


class UserCredential(Base):
    """The password of a user of `qms.yaml` (who the user is and their roles stay in
    that file). Only an argon2id hash is kept; a disabled user cannot log in or use
    a token."""

    __tablename__ = "user_credential"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """A token for the JSON API. Only its SHA-256 is stored (the token itself is
    random and shown once)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """Failed logins per key (`user:NAME` or `address:IP`) in the current window, so
    throttling holds across server processes and restarts."""

    __tablename__ = "login_failure"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CheckRun(Base):
    """A `qms check --out DIR` made inside the workspace: where its outputs are, what
    it covered and the hashes of what it read, for the web's check pages."""

    __tablename__ = "check_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    out_dir: Mapped[str] = mapped_column(String(1000))
    period_from: Mapped[dt.date | None] = mapped_column(Date)
    period_to: Mapped[dt.date | None] = mapped_column(Date)
    as_of: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(60))
    inputs: Mapped[list] = mapped_column(JSON)  # [{"path", "sha256", "bytes"}]
    summary_sha256: Mapped[str] = mapped_column(String(64))
    dossiers: Mapped[int] = mapped_column(Integer)
    findings: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


class CheckJob(Base):
    """A check started in the browser: the uploaded log (kept in the workspace), how
    far the run got, and the check run it registered or the message it failed with."""

    __tablename__ = "check_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    language: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(300))  # as the user's browser named it
    upload_path: Mapped[str] = mapped_column(String(1000))
    upload_bytes: Mapped[int] = mapped_column(BigInteger)
    profile: Mapped[str | None] = mapped_column(String(100))  # a shipped log profile; None: detected
    period_from: Mapped[dt.date | None] = mapped_column(Date)
    period_to: Mapped[dt.date | None] = mapped_column(Date)
    out_dir: Mapped[str] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(20))  # queued, running, done, failed
    step: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    check_run_id: Mapped[int | None] = mapped_column(ForeignKey("check_run.id"))
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
