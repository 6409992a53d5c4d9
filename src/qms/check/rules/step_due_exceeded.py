"""An event later than the per-step due moment the log carries."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import fmt_time, local_text
from .base import Rule


def query(inputs):
    if not inputs.carries.get("step_due_at"):
        return None
    return inputs.emit(inputs.events.filter(pl.col("at") > pl.col("step_due_at")), step=pl.col("step"),
                       expected=fmt_time(pl.col("step_due_at"), inputs.tz), actual=fmt_time(pl.col("at"), inputs.tz))


def reference(facts):
    if not facts.carries.get("step_due_at"):
        return
    for e in facts.events:
        if e.step_due_at is not None and e.at > e.step_due_at:
            yield facts.hit(step=e.step, unit=e.unit, expected=local_text(e.step_due_at, facts.tz),
                            actual=local_text(e.at, facts.tz))


RULE = Rule(
    id="step_due_exceeded", severity="minor", clause="9.1", scope="event",
    title=Text(vi="Quá hạn bước ghi trong nhật ký", en="Per-step due moment exceeded"),
    description=Text(vi="Bước hoàn thành sau hạn xử lý của bước đó ghi trong nhật ký.",
                     en="The step was completed after the per-step due moment the log records."),
    reported_when="an event is later than its `step_due_at` (when the log carries one)",
    event_facts=("at", "step_due_at", "step"), query=query, reference=reference,
)
