"""The vectorised check: the whole log at once, with polars expressions and numpy
calendar arithmetic.

There is no per-dossier Python loop. Python loops only over things that are few:
procedure issues (to pick the issue in force and its time limit), rule-set issues,
and distinct (cut-off, unit) pairs handed to the calendar. Everything per dossier or
per event is an expression over columns, grouped by `dossier_id` with `.over()`.

Semantics (shared with `reference.py`, documented in docs/check.md):

* events later than `as_of` are ignored: the log is judged as it stood then;
* the clock of a dossier runs from its counting start; each gap between two
  consecutive events is paused when the last supplement event before it was a
  request (`supplement_requested` ... `supplement_received`), active otherwise;
  the last gap of an open dossier runs to `as_of`;
* used time = active time up to the finish event; a step's time = active time
  since the previous procedure step (or the counting start).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from ..model.ruleset import ClassificationMethodId
from .common import (
    CANONICAL_STATUSES, DATE_FORMAT, FINISH_KIND_NAMES, OPTIONAL_TEXT_COLUMNS, OPTIONAL_TIME_COLUMNS,
    REASON_NO_ISSUE, REASON_NO_RECEIPT, REASON_UNKNOWN_PROCEDURE, REASON_WITHDRAWN, TIME_FORMAT, day_seconds,
    limit_seconds,
)
from .documents import DEFAULT_RULESET, CheckDocuments
from .rules import RULES

UTC = pl.Datetime("us", "UTC")
D = "dossier_id"

FINDING_SCHEMA = {
    "dossier_id": pl.Utf8, "rule": pl.Utf8, "step": pl.Utf8, "unit": pl.Utf8,
    "expected": pl.Utf8, "actual": pl.Utf8,
}


# -- preparing the events ---------------------------------------------------------


def prepare_events(events: pl.DataFrame | pl.LazyFrame, as_of: dt.datetime) -> tuple[pl.DataFrame, dict]:
    """Canonical events, optional columns filled, cut at `as_of`, sorted stably by
    dossier and time; plus which optional columns the log really carries."""
    frame = events.lazy() if isinstance(events, pl.DataFrame) else events
    names = frame.collect_schema().names()
    carries = {name: name in names for name in (*OPTIONAL_TIME_COLUMNS, "channel")}
    fill = [pl.lit(None, UTC).alias(c) for c in OPTIONAL_TIME_COLUMNS if c not in names]
    fill += [pl.lit(None, pl.Utf8).alias(c) for c in OPTIONAL_TEXT_COLUMNS if c not in names]
    keep = ["dossier_id", "procedure_code", "step", "unit", "at", *OPTIONAL_TIME_COLUMNS, "channel"]
    as_of_lit = pl.lit(as_of).cast(UTC)
    frame = (
        frame.with_columns(fill)
        .select(keep)
        .with_row_index("seq")
        .filter(pl.col("at").is_not_null() & (pl.col("at") <= as_of_lit))
    )
    # A dossier-level `returned_at` with no `returned` event stands for one.
    synthetic = (
        frame.group_by(D)
        .agg(
            pl.col("returned_at").drop_nulls().first().alias("at"),
            (pl.col("step") == "returned").any().alias("has_event"),
            pl.col("procedure_code").first(), pl.col("unit").first(), pl.col("seq").max(),
        )
        .filter(~pl.col("has_event") & pl.col("at").is_not_null() & (pl.col("at") <= as_of_lit))
        .select(D, "procedure_code", pl.lit("returned").alias("step"), "unit", "at", "seq")
    )
    frame = pl.concat([frame, synthetic], how="diagonal_relaxed")
    sorted_events = frame.sort([D, "at", "seq"]).collect()
    return sorted_events, carries


# -- the documents as small tables ---------------------------------------------------


def _chain(pairs: list[tuple[pl.Expr, object]], dtype) -> pl.Expr:
    """when(c1).then(v1).when(c2)... : the first matching condition wins."""
    if not pairs:
        return pl.lit(None, dtype)
    expr = pl.when(pairs[0][0]).then(pl.lit(pairs[0][1], dtype))
    for cond, value in pairs[1:]:
        expr = expr.when(cond).then(pl.lit(value, dtype))
    return expr.otherwise(pl.lit(None, dtype))


def _in_force(day: pl.Expr, doc) -> pl.Expr:
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
        })
    schema = {"procedure_code": pl.Utf8, "procedure_issue": pl.Int64, "field": pl.Utf8, "limit_amount": pl.Float64,
              "limit_unit": pl.Utf8, "allowed_s": pl.Int64, "calendar_clock": pl.Boolean, "cutoff": pl.Utf8,
              "has_approval_step": pl.Boolean, "approval_step": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


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
        for rule in RULES:
            setting = rs.rules.get(rule.id)
            enabled = setting.enabled if setting else True
            severity = (setting.severity if setting and setting.severity else rule.severity).value
            rows.append({"rs": index, "rule": rule.id, "enabled": enabled, "severity": severity,
                         "clause": rule.clause, "message": rule.title.in_language(language)})
    schema = {"rs": pl.Int64, "rule": pl.Utf8, "enabled": pl.Boolean, "severity": pl.Utf8, "clause": pl.Utf8,
              "message": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


# -- calendar over columns -------------------------------------------------------------


def _np(series: pl.Series) -> np.ndarray:
    return series.dt.replace_time_zone(None).to_numpy().astype("datetime64[us]")


def _from_np(values: np.ndarray, name: str) -> pl.Series:
    return pl.Series(name, values.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def _working_seconds(calendar, a: pl.Series, b: pl.Series, calendar_clock: pl.Series) -> pl.Series:
    """Seconds of the dossier's clock between a and b (b < a counts as 0): working
    time for working-day limits, elapsed time for calendar-day limits. Each gap is
    rounded to whole seconds, so sums are exact."""
    a_np, b_np = _np(a), _np(b)
    valid = ~(np.isnat(a_np) | np.isnat(b_np))
    b_np = np.where(valid & (b_np < a_np), a_np, b_np)
    out = np.zeros(len(a_np), dtype="float64")
    clock = calendar_clock.fill_null(False).to_numpy()
    work = valid & ~clock
    if work.any():
        out[work] = calendar.working_minutes_between_array(a_np[work], b_np[work]) * 60.0
    elapsed = valid & clock
    if elapsed.any():
        out[elapsed] = (b_np[elapsed] - a_np[elapsed]).astype("int64") / 1e6
    result = pl.Series("s", np.round(out)).cast(pl.Int64)
    return result.set(pl.Series(~valid), None) if (~valid).any() else result


# -- the check --------------------------------------------------------------------------


def check_events(events, docs: CheckDocuments, as_of: dt.datetime, language: str = "vi"):
    """Judge every dossier of `events`. Returns (dossiers, findings) DataFrames with
    the columns of `DOSSIER_COLUMNS` / `FINDING_COLUMNS` (plus a few extra)."""
    tz = docs.timezone
    hours = docs.calendar_settings.working_day_hours
    as_of_lit = pl.lit(as_of).cast(UTC)
    ev, carries = prepare_events(events, as_of)

    # 1. dossier-level facts -------------------------------------------------------
    step = pl.col("step")
    dossiers = ev.group_by(D, maintain_order=True).agg(
        pl.col("procedure_code").drop_nulls().first(),
        pl.col("unit").drop_nulls().first(),
        pl.col("channel").drop_nulls().first(),
        pl.coalesce(pl.col("received_at").drop_nulls().first(),
                    pl.col("at").filter(step == "received").first()).alias("received_at"),
        pl.col("appointment_at").filter(step != "apology_issued").drop_nulls().first().alias("logged_appointment_at"),
        pl.col("at").first().alias("first_at"),
        (step == "supplement_requested").sum().cast(pl.Int64).alias("supplement_requests"),
        (step == "apology_issued").sum().cast(pl.Int64).alias("reschedules"),
        pl.col("at").filter(step == "apology_issued").first().alias("first_apology_at"),
    )
    local_day = lambda c: pl.col(c).dt.convert_time_zone(tz).dt.date()  # noqa: E731
    dossiers = dossiers.with_columns(
        local_day("received_at").alias("receipt_day"),
        pl.coalesce(local_day("received_at"), local_day("first_at")).alias("rule_day"),
    )
    issues = sorted(docs.usable_procedures(), key=lambda p: -p.issue)
    code = pl.col("procedure_code")
    rulesets = ruleset_list(docs)
    ordered_rs = sorted(range(1, len(rulesets)), key=lambda i: (rulesets[i].effective_from, rulesets[i].issue),
                        reverse=True)
    dossiers = dossiers.with_columns(
        _chain([((code == p.code) & _in_force(pl.col("rule_day"), p), p.issue) for p in issues],
               pl.Int64).alias("procedure_issue"),
        code.is_in(sorted(docs.known_codes())).fill_null(False).alias("known"),
        _chain([(_in_force(pl.col("rule_day"), rulesets[i]), i) for i in ordered_rs], pl.Int64)
        .fill_null(0).alias("rs"),
    )
    rs_params = pl.DataFrame({
        "rs": list(range(len(rulesets))),
        "ruleset_code": [r.code for r in rulesets],
        "ruleset_issue": [r.issue for r in rulesets],
        "method": [r.classification_method.value for r in rulesets],
        "max_supplement_requests": [r.max_supplement_requests for r in rulesets],
        "max_reschedules": [r.max_reschedules for r in rulesets],
        "apology_lead_s": [int(round(r.apology_lead_working_days * hours * 3600)) for r in rulesets],
        "supplement_counts_late": [r.count_repeated_supplement_as_late for r in rulesets],
    }, schema_overrides={"rs": pl.Int64, "ruleset_issue": pl.Int64, "max_supplement_requests": pl.Int64,
                         "max_reschedules": pl.Int64, "apology_lead_s": pl.Int64})
    dossiers = (
        dossiers.join(rs_params, on="rs", how="left")
        .join(procedure_issue_table(docs), on=["procedure_code", "procedure_issue"], how="left")
    )

    # 2. counting start and legal due moment (loop over the few issues) --------------
    dossiers = _add_counting_start_and_due(dossiers, docs)

    # 3. events joined with their procedure step ------------------------------------
    ev = ev.join(
        dossiers.select(D, "procedure_issue", "counting_start_at", "calendar_clock", "rs"), on=D, how="left"
    ).join(step_table(docs), on=["procedure_code", "procedure_issue", "step"], how="left")
    ev = ev.join(terminal_table(docs), on=["procedure_code", "procedure_issue", "step"], how="left")
    ev = ev.with_columns(
        pl.col("is_terminal").fill_null(False),
        ((step == "returned") | pl.col("result").fill_null(False)).alias("is_result"),
    ).sort([D, "at", "seq"])  # joins may reorder
    ev = ev.with_columns(pl.col("at").filter(pl.col("is_result")).min().over(D).alias("return_at"))
    ev = ev.with_columns(
        (pl.col("return_at").is_not_null() & (pl.col("at") > pl.col("return_at"))).alias("after_return"),
        pl.when(step == "processed").then(1)
        .when(pl.col("is_result")).then(2)
        .when(step.is_in(["stopped", "refused"])).then(3)
        .when(step == "withdrawn").then(4)
        .otherwise(None).alias("finish_rank"),
    )
    ev = ev.with_columns(pl.col("finish_rank").min().over(D).alias("dossier_finish_rank"))
    ev = ev.with_columns(
        ((pl.col("finish_rank") == pl.col("dossier_finish_rank"))
         & ((pl.col("finish_rank") == pl.col("dossier_finish_rank")).cum_sum().over(D) == 1)).fill_null(False)
        .alias("is_finish"),
    )
    ev = ev.with_columns(pl.col("is_finish").any().over(D).alias("finished"))

    # 4. the clock: gaps between consecutive events, paused or active -----------------
    start = pl.col("counting_start_at")
    clipped = pl.max_horizontal(pl.col("at"), start)
    ev = ev.with_columns(pl.when(start.is_not_null()).then(clipped).alias("p"))
    ev = ev.with_columns(
        pl.col("p").shift(-1).over(D).alias("next_p"),
        pl.when(step == "supplement_requested").then(1).when(step == "supplement_received").then(0)
        .otherwise(None).forward_fill().over(D).fill_null(0).alias("paused_after"),
    )
    ev = ev.with_columns(
        pl.coalesce(pl.col("next_p"), pl.when(pl.col("finished")).then(pl.col("p")).otherwise(as_of_lit))
        .alias("next_p"),
    )
    gap = _working_seconds(docs.calendar, ev["p"], ev["next_p"], ev["calendar_clock"])
    ev = ev.with_columns(gap.alias("gap_s"))
    ev = ev.with_columns(
        pl.when(pl.col("paused_after") == 0).then(pl.col("gap_s")).otherwise(0).alias("active_s"),
        pl.when(pl.col("paused_after") == 1).then(pl.col("gap_s")).otherwise(0).alias("pause_s"),
    )
    first_p = ev.group_by(D).agg(pl.col("p").first().alias("first_p"))
    dossiers = dossiers.join(first_p, on=D, how="left")
    lead = _working_seconds(docs.calendar, dossiers["counting_start_at"], dossiers["first_p"],
                            dossiers["calendar_clock"])
    dossiers = dossiers.with_columns(lead.alias("lead_s"))
    ev = ev.join(dossiers.select(D, "lead_s"), on=D, how="left")
    ev = ev.with_columns(
        (pl.col("lead_s") + pl.col("active_s").cum_sum().shift(1, fill_value=0).over(D)).alias("clock_s"),
        pl.col("pause_s").cum_sum().shift(1, fill_value=0).over(D).alias("paused_before_s"),
    )
    times = ev.group_by(D).agg(
        pl.col("at").filter(pl.col("is_finish")).first().alias("finished_at"),
        pl.col("finish_rank").filter(pl.col("is_finish")).first().alias("finish_rank"),
        pl.col("clock_s").filter(pl.col("is_finish")).first().alias("clock_at_finish"),
        pl.col("paused_before_s").filter(pl.col("is_finish")).first().alias("paused_at_finish"),
        (pl.col("lead_s").first() + pl.col("active_s").sum()).alias("clock_open"),
        pl.col("pause_s").sum().alias("paused_open"),
        pl.col("return_at").first(),
        pl.col("at").filter(pl.col("approval").fill_null(False)).min().alias("approval_at"),
        (pl.col("is_terminal") | pl.col("step").is_in(["refused", "withdrawn", "stopped"])).any().alias("has_terminal"),
    )
    dossiers = dossiers.join(times, on=D, how="left").with_columns(
        pl.when(pl.col("finished_at").is_not_null()).then(pl.col("clock_at_finish")).otherwise(pl.col("clock_open"))
        .alias("used_s"),
        pl.when(pl.col("counting_start_at").is_null()).then(None)
        .when(pl.col("finished_at").is_not_null()).then(pl.col("paused_at_finish")).otherwise(pl.col("paused_open"))
        .alias("paused_s"),
    )
    dossiers = _classify(dossiers, as_of_lit, tz, hours)

    findings = _findings(ev, dossiers, docs, carries, tz)
    findings = _finish_findings(findings, dossiers, docs, language)
    return _dossier_output(dossiers), findings


def _add_counting_start_and_due(dossiers: pl.DataFrame, docs: CheckDocuments) -> pl.DataFrame:
    n = dossiers.height
    received = _np(dossiers["received_at"])
    start = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    due = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    keys = dossiers.select(
        pl.col("procedure_issue").is_not_null() & pl.col("received_at").is_not_null(),
        "calendar_clock", "cutoff", "unit", "limit_amount", "limit_unit",
    )
    has = keys.to_series(0).to_numpy()
    # counting start: elapsed-time (calendar-day) limits count from receipt itself
    groups = keys.filter(pl.col(keys.columns[0])).select("calendar_clock", "cutoff", "unit").unique()
    for clock, cutoff, unit in groups.iter_rows():
        mask = (has & (keys["calendar_clock"] == clock).fill_null(False).to_numpy()
                & (keys["cutoff"].eq_missing(cutoff)).to_numpy() & (keys["unit"].eq_missing(unit)).to_numpy())
        if clock:
            start[mask] = received[mask]
        else:
            cut = dt.time.fromisoformat(cutoff) if cutoff else None
            start[mask] = docs.calendar.counting_start_array(received[mask], cutoff=cut, unit=unit)
    for amount, limit_unit in keys.filter(pl.col(keys.columns[0])).select("limit_amount", "limit_unit").unique().iter_rows():
        mask = has & (keys["limit_amount"] == amount).fill_null(False).to_numpy() & (
            keys["limit_unit"] == limit_unit).fill_null(False).to_numpy()
        due[mask] = docs.calendar.add_array(start[mask], amount, limit_unit)
    return dossiers.with_columns(_from_np(start, "counting_start_at"), _from_np(due, "due_at"))


def _classify(dossiers: pl.DataFrame, as_of_lit: pl.Expr, tz: str, hours: float) -> pl.DataFrame:
    day_s = pl.when(pl.col("calendar_clock")).then(day_seconds(True, hours)).otherwise(day_seconds(False, hours))
    appointment = pl.coalesce(pl.col("logged_appointment_at"), pl.col("due_at"))
    dossiers = dossiers.with_columns(appointment.alias("appointment_at"), as_of_lit.alias("as_of_at"))
    appt, fin = pl.col("appointment_at"), pl.col("finished_at")
    used, allowed = pl.col("used_s"), pl.col("allowed_s")
    local_date = lambda e: e.dt.convert_time_zone(tz).dt.date()  # noqa: E731
    by_appointment = (
        pl.when(fin > appt).then(pl.lit("late"))
        .when(local_date(fin) == local_date(appt)).then(pl.lit("on_time"))
        .otherwise(pl.lit("early"))
    )
    by_working_time = (
        pl.when(used > allowed).then(pl.lit("late"))
        .when(used > allowed - day_s).then(pl.lit("on_time"))
        .otherwise(pl.lit("early"))
    )
    appointment_method = pl.col("method") == ClassificationMethodId.appointment.value
    late_by_method = pl.when(appointment_method).then(fin > appt).otherwise(used > allowed)
    finished_status = (
        pl.when(pl.col("supplement_counts_late") & (pl.col("supplement_requests") > pl.col("max_supplement_requests")))
        .then(pl.lit("late"))
        .when(appointment_method).then(by_appointment)
        .otherwise(by_working_time)
    )
    open_status = (
        pl.when(pl.when(appointment_method).then(as_of_lit > appt).otherwise(used > allowed))
        .then(pl.lit("open_overdue")).otherwise(pl.lit("open_within_time"))
    )
    reason = (
        pl.when(~pl.col("known")).then(pl.lit(REASON_UNKNOWN_PROCEDURE))
        .when(pl.col("procedure_issue").is_null()).then(pl.lit(REASON_NO_ISSUE))
        .when(pl.col("received_at").is_null()).then(pl.lit(REASON_NO_RECEIPT))
        .when(pl.col("finish_rank") == 4).then(pl.lit(REASON_WITHDRAWN))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    dossiers = dossiers.with_columns(reason.alias("not_assessable_reason"))
    status = (
        pl.when(pl.col("not_assessable_reason").is_not_null()).then(pl.lit("not_assessable"))
        .when(fin.is_not_null()).then(finished_status)
        .otherwise(open_status)
    )
    return dossiers.with_columns(
        status.alias("status"),
        late_by_method.fill_null(False).alias("late_by_method"),
        pl.col("finish_rank").replace_strict(FINISH_KIND_NAMES, default=None, return_dtype=pl.Utf8).alias("finish_kind"),
    )


def _fmt_time(expr: pl.Expr, tz: str, fmt: str = TIME_FORMAT) -> pl.Expr:
    return expr.dt.convert_time_zone(tz).dt.strftime(fmt)


def _fmt_minutes(expr: pl.Expr) -> pl.Expr:
    return ((expr + 30) // 60).cast(pl.Utf8)


def _findings(ev: pl.DataFrame, dossiers: pl.DataFrame, docs: CheckDocuments, carries: dict, tz: str) -> pl.DataFrame:
    """Every rule's candidate findings (before on/off and severity of the rule set)."""
    parts: list[pl.DataFrame] = []
    step = pl.col("step")

    def add(frame: pl.DataFrame, rule: str, step_expr, unit_expr, expected, actual):
        parts.append(frame.select(
            pl.col(D), pl.lit(rule).alias("rule"), step_expr.cast(pl.Utf8).alias("step"),
            unit_expr.cast(pl.Utf8).alias("unit"), expected.cast(pl.Utf8).alias("expected"),
            actual.cast(pl.Utf8).alias("actual"),
        ))

    none = pl.lit(None, pl.Utf8)
    d = dossiers
    # dossiers that cannot be judged against a procedure
    add(d.filter(~pl.col("known")), "unknown_procedure", none, pl.col("unit"), none, pl.col("procedure_code"))
    add(d.filter(pl.col("known") & pl.col("procedure_issue").is_null()), "no_issue_in_force", none, pl.col("unit"),
        none, pl.col("rule_day").dt.strftime(DATE_FORMAT))

    judged = ev.filter(pl.col("procedure_issue").is_not_null())
    is_step = pl.col("idx").is_not_null()

    # steps the procedure does not have
    add(judged.filter(~is_step & ~step.is_in(list(CANONICAL_STATUSES)) & ~pl.col("is_terminal")),
        "unexpected_step", step, pl.col("unit"), none, step)

    # order (against the previous step event) and repetition (within a loop segment)
    seq = judged.filter(is_step & ~pl.col("is_terminal")).with_columns(
        step.shift(1).over(D).alias("prev_step"), pl.col("idx").shift(1).over(D).alias("prev_idx"))
    seq = seq.join(loop_table(docs), on=["procedure_code", "procedure_issue", "prev_step", "step"], how="left")
    seq = seq.sort([D, "at", "seq"]).with_columns(pl.col("is_loop").fill_null(False).cum_sum().over(D).alias("segment"))
    seq = seq.with_columns(pl.int_range(pl.len()).over([D, "segment", "step"]).alias("occurrence"))
    add(seq.filter((pl.col("occurrence") > 0) & ~pl.col("repeatable")), "repeated_step", step, pl.col("unit"),
        pl.lit("1"), (pl.col("occurrence") + 1).cast(pl.Utf8))
    add(seq.filter((pl.col("idx") < pl.col("prev_idx")) & ~pl.col("is_loop").fill_null(False)), "step_out_of_order",
        step, pl.col("unit"), pl.col("prev_step"), step)

    # working time each step took since the previous step event (pauses excluded)
    timed = judged.filter(is_step).with_columns(
        pl.col("clock_s").shift(1).over(D).alias("previous_step_clock"),
    ).filter(pl.col("allotted_s").is_not_null() & pl.col("previous_step_clock").is_not_null())
    timed = timed.with_columns((pl.col("clock_s") - pl.col("previous_step_clock")).alias("step_s"))
    add(timed.filter(pl.col("step_s") > pl.col("allotted_s")), "step_overrun", step, pl.col("step_unit"),
        _fmt_minutes(pl.col("allotted_s")), _fmt_minutes(pl.col("step_s")))

    if carries.get("step_due_at"):
        add(judged.filter(pl.col("at") > pl.col("step_due_at")), "step_due_exceeded", step, pl.col("unit"),
            _fmt_time(pl.col("step_due_at"), tz), _fmt_time(pl.col("at"), tz))

    add(judged.filter(pl.col("after_return")), "event_after_return", step, pl.col("unit"),
        _fmt_time(pl.col("return_at"), tz), _fmt_time(pl.col("at"), tz))

    # required steps never recorded, though the dossier went past them
    reached = judged.group_by(D).agg(
        pl.col("idx").max().alias("furthest_idx"),
        ((step == "processed") | pl.col("is_result")).any().alias("went_to_end"),
    )
    required = step_table(docs).filter(~pl.col("optional") & ~pl.col("terminal") & ~pl.col("result"))
    expected_steps = d.filter(pl.col("procedure_issue").is_not_null()).select(
        D, "procedure_code", "procedure_issue").join(required, on=["procedure_code", "procedure_issue"], how="inner")
    expected_steps = expected_steps.join(reached, on=D, how="inner").filter(
        pl.col("went_to_end") | (pl.col("furthest_idx") > pl.col("idx")))
    present = judged.select(D, "step").unique()
    missing = expected_steps.join(present, on=[D, "step"], how="anti")
    add(missing, "missing_step", step, pl.col("step_unit"), step, none)

    # dossier-level rules
    issued = d.filter(pl.col("procedure_issue").is_not_null())
    add(issued.filter((pl.col("finish_rank") == 1) & pl.col("return_at").is_null() & ~pl.col("has_terminal")),
        "no_result_step", none, pl.col("unit"), none, pl.lit("processed"))
    add(issued.filter(pl.col("has_approval_step") & pl.col("return_at").is_not_null()
                      & ~(pl.col("approval_at") < pl.col("return_at")).fill_null(False)),
        "returned_before_approval", pl.col("approval_step"), pl.col("unit"),
        _fmt_time(pl.col("approval_at"), tz), _fmt_time(pl.col("return_at"), tz))
    by_appointment = pl.col("method") == ClassificationMethodId.appointment.value
    expected_limit = pl.when(by_appointment).then(_fmt_time(pl.col("appointment_at"), tz)) \
        .otherwise(_fmt_minutes(pl.col("allowed_s")))
    add(issued.filter((pl.col("status") == "late") & pl.col("late_by_method")), "finished_late", none, pl.col("unit"), expected_limit,
        pl.when(by_appointment).then(_fmt_time(pl.col("finished_at"), tz)).otherwise(_fmt_minutes(pl.col("used_s"))))
    add(issued.filter(pl.col("status") == "open_overdue"), "open_overdue", none, pl.col("unit"), expected_limit,
        pl.when(by_appointment).then(_fmt_time(pl.col("as_of_at"), tz)).otherwise(_fmt_minutes(pl.col("used_s"))))
    local = lambda c: pl.col(c).dt.convert_time_zone(tz).dt.date()  # noqa: E731
    add(issued.filter(local("logged_appointment_at") > local("due_at")), "appointment_beyond_limit", none,
        pl.col("unit"), _fmt_time(pl.col("due_at"), tz, DATE_FORMAT),
        _fmt_time(pl.col("logged_appointment_at"), tz, DATE_FORMAT))
    if carries.get("appointment_at"):
        add(issued.filter(pl.col("logged_appointment_at").is_null() & pl.col("received_at").is_not_null()),
            "appointment_missing", none, pl.col("unit"), none, none)
    add(issued.filter(pl.col("reschedules") > pl.col("max_reschedules")), "appointment_rescheduled_more_than_once",
        none, pl.col("unit"), pl.col("max_reschedules").cast(pl.Utf8), pl.col("reschedules").cast(pl.Utf8))
    add(issued.filter(pl.col("supplement_requests") > pl.col("max_supplement_requests")),
        "too_many_supplement_requests", none, pl.col("unit"), pl.col("max_supplement_requests").cast(pl.Utf8),
        pl.col("supplement_requests").cast(pl.Utf8))

    # late without a timely apology: any apology at least the lead time before the appointment
    overdue = issued.filter(
        pl.col("status").is_in(["late", "open_overdue"])
        & (pl.coalesce(pl.col("finished_at"), pl.col("as_of_at")) > pl.col("appointment_at"))
    )
    apologies = judged.filter(step == "apology_issued").select(D, "at", "calendar_clock").join(
        overdue.select(D, "appointment_at", "apology_lead_s"), on=D, how="inner")
    lead = _working_seconds(docs.calendar, apologies["at"], apologies["appointment_at"],
                            pl.Series([False] * apologies.height, dtype=pl.Boolean))
    timely = apologies.with_columns(lead.alias("lead_s")).filter(
        (pl.col("at") <= pl.col("appointment_at")) & (pl.col("lead_s") >= pl.col("apology_lead_s"))
    ).select(D).unique()
    add(overdue.join(timely, on=D, how="anti"), "late_without_apology", none, pl.col("unit"),
        _fmt_time(pl.col("appointment_at"), tz), _fmt_time(pl.col("first_apology_at"), tz))

    return pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=FINDING_SCHEMA)


