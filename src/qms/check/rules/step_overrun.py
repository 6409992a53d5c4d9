"""The active working time since the previous step event exceeds the step's allotment."""

from __future__ import annotations

from itertools import pairwise

import polars as pl

from ...model.common import Text
from ..common import fmt_minutes, limit_seconds, minutes_text
from ..units import step_unit
from .base import Rule


def query(inputs):
    took = pl.col("clock_s") - pl.col("previous_clock")
    timed = inputs.events.with_columns(took.alias("step_s")).filter(
        pl.col("idx").is_not_null() & pl.col("allotted_s").is_not_null() & (pl.col("previous_clock") >= 0)
        & (pl.col("step_s") > pl.col("allotted_s")))
    return inputs.emit(timed, step=pl.col("step"), unit=step_unit(inputs.step_units),
                       expected=fmt_minutes(pl.col("allotted_s")), actual=fmt_minutes(pl.col("step_s")))


def reference(facts):
    if facts.start is None:
        return
    timed = [(i, e) for i, e in enumerate(facts.events) if e.step in facts.steps]
    for (before, _), (position, e) in pairwise(timed):
        step = facts.steps[e.step][1]
        if step.allotted is None:
            continue
        allotted = limit_seconds(step.allotted.amount, step.allotted.unit.value, facts.hours)
        took = facts.clock_at[position] - facts.clock_at[before]
        if took > allotted:
            yield facts.hit(step=e.step, unit=e.unit if e.unit is not None else step.unit,
                            expected=minutes_text(allotted), actual=minutes_text(took))


RULE = Rule(
    id="step_overrun", severity="observation", clause="9.1", scope="event",
    title=Text(vi="Bước vượt thời gian phân bổ", en="Step exceeded its allotted time"),
    description=Text(
        vi="Thời gian làm việc của một bước (trừ thời gian tạm dừng) vượt thời gian quy trình phân bổ cho đơn vị chịu trách nhiệm.",
        en="The working time a step took (pauses excluded) exceeded the time the procedure allots to its responsible unit."),
    reported_when="the active working time since the previous step event exceeds the step's `allotted` time; "
                  "`unit` = the unit logged on the step event, else the step's responsible unit",
    event_facts=("idx", "clock_s", "previous_clock", "allotted_s", "position", "step"), query=query,
    reference=reference,
)
