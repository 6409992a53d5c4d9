"""The procedure is known but no approved issue was in force on the day of receipt."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..common import DATE_FORMAT
from .base import Rule


def query(inputs):
    return inputs.emit(inputs.dossiers.filter(pl.col("known") & pl.col("procedure_issue").is_null()),
                       actual=pl.col("rule_day").dt.strftime(DATE_FORMAT))


def reference(facts):
    if facts.known and facts.procedure is None:
        yield facts.hit(actual=facts.rule_day.strftime(DATE_FORMAT))


RULE = Rule(
    id="no_issue_in_force", severity="major", clause="7.5", scope="dossier",
    title=Text(vi="Không có lần ban hành hiệu lực khi tiếp nhận", en="No procedure issue in force at receipt"),
    description=Text(
        vi="Quy trình có trong thư viện nhưng không có lần ban hành đã phê duyệt nào còn hiệu lực vào ngày tiếp nhận hồ sơ.",
        en="The procedure exists but no approved issue was in force on the day the dossier was received."),
    reported_when="no approved issue of the code was in force on the day of receipt",
    dossier_facts=("known", "procedure_issue", "rule_day"), judged_only=False, query=query, reference=reference,
)
