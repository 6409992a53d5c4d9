"""`processed` with no result event and no terminal outcome."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from .base import Rule


def query(inputs):
    return inputs.emit(inputs.issued.filter((pl.col("finish_rank") == 1) & pl.col("return_at").is_null()
                                            & ~pl.col("has_terminal")), actual=pl.lit("processed"))


def reference(facts):
    if facts.finish_rank == 1 and facts.return_at is None and not facts.ended_by_outcome:
        yield facts.hit(actual="processed")


RULE = Rule(
    id="no_result_step", severity="minor", clause="8.5.1", scope="dossier",
    title=Text(vi="Đã giải quyết nhưng không trả kết quả", en="Finished without a result step"),
    description=Text(vi="Hồ sơ đã xử lý xong nhưng nhật ký không có bước trả kết quả.",
                     en="The dossier was processed but the log has no step returning the result."),
    reported_when="`processed` with no result event and no terminal outcome",
    dossier_facts=("finish_rank", "return_at", "has_terminal"), query=query, reference=reference,
)
