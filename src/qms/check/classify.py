"""Classification: each dossier's status (early / on time / late, open within time
or overdue, not assessable) by the method its rule set names."""

from __future__ import annotations

import polars as pl

from ..model.ruleset import ClassificationMethodId
from .common import (
    FINISH_KIND_NAMES, REASON_NO_ISSUE, REASON_NO_RECEIPT, REASON_UNKNOWN_PROCEDURE, REASON_WITHDRAWN, day_seconds,
)
from .local_time import LocalDates


def classify(dossiers: pl.DataFrame, as_of_lit: pl.Expr, tz: str, hours: float,
              local_dates: LocalDates) -> pl.DataFrame:
    day_s = pl.when(pl.col("calendar_clock")).then(day_seconds(True, hours)).otherwise(day_seconds(False, hours))
    appointment = pl.coalesce(pl.col("logged_appointment_at"), pl.col("due_at"))
    dossiers = dossiers.with_columns(appointment.alias("appointment_at"), as_of_lit.alias("as_of_at"))
    appt, fin = pl.col("appointment_at"), pl.col("finished_at")
    used, allowed = pl.col("used_s"), pl.col("allowed_s")
    day = local_dates.exprs(dossiers, ["finished_at", "appointment_at"])
    # statuses as small integers through the chains, made texts once at the end
    early, on_time, late, within, overdue, not_assessable = range(6)
    names = {early: "early", on_time: "on_time", late: "late", within: "open_within_time",
             overdue: "open_overdue", not_assessable: "not_assessable"}
    by_appointment = (
        pl.when(fin > appt).then(late)
        .when(day["finished_at"] == day["appointment_at"]).then(on_time)
        .otherwise(early)
    )
    by_working_time = (
        pl.when(used > allowed).then(late)
        .when(used > allowed - day_s).then(on_time)
        .otherwise(early)
    )
    appointment_method = pl.col("method") == ClassificationMethodId.appointment.value
    late_by_method = pl.when(appointment_method).then(fin > appt).otherwise(used > allowed)
    finished_status = (
        pl.when(pl.col("supplement_counts_late") & (pl.col("supplement_requests") > pl.col("max_supplement_requests")))
        .then(late)
        .when(appointment_method).then(by_appointment)
        .otherwise(by_working_time)
    )
    open_status = pl.when(pl.when(appointment_method).then(as_of_lit > appt).otherwise(used > allowed)) \
        .then(overdue).otherwise(within)
    reason = (
        pl.when(~pl.col("known")).then(pl.lit(REASON_UNKNOWN_PROCEDURE))
        .when(pl.col("procedure_issue").is_null()).then(pl.lit(REASON_NO_ISSUE))
        .when(pl.col("received_at").is_null()).then(pl.lit(REASON_NO_RECEIPT))
        .when(pl.col("finish_rank") == 4).then(pl.lit(REASON_WITHDRAWN))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    dossiers = dossiers.with_columns(reason.alias("not_assessable_reason"))
    status = (
        pl.when(pl.col("not_assessable_reason").is_not_null()).then(not_assessable)
        .when(fin.is_not_null()).then(finished_status)
        .otherwise(open_status)
    )
    return dossiers.with_columns(
        status.replace_strict(names, return_dtype=pl.Utf8).alias("status"),
        late_by_method.fill_null(False).alias("late_by_method"),
        pl.col("finish_rank").replace_strict(FINISH_KIND_NAMES, default=None, return_dtype=pl.Utf8).alias("finish_kind"),
    )
