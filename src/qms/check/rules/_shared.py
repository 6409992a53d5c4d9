"""Expressions two rules share (`finished_late`, `open_overdue`)."""

from __future__ import annotations

import polars as pl

from ...model.ruleset import ClassificationMethodId
from ..common import fmt_minutes, fmt_time, local_text, minutes_text

BY_APPOINTMENT = pl.col("method") == ClassificationMethodId.appointment.value


def expected_limit(tz: str) -> pl.Expr:
    """The appointment (appointment method) or the allowed minutes (working time)."""
    return pl.when(BY_APPOINTMENT).then(fmt_time(pl.col("appointment_at"), tz)) \
        .otherwise(fmt_minutes(pl.col("allowed_s")))


def measured(moment: str, tz: str) -> pl.Expr:
    """The moment (appointment method) or the used minutes (working time)."""
    return pl.when(BY_APPOINTMENT).then(fmt_time(pl.col(moment), tz)).otherwise(fmt_minutes(pl.col("used_s")))


def by_appointment(facts) -> bool:
    return facts.method == ClassificationMethodId.appointment.value


def expected_limit_text(facts) -> str | None:
    return local_text(facts.appointment, facts.tz) if by_appointment(facts) else minutes_text(facts.allowed_s)


def measured_text(facts, moment) -> str | None:
    return local_text(moment, facts.tz) if by_appointment(facts) else minutes_text(facts.used)


def count_over_limit(count: str, limit: str):
    """(query, reference) of a rule reporting a dossier whose `count` (a dossier fact)
    exceeds the rule set's `limit` (a dossier fact and a rule-set field of that name)."""

    def query(inputs):
        return inputs.emit(inputs.issued.filter(pl.col(count) > pl.col(limit)),
                           expected=pl.col(limit), actual=pl.col(count))

    def reference(facts):
        allowed, actual = getattr(facts.ruleset, limit), getattr(facts, count)
        if actual > allowed:
            yield facts.hit(expected=str(allowed), actual=str(actual))

    return query, reference
