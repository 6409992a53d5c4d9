"""The engine's facts: what every rule reads, computed once for the whole log.

Row i of `dossiers` is dossier i (`did`). Dossier-level columns repeat on every row
in most logs: the first row's values are taken, and a dossier whose first row lacks
one is searched further. The documents are found by position (`pid`: the issue's
row in `procedure_issue_table`, `rs`: the rule set's in `ruleset_list`), and each
event's step properties are read from one packed integer per (issue, step).
The facts rules may read are listed in `rules.base.DOSSIER_FACTS` / `EVENT_FACTS`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .documents import CheckDocuments
from .finish import NO_RANK, first_of_lowest
from .frame import (
    BIT_APPROVAL, BIT_ENDS, BIT_IS_RESULT, BIT_ONCE_ONLY, BIT_REPEATABLE, BIT_RESULT, BIT_TERMINAL, BIT_TO_END, D,
    FIRST, PACKED_IDX_BITS, RANK_SHIFT, STATUS_CODE, broadcast, first_per_dossier, firsts_per_dossier, is_status,
    packed_flag, searchable, status_is,
)
from .local_time import LocalDates
from .tables import first_match, in_force, procedure_issue_table, ruleset_list


def dossier_columns(ev: pl.DataFrame, dossier_level: pl.DataFrame, local_dates: LocalDates) -> pl.DataFrame:
    """Per dossier: id, code, unit, channel, receipt (the column, else the `received`
    event), the logged appointment, the first apology and the local days that pick
    the documents in force (from the events and their dossier-level columns, as
    `prepare_events` returns them)."""
    looked_up = ["procedure_code", "channel", "received_at", "appointment_at"]
    dossiers = pl.concat([
        dossier_level.filter(ev["first"]).select(D, *looked_up).rechunk(),
        ev.lazy().filter(FIRST).select("unit", pl.col("at").alias("first_at"), "sc").collect(),
    ], how="horizontal")
    apology_first = dossiers["sc"] == STATUS_CODE["apology_issued"]
    for column in [*looked_up, "unit"]:
        # the appointment is the receipt's, never an apology's new date
        lacking = dossiers[column].is_null() | (apology_first if column == "appointment_at" else False)
        if lacking.any():
            condition = pl.col(column).is_not_null() & (
                ~status_is("apology_issued") if column == "appointment_at" else True)
            source = ev if column == "unit" else searchable(ev, dossier_level, column)
            found = first_per_dossier(source, condition, [column], among=lacking)[column]
            dossiers = dossiers.with_columns(pl.when(lacking).then(found).otherwise(pl.col(column)).alias(column))
    firsts = firsts_per_dossier(ev, {"received": (status_is("received"), "at"),
                                     "apology": (status_is("apology_issued"), "at")})
    dossiers = dossiers.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("did"),
        pl.coalesce(pl.col("received_at"), firsts["received"]).alias("received_at"),
        pl.col("appointment_at").alias("logged_appointment_at"),
        firsts["apology"].alias("first_apology_at"),
    ).drop("appointment_at", "sc")
    day = local_dates.exprs(dossiers, ["received_at", "first_at"])
    return dossiers.with_columns(
        day["received_at"].alias("receipt_day"),
        pl.coalesce(day["received_at"], day["first_at"]).alias("rule_day"),
    )


def documents_in_force(dossiers: pl.DataFrame, docs: CheckDocuments) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The procedure issue (`pid`, the newest in force winning; codes compared as
    small integers) and rule set (`rs`) in force on each dossier's `rule_day`, with
    their columns gathered by position; and the procedure issue table."""
    hours = docs.calendar_settings.working_day_hours
    procedures = docs.usable_procedures()
    codes = sorted(docs.known_codes())
    code_number = {c: n for n, c in enumerate(codes)}
    newest_first = sorted(range(len(procedures)), key=lambda i: -procedures[i].issue)
    dossiers = dossiers.with_columns(
        pl.col("procedure_code").cast(pl.Enum(codes), strict=False).to_physical().alias("code_number"))
    rulesets = ruleset_list(docs)
    ordered_rs = sorted(range(1, len(rulesets)), key=lambda i: (rulesets[i].effective_from, rulesets[i].issue),
                        reverse=True)
    dossiers = dossiers.with_columns(
        first_match([((pl.col("code_number") == code_number[procedures[i].code])
                      & in_force(pl.col("rule_day"), procedures[i]), i) for i in newest_first], pl.UInt32).alias("pid"),
        pl.col("code_number").is_not_null().alias("known"),
        first_match([(in_force(pl.col("rule_day"), rulesets[i]), i) for i in ordered_rs], pl.Int64)
        .fill_null(0).alias("rs"),
    ).drop("code_number")
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
    issues = procedure_issue_table(docs)
    issue_table = issues.drop("pid", "procedure_code")
    dossiers = dossiers.with_columns(
        *(pl.lit(rs_params[c]).gather(pl.col("rs")).alias(c) for c in rs_params.columns if c != "rs"),
        *(pl.lit(issue_table[c]).gather(pl.col("pid")).alias(c) for c in issue_table.columns),
    )
    return dossiers, issues


