"""Findings: every registered rule's lazy query over the engine's facts, collected
together, then the rule sets' on/off, severities and texts applied.

Each rule reads frames holding only the facts it declares (`Rule.dossier_facts`,
`Rule.event_facts`): a rule cannot depend on a column it does not name, and polars'
projection pushdown reads just those columns. All queries are collected at once
(in parallel); texts are formatted for findings only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .documents import CheckDocuments
from .frame import BIT_TERMINAL, D, last_before, packed_flag
from .local_time import LocalDates
from .rules import REGISTRY, Rule
from .tables import loop_table, rule_settings_table

FINDING_PARTS = ("did", "rule", "step", "unit", "expected", "actual")


@dataclass(frozen=True)
class CheckContext:
    """What the rules may know besides the facts: the documents and the log's shape."""

    docs: CheckDocuments
    carries: dict[str, bool]  # optional columns the log has (step_due_at, appointment_at, …)
    step_names: list[str]  # step code -> name
    pid_table: pl.DataFrame  # pid -> (procedure_code, procedure_issue)
    step_units: pl.Series  # the step's responsible unit by the event's `position`
    local_dates: LocalDates

    @property
    def tz(self) -> str:
        return self.docs.timezone


class RuleInputs:
    """What one rule's query sees: the facts it declared, and the check's context."""

    def __init__(self, rule: Rule, events: pl.LazyFrame, dossiers: pl.DataFrame, context: CheckContext):
        self.rule = rule
        self._events, self._dossiers = events, dossiers
        self.docs = context.docs
        self.tz = context.tz
        self.carries = context.carries
        self.step_names = context.step_names
        self.step_units = context.step_units
        self._local_dates = context.local_dates

    @staticmethod
    def _columns(declared) -> list[str]:
        return list(dict.fromkeys(("did", "unit", *declared)))

    @property
    def events(self) -> pl.LazyFrame:
        """Events of the dossiers judged against a procedure issue, in time order."""
        return self._events.select(self._columns(self.rule.event_facts))

    @property
    def dossiers(self) -> pl.LazyFrame:
        return self._dossiers.lazy().select(self._columns(self.rule.dossier_facts))

    @property
    def issued(self) -> pl.LazyFrame:
        """The dossiers judged against a procedure issue."""
        return self._dossiers.lazy().filter(pl.col("procedure_issue").is_not_null()).select(
            self._columns(self.rule.dossier_facts))

    def local_days(self, columns: list[str]) -> dict[str, pl.Expr]:
        """Expressions of the local dates of dossier-level instants."""
        return self._local_dates.exprs(self._dossiers, columns)

    def emit(self, frame: pl.LazyFrame, step: pl.Expr | None = None, unit: pl.Expr | None = None,
             expected: pl.Expr | None = None, actual: pl.Expr | None = None) -> pl.LazyFrame:
        """The rule's findings: one row per row of `frame` (unit: the row's `unit`)."""
        none = pl.lit(None, pl.Utf8)
        return frame.select(
            pl.col("did"), pl.lit(self.rule.id).alias("rule"),
            *((none if expr is None else expr.cast(pl.Utf8)).alias(name) for name, expr in (
                ("step", step), ("unit", pl.col("unit") if unit is None else unit), ("expected", expected),
                ("actual", actual))))


