"""The dossier's procedure code has no procedure in the library."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from .base import Rule


def query(inputs):
    return inputs.emit(inputs.dossiers.filter(~pl.col("known")), actual=pl.col("procedure_code"))


def reference(facts):
    if not facts.known:
        yield facts.hit(actual=facts.code)


RULE = Rule(
    id="unknown_procedure", severity="major", clause="7.5", scope="dossier",
    title=Text(vi="Thủ tục không có trong thư viện", en="Unknown procedure code"),
    description=Text(vi="Mã thủ tục của hồ sơ không có quy trình nào trong thư viện tài liệu.",
                     en="The dossier's procedure code has no procedure in the document library."),
    reported_when="the code has no procedure in the library (no other rule is then applied)",
    dossier_facts=("known", "procedure_code"), judged_only=False, query=query, reference=reference,
)