def _flag(expr: pl.Expr, bit: int) -> pl.Expr:
    return expr.fill_null(False).cast(pl.Int64) * (1 << bit)


def dense_step_table(lookup: pl.DataFrame, issue_codes: pl.DataFrame, step_codes: dict[str, int]) -> pl.DataFrame:
    """One row per (procedure issue, step code), `width` rows per issue and a last
    block for the events of dossiers with no issue (their statuses still finish
    them), with the step's properties packed in one integer: idx + 1 in the low 16
    bits, then flags and the finish rank, so that each event needs two gathers (this
    and allotted_s), not eleven, and decodes them with bitwise ands."""
    width = len(step_codes)
    lookup = lookup.join(issue_codes, on=["procedure_code", "procedure_issue"], how="inner").with_columns(
        (pl.col("pid").cast(pl.Int64) * width + pl.col("step").replace_strict(step_codes, return_dtype=pl.Int64))
        .alias("position")).drop("procedure_code", "procedure_issue", "step", "pid")
    blocks = issue_codes.height + 1
    dense = pl.DataFrame({"position": pl.int_range(0, blocks * width, dtype=pl.Int64, eager=True)}).join(
        lookup, on="position", how="left", maintain_order="left").with_columns(
        (pl.col("position") % width).alias("sc")).drop("position")
    # whether it may occur only once, is a result, and how it finishes the dossier
    once = pl.col("idx").is_not_null() & ~pl.col("is_terminal").fill_null(False) & ~pl.col("repeatable").fill_null(False)
    is_result = status_is("returned") | pl.col("result").fill_null(False)
    # a step the procedure lists as a terminal outcome ends the dossier as a stop does
    ends_as_stop = status_is("stopped", "refused") | (pl.col("is_terminal").fill_null(False) & ~is_status())
    finish_rank = (pl.when(status_is("processed")).then(1).when(is_result).then(2)
                   .when(ends_as_stop).then(3).when(status_is("withdrawn")).then(4).otherwise(0))
    return dense.with_columns(
        (pl.col("idx").fill_null(-1) + 1 + _flag(pl.col("repeatable"), BIT_REPEATABLE)
         + _flag(pl.col("approval"), BIT_APPROVAL) + _flag(pl.col("result"), BIT_RESULT)
         + _flag(pl.col("is_terminal"), BIT_TERMINAL) + _flag(once, BIT_ONCE_ONLY) + _flag(is_result, BIT_IS_RESULT)
         + finish_rank.cast(pl.Int64) * (1 << RANK_SHIFT)
         + _flag(pl.col("is_terminal") | status_is("refused", "withdrawn", "stopped"), BIT_ENDS)
         + _flag(status_is("processed") | is_result, BIT_TO_END)).alias("packed"),
        # each step as one bit (steps beyond 61 have none: the bit sets are then not used)
        pl.when(pl.col("idx").is_between(0, 61)).then(pl.lit(2, pl.Int64).pow(pl.col("idx")))
        .otherwise(0).cast(pl.Int64).alias("bit"))


def step_properties(ev: pl.DataFrame, dense: pl.DataFrame, blocks: int) -> pl.DataFrame:
    """Each event's packed step properties, allotted time and step bit, by position
    in the dense table; only `idx` is decoded into a column."""
    width = dense.height // blocks
    # positions as UInt32, polars' own index type: gathers by Int64 convert and bound-check them first
    position = pl.when(pl.col("sc") >= 0).then(
        (pl.col("pid").fill_null(blocks - 1).cast(pl.Int64) * width + pl.col("sc")).cast(pl.UInt32))
    low = pl.col("packed").fill_null(0) & PACKED_IDX_BITS
    return ev.with_columns(position.alias("position")).with_columns(
        pl.lit(dense[c]).gather(pl.col("position")).alias(c) for c in ("packed", "allotted_s", "bit")).with_columns(
        pl.when(low > 0).then(low - 1).alias("idx"))


