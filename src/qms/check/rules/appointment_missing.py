"""The log has an `appointment_at` column but the dossier has none."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from .base import Rule


def query(inputs):
    if not inputs.carries.get("appointment_at"):
        return None
    return inputs.emit(inputs.issued.filter(pl.col("logged_appointment_at").is_null()
                                            & pl.col("received_at").is_not_null()))


def reference(facts):
    if facts.carries.get("appointment_at") and facts.logged_appointment is None and facts.received_at is not None:
        yield facts.hit()


RULE = Rule(
    id="appointment_missing", severity="minor", clause="7.5", scope="dossier",
    title=Text(vi="Thiếu ngày hẹn trả", en="Appointment missing"),
    description=Text(vi="Nhật ký có cột ngày hẹn trả nhưng hồ sơ này không có ngày hẹn.",
                     en="The log carries appointment dates but this dossier has none."),
    reported_when="the log has an `appointment_at` column but the dossier has none",
    dossier_facts=("logged_appointment_at", "received_at"), query=query, reference=reference,
)
