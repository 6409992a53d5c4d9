"""Still open and overdue as of the check date."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ._shared import expected_limit, expected_limit_text, measured, measured_text
from .base import Rule


def query(inputs):
    return inputs.emit(inputs.issued.filter(pl.col("status") == "open_overdue"), expected=expected_limit(inputs.tz),
                       actual=measured("as_of_at", inputs.tz))


def reference(facts):
    if facts.status == "open_overdue":
        yield facts.hit(expected=expected_limit_text(facts), actual=measured_text(facts, facts.as_of))


RULE = Rule(
    id="open_overdue", severity="minor", clause="9.1", scope="dossier",
    title=Text(vi="Đang giải quyết, quá hạn", en="Open and overdue"),
    description=Text(vi="Hồ sơ chưa giải quyết xong và đã quá hạn tại ngày kiểm tra.",
                     en="The dossier is still open and overdue as of the check date."),
    reported_when="still open and overdue as of the check date",
    dossier_facts=("status", "method", "appointment_at", "allowed_s", "as_of_at", "used_s"),
    query=query, reference=reference,
)
