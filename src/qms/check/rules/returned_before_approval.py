"""A result returned with no approval event before it."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import fmt_time, local_text
from .base import Rule


def query(inputs):
    unapproved = pl.col("has_approval_step") & pl.col("return_at").is_not_null() \
        & ~(pl.col("approval_at") < pl.col("return_at")).fill_null(False)
    return inputs.emit(inputs.issued.filter(unapproved), step=pl.col("approval_step"),
                       expected=fmt_time(pl.col("approval_at"), inputs.tz),
                       actual=fmt_time(pl.col("return_at"), inputs.tz))


def reference(facts):
    approval_step = next((s.id for s in facts.procedure.steps if s.approval), None)
    approved = facts.approval_at is not None and facts.return_at is not None and facts.approval_at < facts.return_at
    if approval_step is not None and facts.return_at is not None and not approved:
        yield facts.hit(step=approval_step, expected=local_text(facts.approval_at, facts.tz),
                        actual=local_text(facts.return_at, facts.tz))


RULE = Rule(
    id="returned_before_approval", severity="major", clause="8.5.1", scope="dossier",
    title=Text(vi="Trả kết quả trước khi phê duyệt", en="Result returned before approval"),
    description=Text(vi="Kết quả được trả cho người nộp trước bước phê duyệt của lãnh đạo.",
                     en="The result was handed to the applicant before the leader's approval step."),
    reported_when="a result event exists, the procedure has an approval step and no approval event is earlier than "
                  "the return; `step` = the approval step",
    dossier_facts=("has_approval_step", "return_at", "approval_at", "approval_step"), query=query,
    reference=reference,
)
