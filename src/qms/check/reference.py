"""The reference checker: one dossier at a time, in plain Python, written to be read.

It states the rules the way an auditor would apply them by hand and uses only the
calendar's scalar methods: the dossier's facts (`reference_facts.py`), then each
registered rule's `reference` judgement over them. It is slow and exists so that
the vectorised engine (`engine.py`) can be tested against it: both must produce
identical dossiers and findings tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from .common import FINISH_KIND_NAMES, OPTIONAL_TIME_COLUMNS, REASON_NO_ISSUE, REASON_UNKNOWN_PROCEDURE
from .documents import CheckDocuments
from .findings import sort_findings
from .reference_facts import DossierFacts, Event, dossier_facts
from .reference_units import dossier_units
from .rules import REGISTRY


@dataclass
class Judgement:
    row: dict
    findings: list[dict] = field(default_factory=list)


def check_events_reference(events: pl.DataFrame | pl.LazyFrame, docs: CheckDocuments, as_of: dt.datetime,
                           language: str = "vi"):
    frame = events.collect() if isinstance(events, pl.LazyFrame) else events
    carries = {c: c in frame.columns for c in (*OPTIONAL_TIME_COLUMNS, "channel")}
    by_dossier: dict[str, list[Event]] = {}
    for seq, row in enumerate(frame.iter_rows(named=True)):
        if row["at"] is None or row["at"] > as_of:
            continue
        by_dossier.setdefault(row["dossier_id"], []).append(Event(
            seq=seq, step=row["step"], unit=row.get("unit"), at=row["at"], procedure_code=row.get("procedure_code"),
            channel=row.get("channel"), received_at=row.get("received_at"), appointment_at=row.get("appointment_at"),
            returned_at=row.get("returned_at"), step_due_at=row.get("step_due_at"),
        ))
    rows, findings = [], []
    for dossier_id in sorted(by_dossier):
        judgement = judge_dossier(dossier_id, by_dossier[dossier_id], docs, as_of, carries, language)
        rows.append(judgement.row)
        findings.extend(judgement.findings)
    return rows, findings


def judge_dossier(dossier_id: str, events: list[Event], docs: CheckDocuments, as_of: dt.datetime, carries: dict,
                  language: str) -> Judgement:
    facts = dossier_facts(dossier_id, events, docs, as_of, carries)
    facts.units, facts.late_units = dossier_units(facts)
    found = []
    for rule in REGISTRY.values():
        if rule.judged_only and facts.procedure is None:
            continue
        setting = facts.ruleset.rules.get(rule.id)
        if setting is not None and not setting.enabled:
            continue
        severity = setting.severity if setting is not None and setting.severity else rule.severity
        for hit in rule.reference(facts):
            found.append({"dossier_id": dossier_id, "rule": rule.id, "severity": severity.value,
                          "clause": rule.clause, "procedure_code": facts.code, "step": hit.step, "unit": hit.unit,
                          "expected": hit.expected, "actual": hit.actual,
                          "message": rule.title.in_language(language)})
    return Judgement(_row(facts), found)


def _row(facts: DossierFacts) -> dict:
    """The dossier's row of the dossiers table."""
    procedure, ruleset = facts.procedure, facts.ruleset
    row = {
        "dossier_id": facts.dossier_id, "procedure_code": facts.code, "procedure_issue": None, "field": None,
        "unit": facts.unit, "channel": facts.channel, "received_at": facts.received_at, "counting_start_at": None,
        "appointment_at": facts.logged_appointment, "due_at": None, "finished_at": facts.finished_at,
        "paused_minutes": None, "used_minutes": None, "allowed_minutes": None,
        "status": "not_assessable", "not_assessable_reason": None,
        "method": ruleset.classification_method.value, "ruleset_code": ruleset.code,
        "ruleset_issue": ruleset.issue, "finish_kind": FINISH_KIND_NAMES.get(facts.finish_rank),
        "supplement_requests": facts.supplement_requests, "reschedules": facts.reschedules, "calendar_clock": None,
        "units": facts.units, "late_units": facts.late_units,
    }
    if not facts.known:
        row["not_assessable_reason"] = REASON_UNKNOWN_PROCEDURE
    elif procedure is None:
        row["not_assessable_reason"] = REASON_NO_ISSUE
    else:
        row.update(procedure_issue=procedure.issue, field=procedure.field.vi, allowed_minutes=facts.allowed_s / 60,
                   calendar_clock=facts.calendar_clock, counting_start_at=facts.start, due_at=facts.due,
                   appointment_at=facts.appointment, status=facts.status, not_assessable_reason=facts.reason)
        if facts.start is not None:
            row.update(used_minutes=facts.used / 60, paused_minutes=facts.paused / 60)
    return row


def reference_tables(events, docs: CheckDocuments, as_of: dt.datetime, language: str = "vi"):
    """The reference result as DataFrames shaped like the engine's."""
    from ..model.check_output import DOSSIER_COLUMNS, FINDING_COLUMNS

    rows, findings = check_events_reference(events, docs, as_of, language)
    utc = pl.Datetime("us", "UTC")
    schema = {c: pl.Utf8 for c in (*DOSSIER_COLUMNS, "method", "ruleset_code", "finish_kind")}
    schema.update({c: utc for c in ("received_at", "counting_start_at", "appointment_at", "due_at", "finished_at")})
    schema.update({c: pl.Float64 for c in ("paused_minutes", "used_minutes", "allowed_minutes")})
    schema.update({c: pl.Int64 for c in ("procedure_issue", "ruleset_issue", "supplement_requests", "reschedules")})
    schema["calendar_clock"] = pl.Boolean
    schema.update({c: pl.List(pl.Utf8) for c in ("units", "late_units")})
    dossiers = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    finding_schema = {c: pl.Utf8 for c in FINDING_COLUMNS}
    table = pl.DataFrame(findings, schema=finding_schema) if findings else pl.DataFrame(schema=finding_schema)
    per_dossier = table.group_by("dossier_id").agg(pl.len().cast(pl.Int64).alias("findings"))
    dossiers = dossiers.join(per_dossier, on="dossier_id", how="left", maintain_order="left").with_columns(
        pl.col("findings").fill_null(0))
    return dossiers, sort_findings(table)
