"""A non-repeatable step occurs again since the last declared loop."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..frame import BIT_REPEATABLE, BIT_TERMINAL, packed_flag, running_sum
from .base import Rule


def query(inputs):
    # Only dossiers that can repeat a step are searched (more once-only events than
    # distinct ones); one integer key per (dossier, loop segment, step), and only
    # keys seen more than once are counted.
    candidates = inputs.dossiers.filter(pl.col("may_repeat") | (pl.col("furthest_idx") >= 62)) \
        .select("did").collect()["did"]
    segment = running_sum(pl.col("is_loop").cast(pl.Int64))
    key = pl.col("did").cast(pl.Int64) * (1 << 24) + segment * (1 << 12) + pl.col("idx")
    ordered = pl.col("idx").is_not_null() & ~packed_flag(BIT_TERMINAL)
    repeats = (
        inputs.events.filter(pl.col("did").is_in(candidates.implode()))
        .with_columns(key.alias("key"))
        .filter(ordered & ~packed_flag(BIT_REPEATABLE))
        .filter(pl.col("key").is_duplicated())
        .with_columns(pl.col("key").cum_count().over("key").alias("occurrence"))
        .filter(pl.col("occurrence") > 1)
    )
    return inputs.emit(repeats, step=pl.col("step"), expected=pl.lit("1"), actual=pl.col("occurrence"))


def reference(facts):
    for visit in facts.step_visits:
        if visit.occurrence > 1 and not facts.steps[visit.event.step][1].repeatable:
            yield facts.hit(step=visit.event.step, unit=visit.event.unit, expected="1", actual=str(visit.occurrence))


RULE = Rule(
    id="repeated_step", severity="observation", clause="8.5.1", scope="event",
    title=Text(vi="Bước lặp lại", en="Non-repeatable step repeated"),
    description=Text(vi="Một bước không được phép lặp lại được ghi nhiều lần (ngoài vòng lặp được phép).",
                     en="A step that is not repeatable was recorded more than once (outside a declared loop)."),
    reported_when="a non-repeatable step occurs again since the last declared loop; `actual` = the occurrence",
    dossier_facts=("may_repeat", "furthest_idx"), event_facts=("first", "idx", "packed", "is_loop", "step"),
    query=query, reference=reference,
)
