"""The check on logs from `qms generate --truth`: every injected defect found with
the right rule id and nothing else; engine == reference; partitions add up."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from check_support import approved_sample_library
from qms.check.api import run_check, write_outputs
from qms.check.engine import check_events
from qms.check.reference import reference_tables
from qms.check.summary import merge_summaries
from qms.synth import generate_log


@pytest.fixture(scope="module")
def library():
    return approved_sample_library()


@pytest.fixture(scope="module")
def generated(library):
    return generate_log(library, 2000, seed=20251126, defect_rate=0.3)


def _as_of(meta) -> dt.datetime:
    return dt.datetime.fromisoformat(meta["as_of"].replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def result(generated, library):
    return run_check(generated.events, library, as_of=_as_of(generated.meta))


def test_every_defect_kind_is_present(generated):
    assert generated.truth["defect"].n_unique() >= 15


def test_precision_and_recall_are_one(result, generated):
    found = result.findings.select("dossier_id", "rule").unique()
    truth = generated.truth.select("dossier_id", "rule").unique()
    # Deliberate difference from docs/generate.md: a dossier still open past its
    # appointment with no apology issued before it also breaks the apology rule
    # (the apology is due before the appointment whether or not the work is done).
    open_overdue = truth.filter(pl.col("rule") == "open_overdue").select("dossier_id")
    apologised = generated.events.filter(pl.col("step") == "apology_issued").select("dossier_id").unique()
    extra = open_overdue.join(apologised, on="dossier_id", how="anti").with_columns(
        pl.lit("late_without_apology").alias("rule"))
    expected = pl.concat([truth, extra]).unique()
    missed = expected.join(found, on=["dossier_id", "rule"], how="anti")
    spurious = found.join(expected, on=["dossier_id", "rule"], how="anti")
    assert missed.height == 0, f"missed (recall < 1):\n{missed.group_by('rule').len()}"
    assert spurious.height == 0, f"spurious (precision < 1):\n{spurious.group_by('rule').len()}"
    # the steps named by the truth are the steps the findings name
    with_step = generated.truth.filter(pl.col("step").is_not_null() & (pl.col("step") != ""))
    named = result.findings.select("dossier_id", "rule", "step").unique()
    unnamed = with_step.select("dossier_id", "rule", "step").join(named, on=["dossier_id", "rule", "step"], how="anti")
    assert unnamed.height == 0, f"steps not named:\n{unnamed}"


def test_engine_equals_reference_on_a_generated_log(generated, library, result):
    docs = result.documents
    as_of = _as_of(generated.meta)
    sample = generated.events.filter(pl.col("dossier_id").hash(7) % 4 == 0)
    engine_dossiers, engine_findings = check_events(sample, docs, as_of)
    ref_dossiers, ref_findings = reference_tables(sample, docs, as_of)
    # minutes are whole seconds / 60: equal up to float rounding (a second is 0.0167)
    assert_frame_equal(engine_dossiers, ref_dossiers.select(engine_dossiers.columns), check_dtypes=True,
                       rel_tol=0, abs_tol=1e-9)
    assert_frame_equal(engine_findings, ref_findings.select(engine_findings.columns))


def _comparable(summary) -> dict:
    data = summary.model_dump(mode="json")
    data["manifest"].pop("generated_at")
    return data


def test_four_partitions_merge_to_the_single_run(generated, library, result):
    as_of = _as_of(generated.meta)
    parts = [generated.events.filter(pl.col("dossier_id").hash(11) % 4 == k) for k in range(4)]
    assert sum(p.height for p in parts) == generated.events.height
    merged = merge_summaries([run_check(p, library, as_of=as_of).summary for p in parts])
    one, many = _comparable(result.summary), _comparable(merged)
    assert many["manifest"] == one["manifest"]
    for section in ("totals", "by_procedure", "by_field", "by_unit", "by_month"):
        a, b = one[section], many[section]
        rows_a = a if isinstance(a, list) else [a]
        rows_b = b if isinstance(b, list) else [b]
        assert [r["key"] for r in rows_a] == [r["key"] for r in rows_b]
        for ra, rb in zip(rows_a, rows_b):
            assert ra == rb  # the average too: recomputed from merged integer sums
    for section in ("status_counts", "findings", "data_quality", "warnings"):
        assert many[section] == one[section]


def test_summary_counts_are_consistent(result):
    s = result.summary
    for group in [s.totals, *s.by_procedure, *s.by_unit, *s.by_month, *s.by_field]:
        assert group.received_total == group.received_online + group.received_in_person_or_postal + group.carried_over
        # form 06: (7) = (8) + (9) + (10), (11) = (12) + (13); not assessable outside the columns
        assert group.resolved_total == group.resolved_early + group.resolved_on_time + group.resolved_late
        assert group.in_progress_total == group.in_progress_within_time + group.in_progress_overdue
        assert group.received_total == group.resolved_total + group.in_progress_total + group.not_assessable
    assert s.totals.received_total == result.dossiers.height
    assert sum(g.received_total for g in s.by_procedure) == s.totals.received_total
    assert s.findings.total == result.findings.height
    late = result.dossiers.filter(pl.col("status") == "late").height
    assert s.totals.resolved_late == late


def test_outputs_are_written_with_the_contract_columns(result, tmp_path):
    from qms.model.check_output import DOSSIER_COLUMNS, FINDING_COLUMNS, CheckSummary

    written = write_outputs(result, tmp_path, csv=True)
    assert sorted(p.name for p in written.values()) == [
        "dossiers.csv", "dossiers.parquet", "findings.csv", "findings.parquet", "summary.json"]
    dossiers = pl.read_parquet(tmp_path / "dossiers.parquet")
    assert dossiers.columns[: len(DOSSIER_COLUMNS)] == list(DOSSIER_COLUMNS)
    assert pl.read_parquet(tmp_path / "findings.parquet").columns == list(FINDING_COLUMNS)
    assert pl.read_csv(tmp_path / "findings.csv").height == result.findings.height
    summary = CheckSummary.model_validate_json((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary.manifest.method.id == "appointment"
    kinds = {d.kind for d in summary.manifest.documents}
    assert kinds == {"procedure", "ruleset"}
    assert all(len(d.sha256) == 64 for d in summary.manifest.documents)
