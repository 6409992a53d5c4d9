"""A required step with no event although the dossier went past it."""

from __future__ import annotations

import polars as pl

from ...model.common import Text
from ..tables import step_table
from .base import Rule


def query(inputs):
    required = step_table(inputs.docs).filter(~pl.col("optional") & ~pl.col("terminal") & ~pl.col("result"))
    issued = inputs.issued
    if required.height == 0 or required["idx"].max() < 62:
        # Steps as bits of one integer per dossier: required & reached & not recorded.
        bits = required.group_by("procedure_code", "procedure_issue").agg(
            pl.lit(2, pl.Int64).pow(pl.col("idx")).sum().alias("required_bits"))
        reached = pl.when(pl.col("went_to_end")).then(pl.lit(-1, pl.Int64)) \
            .otherwise(pl.lit(2, pl.Int64).pow(pl.col("furthest_idx").fill_null(0)) - 1)
        lacking = (
            issued.select("did", "procedure_code", "procedure_issue", "went_to_end", "furthest_idx", "steps_seen")
            .join(bits.lazy(), on=["procedure_code", "procedure_issue"], how="inner")
            .filter((pl.col("required_bits") & reached & pl.col("steps_seen").fill_null(0).xor(-1)) != 0)
        )
        missing = lacking.join(required.lazy(), on=["procedure_code", "procedure_issue"], how="inner").filter(
            (pl.col("went_to_end") | (pl.col("furthest_idx") > pl.col("idx")))
            & ((pl.col("steps_seen").fill_null(0) // pl.lit(2, pl.Int64).pow(pl.col("idx")) % 2) == 0))
    else:  # a procedure with more than 62 steps: no bit sets
        expected_steps = issued.select(
            "did", "procedure_code", "procedure_issue", "furthest_idx", "went_to_end",
        ).join(required.lazy(), on=["procedure_code", "procedure_issue"], how="inner").filter(
            pl.col("went_to_end") | (pl.col("furthest_idx") > pl.col("idx")))
        present = inputs.events.filter(pl.col("idx").is_not_null()).select("did", "idx").unique()
        missing = expected_steps.join(present, on=["did", "idx"], how="anti")
    return inputs.emit(missing, step=pl.col("step"), unit=pl.col("step_unit"), expected=pl.col("step"))


def reference(facts):
    # Missing only when the dossier went past it: a later step, `processed` or a
    # result was recorded. (A missing result is `no_result_step`.)
    recorded = {e.step for e in facts.events}
    furthest = max((facts.steps[e.step][0] for e in facts.events if e.step in facts.steps), default=None)
    for index, step in enumerate(facts.procedure.steps):
        if step.optional or step.result or step.id in facts.terminal or step.id in recorded:
            continue
        if facts.went_to_end or (furthest is not None and furthest > index):
            yield facts.hit(step=step.id, unit=step.unit, expected=step.id)


RULE = Rule(
    id="missing_step", severity="minor", clause="8.5.1", scope="step",
    title=Text(vi="Thiếu bước bắt buộc", en="Required step missing"),
    description=Text(vi="Hồ sơ đã trả kết quả nhưng không có bước bắt buộc của quy trình.",
                     en="The result was returned but a required step of the procedure was never recorded."),
    reported_when="a required (not optional, not result) step has no event although the dossier has a later step, "
                  "`processed` or a result; `unit` = the step's responsible unit",
    dossier_facts=("procedure_code", "procedure_issue", "went_to_end", "furthest_idx", "steps_seen"),
    event_facts=("idx",), query=query, reference=reference,
)