def _finish_findings(findings: pl.DataFrame, dossiers: pl.DataFrame, docs: CheckDocuments, language: str):
    settings = rule_settings_table(docs, language)
    out = (
        findings.join(dossiers.select(D, "procedure_code", "rs"), on=D, how="left")
        .join(settings, on=["rs", "rule"], how="left")
        .filter(pl.col("enabled"))
        .select("dossier_id", "rule", "severity", "clause", "procedure_code", "step", "unit", "expected", "actual",
                "message")
    )
    return sort_findings(out)


def sort_findings(findings: pl.DataFrame) -> pl.DataFrame:
    keys = ["dossier_id", "rule", "step", "expected", "actual", "unit", "severity", "clause", "procedure_code", "message"]
    return findings.sort(keys, nulls_last=False)


def _dossier_output(dossiers: pl.DataFrame) -> pl.DataFrame:
    from ..model.check_output import DOSSIER_COLUMNS

    out = dossiers.with_columns(
        (pl.col("paused_s") / 60).alias("paused_minutes"),
        (pl.col("used_s") / 60).alias("used_minutes"),
        (pl.col("allowed_s") / 60).alias("allowed_minutes"),
        pl.col("procedure_issue").cast(pl.Int64),
    )
    extra = ["method", "ruleset_code", "ruleset_issue", "finish_kind", "supplement_requests", "reschedules",
             "calendar_clock"]
    return out.select(*DOSSIER_COLUMNS, *extra).sort(D)