def step_sums(ev: pl.DataFrame, dossiers: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Per dossier, over its run of events with numpy's reduceat (a group_by over 9 M
    events is several times slower): supplement requests and reschedules, the
    finish (the lowest rank present), whether it ended by an outcome or went to the
    end, its once-only step events, the bit set of its steps and the furthest step.
    Also returns each finished dossier's finishing event (its first of the lowest
    rank), every event's finish rank (9: none) and which dossiers are finished."""
    starts = np.flatnonzero(ev["first"].to_numpy())
    packed = ev["packed"].fill_null(0).to_numpy()
    bit = ev["bit"].fill_null(0).to_numpy()

    def per_run(ufunc, values: np.ndarray) -> np.ndarray:
        return ufunc.reduceat(values, starts) if len(starts) else values[:0]

    sc, did = ev["sc"].to_numpy(), ev["did"].to_numpy()
    for name, status in (("supplement_requests", "supplement_requested"), ("reschedules", "apology_issued")):
        # counted over the few such events (a sum over every event's flag took 4 times longer)
        counts = np.bincount(did[sc == STATUS_CODE[status]], minlength=len(starts))
        dossiers = dossiers.with_columns(pl.Series(name, counts, dtype=pl.Int64))
    flags = per_run(np.bitwise_or, packed)
    rank_code = ((packed >> RANK_SHIFT) & 7).astype(np.int8)
    rank_code[rank_code == 0] = NO_RANK
    rank = per_run(np.minimum, rank_code)
    furthest = per_run(np.maximum, packed & PACKED_IDX_BITS) - 1  # idx + 1 is kept in the low 16 bits
    once_only = ((packed >> BIT_ONCE_ONLY) & 1).astype(bool)
    once_only_events = per_run(np.add, once_only.astype(np.int64))
    distinct_once_only = pl.Series(per_run(np.bitwise_or, np.where(once_only, bit, 0))).bitwise_count_ones()
    dossiers = dossiers.with_columns(
        pl.Series("has_terminal", (flags & (1 << BIT_ENDS)) != 0),
        pl.Series("furthest_idx", furthest).set(pl.Series(furthest < 0), None),
        pl.Series("steps_seen", per_run(np.bitwise_or, bit)),
        # a dossier can repeat a step only if it has more such events than distinct ones
        pl.Series("may_repeat", once_only_events > distinct_once_only.cast(pl.Int64).fill_null(0).to_numpy()),
        pl.Series("went_to_end", (flags & (1 << BIT_TO_END)) != 0),
    )
    finished = rank != NO_RANK
    if not len(starts):
        return dossiers, np.zeros(0, np.int64), rank_code, finished
    finish_at, _lowest = first_of_lowest(rank_code, starts, np.diff(np.append(starts, ev.height)), did, rank)
    return dossiers, finish_at[finished], rank_code, finished


def return_and_approval(ev: pl.DataFrame, dossiers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The first result and first approval event of each dossier; the return also on its events."""
    firsts = firsts_per_dossier(ev, {"return_at": (packed_flag(BIT_IS_RESULT), "at"),
                                     "approval_at": (packed_flag(BIT_APPROVAL), "at")})
    dossiers = dossiers.with_columns(firsts["return_at"], firsts["approval_at"])
    return broadcast(ev, dossiers, ["return_at"]), dossiers


def finish_columns(ev: pl.DataFrame, dossiers: pl.DataFrame, finish_at: np.ndarray, finish_rank: np.ndarray
                   ) -> pl.DataFrame:
    """The finish (instant, rank, clock there) scattered onto the dossiers, and the
    used and paused time: up to the finish, else up to as-of."""
    finish = pl.DataFrame([
        ev["did"].gather(finish_at),
        ev["at"].gather(finish_at).alias("finished_at"),
        pl.Series("finish_rank", finish_rank, dtype=pl.Int64),
        ev["clock_s"].gather(finish_at).alias("clock_at_finish"),
        ev["paused_before_s"].gather(finish_at).alias("paused_at_finish"),
    ])
    dossiers = dossiers.with_columns(
        pl.repeat(None, dossiers.height, dtype=finish.schema[c], eager=True).scatter(finish["did"], finish[c]).alias(c)
        for c in finish.columns if c != "did")
    return dossiers.with_columns(
        pl.when(pl.col("finished_at").is_not_null()).then(pl.col("clock_at_finish"))
        .otherwise(pl.col("lead_s") + pl.col("active_total")).alias("used_s"),
        pl.when(pl.col("counting_start_at").is_null()).then(None)
        .when(pl.col("finished_at").is_not_null()).then(pl.col("paused_at_finish")).otherwise(pl.col("paused_open"))
        .alias("paused_s"),
    )
