"""Late or open overdue past the appointment, with no timely apology."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..clock import working_seconds
from ..common import fmt_time, local_text
from ..frame import status_is
from .base import Rule


def query(inputs):
    # timely: any apology at least the lead time (in working time) before the appointment
    overdue = inputs.issued.filter(
        pl.col("status").is_in(["late", "open_overdue"])
        & (pl.coalesce(pl.col("finished_at"), pl.col("as_of_at")) > pl.col("appointment_at"))
    ).select("did", "late_units", "appointment_at", "apology_lead_s", "first_apology_at").collect()
    apologies = inputs.events.filter(status_is("apology_issued")).select("did", "at").collect().join(
        overdue.select("did", "appointment_at", "apology_lead_s"), on="did", how="inner")
    lead = working_seconds(inputs.docs.calendar, apologies["at"], apologies["appointment_at"],
                           pl.Series([False] * apologies.height, dtype=pl.Boolean))
    timely = apologies.with_columns(lead.alias("lead_s")).filter(
        (pl.col("at") <= pl.col("appointment_at")) & (pl.col("lead_s") >= pl.col("apology_lead_s"))
    ).select("did").unique()
    untimely = overdue.lazy().join(timely.lazy(), on="did", how="anti")
    return inputs.emit(untimely.explode("late_units", empty_as_null=True), unit=pl.col("late_units"),
                       expected=fmt_time(pl.col("appointment_at"), inputs.tz),
                       actual=fmt_time(pl.col("first_apology_at"), inputs.tz))


def reference(facts):
    if facts.status not in ("late", "open_overdue") or not (facts.finished_at or facts.as_of) > facts.appointment:
        return
    lead_s = int(round(facts.ruleset.apology_lead_working_days * facts.hours * 3600))
    apologies = [e.at for e in facts.events if e.step == "apology_issued"]
    if not any(a <= facts.appointment and facts.seconds_between(a, facts.appointment, clock=False) >= lead_s
               for a in apologies):
        for unit in facts.late_units or [None]:
            yield facts.hit(unit=unit, expected=local_text(facts.appointment, facts.tz),
                            actual=local_text(apologies[0], facts.tz) if apologies else None)


RULE = Rule(
    id="late_without_apology", severity="major", clause="8.7", scope="dossier",
    title=Text(vi="Quá hạn không có văn bản xin lỗi", en="Late without a timely apology"),
    description=Text(
        vi="Hồ sơ quá ngày hẹn mà không có văn bản xin lỗi, hẹn lại phát hành trước ngày hẹn theo thời gian báo trước của bộ quy tắc.",
        en="The dossier passed its appointment without an apology and new appointment issued the rule set's lead time before it."),
    reported_when="late or open overdue, past the appointment, and no `apology_issued` event at least "
                  "`apology_lead_working_days` before the appointment; one finding per unit the delay is "
                  "attributed to (`late_units`)",
    dossier_facts=("late_units", "status", "finished_at", "as_of_at", "appointment_at", "apology_lead_s", "first_apology_at"),
    event_facts=("sc", "at"), query=query, reference=reference, needs_concept="apology",
)
