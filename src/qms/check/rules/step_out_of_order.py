"""A step event placed earlier in the procedure than the step event before it."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..frame import BIT_TERMINAL, packed_flag
from .base import Rule


def query(inputs):
    ordered = pl.col("idx").is_not_null() & ~packed_flag(BIT_TERMINAL)
    backwards = ordered & (pl.col("prev_idx") >= 0) & (pl.col("idx") < pl.col("prev_idx")) & ~pl.col("is_loop")
    previous = pl.col("prev_sc").replace_strict(dict(enumerate(inputs.step_names)), return_dtype=pl.Utf8)
    return inputs.emit(inputs.events.filter(backwards), step=pl.col("step"), expected=previous, actual=pl.col("step"))


def reference(facts):
    for visit in facts.step_visits:
        if visit.previous is not None and visit.index < facts.steps[visit.previous.step][0] and not visit.looped:
            yield facts.hit(step=visit.event.step, unit=visit.event.unit, expected=visit.previous.step,
                            actual=visit.event.step)


RULE = Rule(
    id="step_out_of_order", severity="minor", clause="8.5.1", scope="event",
    title=Text(vi="Bước sai thứ tự", en="Step out of order"),
    description=Text(vi="Một bước được ghi sau bước đứng sau nó trong quy trình, không theo vòng lặp được phép.",
                     en="A step was recorded after a later step of the procedure, outside the procedure's declared loops."),
    reported_when="a step event is placed earlier in the procedure than the step event before it, and that pair "
                  "is not a declared loop; `expected` = the previous step",
    event_facts=("idx", "packed", "prev_idx", "prev_sc", "is_loop", "step"), query=query, reference=reference,
)
