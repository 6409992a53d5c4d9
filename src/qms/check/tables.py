"""The documents as small tables: procedure issues, their steps, loops and terminal
outcomes, rule sets and the registry's rules with each rule set's settings. The
engine reads them by position (a dossier's `pid` and `rs` are rows here)."""

from __future__ import annotations

import polars as pl

from ..model.procedure import FinishStep
from .common import limit_seconds
from .documents import DEFAULT_RULESET, CheckDocuments
from .rules import REGISTRY

def first_match(pairs: list[tuple[pl.Expr, object]], dtype) -> pl.Expr:
    """when(c1).then(v1).when(c2)... : the first matching condition wins."""
    if not pairs:
        return pl.lit(None, dtype)
    expr = pl.when(pairs[0][0]).then(pl.lit(pairs[0][1], dtype))
    for cond, value in pairs[1:]:
        expr = expr.when(cond).then(pl.lit(value, dtype))
    return expr.otherwise(pl.lit(None, dtype))


def in_force(day: pl.Expr, doc) -> pl.Expr:
    cond = day >= pl.lit(doc.effective_from)
    if doc.effective_to is not None:
        cond = cond & (day <= pl.lit(doc.effective_to))
    return cond


def procedure_issue_table(docs: CheckDocuments) -> pl.DataFrame:
    hours = docs.calendar_settings.working_day_hours
    rows = []
    for p in docs.usable_procedures():
        unit = p.time_limit.unit.value
        cutoff = p.receipt_cutoff or docs.calendar_settings.receipt_cutoff
        rows.append({
            "procedure_code": p.code, "procedure_issue": p.issue,
            "field": p.field.vi, "limit_amount": float(p.time_limit.amount), "limit_unit": unit,
            "allowed_s": limit_seconds(p.time_limit.amount, unit, hours),
            "calendar_clock": unit == "calendar_days",
            "cutoff": cutoff.strftime("%H:%M:%S") if cutoff else None,
            "has_approval_step": any(step.approval for step in p.steps),
            "approval_step": next((step.id for step in p.steps if step.approval), None),
            **finish_setting(p),
        })
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "field": pl.Utf8, "limit_amount": pl.Float64,
              "limit_unit": pl.Utf8, "allowed_s": pl.Int64, "calendar_clock": pl.Boolean, "cutoff": pl.Utf8,
              "has_approval_step": pl.Boolean, "approval_step": pl.Utf8, "finish_mode": pl.Utf8,
              "finish_step": pl.Utf8, "finish_last": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).with_row_index("pid")


def finish_setting(procedure) -> dict:
    """The issue's `finish:` as three columns: mode (default, last_event, step), the step and whether its last
    occurrence finishes the dossier."""
    finish = procedure.finish
    if isinstance(finish, FinishStep):
        return {"finish_mode": "step", "finish_step": finish.step, "finish_last": finish.occurrence == "last"}
    return {"finish_mode": finish.value, "finish_step": None, "finish_last": False}


def step_table(docs: CheckDocuments) -> pl.DataFrame:
    hours = docs.calendar_settings.working_day_hours
    rows = []
    for p in docs.usable_procedures():
        terminal = set(p.terminal_outcomes)
        for index, s in enumerate(p.steps):
            rows.append({
                "procedure_code": p.code, "procedure_issue": p.issue, "step": s.id, "idx": index,
                "step_unit": s.unit, "optional": s.optional, "repeatable": s.repeatable,
                "approval": s.approval, "result": s.result, "terminal": s.id in terminal,
                "allotted_s": limit_seconds(s.allotted.amount, s.allotted.unit.value, hours) if s.allotted else None,
            })
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "step": pl.Utf8, "idx": pl.Int64,
              "step_unit": pl.Utf8, "optional": pl.Boolean, "repeatable": pl.Boolean, "approval": pl.Boolean,
              "result": pl.Boolean, "terminal": pl.Boolean, "allotted_s": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def step_lookup(docs: CheckDocuments) -> pl.DataFrame:
    """Procedure steps and terminal outcomes of every issue, keyed by (code, issue, step)."""
    steps = step_table(docs).with_columns(pl.col("terminal").alias("is_terminal"))
    outcomes = terminal_table(docs).join(steps.select("procedure_code", "procedure_issue", "step"),
                                         on=["procedure_code", "procedure_issue", "step"], how="anti")
    return pl.concat([steps, outcomes], how="diagonal_relaxed")


def loop_table(docs: CheckDocuments) -> pl.DataFrame:
    rows = [
        {"procedure_code": p.code, "procedure_issue": p.issue, "prev_step": loop.from_step, "step": loop.to_step,
         "is_loop": True}
        for p in docs.usable_procedures() for loop in p.loops
    ]
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "prev_step": pl.Utf8, "step": pl.Utf8,
              "is_loop": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).unique()


def terminal_table(docs: CheckDocuments) -> pl.DataFrame:
    rows = [{"procedure_code": p.code, "procedure_issue": p.issue, "step": outcome, "is_terminal": True}
            for p in docs.usable_procedures() for outcome in p.terminal_outcomes]
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "step": pl.Utf8, "is_terminal": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).unique()


def ruleset_list(docs: CheckDocuments) -> list:
    """Rule sets by position; the default (no issue in force) is position 0."""
    return [DEFAULT_RULESET, *docs.usable_rulesets()]


def rule_settings_table(docs: CheckDocuments, language: str) -> pl.DataFrame:
    rows = []
    for index, rs in enumerate(ruleset_list(docs)):
        for rule in REGISTRY.values():
            setting = rs.rules.get(rule.id)
            enabled = setting.enabled if setting else True
            severity = (setting.severity if setting and setting.severity else rule.severity).value
            rows.append({"rs": index, "rule": rule.id, "enabled": enabled, "severity": severity,
                         "clause": rule.clause, "message": rule.title.in_language(language)})
    schema = {"rs": pl.Int64, "rule": pl.Utf8, "enabled": pl.Boolean, "severity": pl.Utf8, "clause": pl.Utf8,
              "message": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)