def step_event_facts(ev: pl.DataFrame, docs: CheckDocuments, step_names: list[str], pid_table: pl.DataFrame
                     ) -> pl.LazyFrame:
    """The event facts of the judged dossiers: each step event with the previous step
    event of its dossier (codes carried forward over the other events) and whether
    that pair is a declared loop (computed only by the queries that read it)."""
    judged = pl.col("pid").is_not_null()
    is_step = pl.col("idx").is_not_null()
    order_event = judged & is_step & ~packed_flag(BIT_TERMINAL)
    ev = ev.with_columns(
        last_before(pl.when(order_event).then(pl.col("sc")), -1).alias("prev_sc"),
        last_before(pl.when(order_event).then(pl.col("idx")), -1).alias("prev_idx"),
        last_before(pl.when(judged & is_step).then(pl.col("clock_s")), -1).alias("previous_clock"),
    )
    loops = loop_table(docs)
    is_loop = pl.lit(False)
    if loops.height:
        codes = dict(zip(step_names, range(len(step_names))))
        pids = {(c, i): pid for pid, c, i in pid_table.select("pid", "procedure_code", "procedure_issue").iter_rows()}
        loop_keys = [pids[(c, i)] * (1 << 32) + codes[f] * 65536 + codes[t]
                     for c, i, f, t, _ in loops.iter_rows() if (c, i) in pids]
        loop_key = (pl.col("pid").cast(pl.Int64) * (1 << 32) + pl.col("prev_sc").cast(pl.Int64) * 65536
                    + pl.col("sc").cast(pl.Int64))
        is_loop = (order_event & loop_key.is_in(loop_keys)).fill_null(False)
    return ev.lazy().with_columns(is_loop.alias("is_loop")).filter(judged)


def rule_findings(ev: pl.DataFrame, dossiers: pl.DataFrame, context: CheckContext, tick=lambda label: None
                  ) -> pl.DataFrame:
    """Every registered rule's candidate findings (before the rule sets' on/off and
    severities): one lazy query per rule, all collected together."""
    events = step_event_facts(ev, context.docs, context.step_names, context.pid_table)
    pending = []
    for rule in REGISTRY.values():
        query = rule.query(RuleInputs(rule, events, dossiers, context))
        if query is not None:
            pending.append(query)
    # Each query reads its own few columns; with common-subplan elimination polars
    # would cache the prefix the event rules share (the judged events), copying the
    # union of their columns first (measured: rules' CPU time up by a half).
    no_shared_cache = pl.QueryOptFlags()
    no_shared_cache.comm_subplan_elim = False
    parts = pl.collect_all(pending, optimizations=no_shared_cache)
    tick("rules")
    return pl.concat(parts, how="vertical") if parts else pl.DataFrame(
        schema={"did": pl.UInt32, **{name: pl.Utf8 for name in FINDING_PARTS[1:]}})


def finish_findings(findings: pl.DataFrame, dossiers: pl.DataFrame, rank: pl.Series, docs: CheckDocuments,
                     language: str) -> tuple[pl.DataFrame, np.ndarray]:
    """The findings with the rule set's on/off, severity and texts, sorted by
    dossier; and the number of findings of each dossier (by did)."""
    settings = rule_settings_table(docs, language)
    index = findings["did"]
    out = (
        findings.with_columns(dossiers[c].gather(index).alias(c) for c in (D, "procedure_code", "rs"))
        .with_columns(rank.gather(index).alias("rank"))
        .join(settings, on=["rs", "rule"], how="left")
        .filter(pl.col("enabled"))
    )
    # the dossier's rank sorts by dossier_id, comparing integers (severity, clause,
    # code and message follow from dossier and rule: no need to sort by them)
    keys = ["rank", "rule", "step", "expected", "actual", "unit"]
    per_dossier = np.bincount(out["did"].to_numpy(), minlength=dossiers.height)
    return out.sort(keys, nulls_last=False).select(
        "dossier_id", "rule", "severity", "clause", "procedure_code", "step", "unit", "expected", "actual", "message",
    ), per_dossier


def sort_findings(findings: pl.DataFrame) -> pl.DataFrame:
    keys = ["dossier_id", "rule", "step", "expected", "actual", "unit"]
    return findings.sort(keys, nulls_last=False)


def dossier_output(dossiers: pl.DataFrame, order: pl.Series) -> pl.DataFrame:
    from ..model.check_output import DOSSIER_COLUMNS

    out = dossiers.with_columns(
        (pl.col("paused_s") / 60).alias("paused_minutes"),
        (pl.col("used_s") / 60).alias("used_minutes"),
        (pl.col("allowed_s") / 60).alias("allowed_minutes"),
        pl.col("procedure_issue").cast(pl.Int64),
    )
    extra = ["method", "ruleset_code", "ruleset_issue", "finish_kind", "supplement_requests", "reschedules",
             "calendar_clock", "findings", "units", "late_units"]
    return out.select(*DOSSIER_COLUMNS, *extra).select(pl.all().gather(order))