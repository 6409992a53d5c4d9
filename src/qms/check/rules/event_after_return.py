"""An event later than the dossier's first result event."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import fmt_time, local_text
from .base import Rule


def query(inputs):
    after = pl.col("return_at").is_not_null() & (pl.col("at") > pl.col("return_at"))
    return inputs.emit(inputs.events.filter(after), step=pl.col("step"),
                       expected=fmt_time(pl.col("return_at"), inputs.tz), actual=fmt_time(pl.col("at"), inputs.tz))


def reference(facts):
    if facts.return_at is None:
        return
    for e in facts.events:
        if e.at > facts.return_at:
            yield facts.hit(step=e.step, unit=e.unit, expected=local_text(facts.return_at, facts.tz),
                            actual=local_text(e.at, facts.tz))


RULE = Rule(
    id="event_after_return", severity="observation", clause="7.5", scope="event",
    title=Text(vi="Sự kiện sau khi trả kết quả", en="Event after the result was returned"),
    description=Text(vi="Nhật ký ghi sự kiện sau thời điểm đã trả kết quả cho người nộp.",
                     en="The log records an event after the result was returned to the applicant."),
    reported_when="an event later than the first result event",
    event_facts=("at", "return_at", "step"), query=query, reference=reference,
)
