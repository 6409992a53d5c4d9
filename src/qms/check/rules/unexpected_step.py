"""An event's step is neither a step of the procedure nor a canonical status."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import CANONICAL_STATUSES
from ..frame import BIT_TERMINAL, is_status, packed_flag
from .base import Rule


def query(inputs):
    step = pl.col("step")
    unexpected = pl.col("idx").is_null() & ~is_status() & ~packed_flag(BIT_TERMINAL)
    return inputs.emit(inputs.events.filter(unexpected), step=step, actual=step)


def reference(facts):
    for e in facts.events:
        if e.step not in facts.steps and e.step not in CANONICAL_STATUSES and e.step not in facts.terminal:
            yield facts.hit(step=e.step, unit=e.unit, actual=e.step)


RULE = Rule(
    id="unexpected_step", severity="minor", clause="8.5.1", scope="event",
    title=Text(vi="Bước không có trong quy trình", en="Step not in the procedure"),
    description=Text(vi="Nhật ký ghi một bước không có trong quy trình (và không phải trạng thái chuẩn).",
                     en="The log records a step that the procedure issue does not have and that is not a canonical status."),
    reported_when="an event's step is neither a step of the procedure nor a canonical status",
    event_facts=("idx", "sc", "packed", "step"), query=query, reference=reference,
)
