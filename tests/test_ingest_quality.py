"""Dossier-level data-quality findings: counted and reported, events kept as they came."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ingest_support import canonical_events
from qms.ingest import QUALITY_KINDS, convert_log, read_log, validate_log
from qms.ingest.quality import quality_findings

UTC = dt.timezone.utc


def _log(tmp_path, frame: pl.DataFrame):
    path = tmp_path / "log.parquet"
    frame.write_parquet(path)
    return path


def test_clean_log_has_no_findings(tmp_path):
    report = validate_log(_log(tmp_path, canonical_events()), known_procedure_codes={"1.001193", "1.009972", "2.000488"})
    assert report.findings.height == 0
    assert report.findings_by_kind == dict.fromkeys(QUALITY_KINDS, 0)


def test_event_before_receipt(tmp_path):
    events = canonical_events()
    early = events.row(1, named=True) | {"at": dt.datetime(2025, 3, 2, 23, 0, tzinfo=UTC)}
    frame = pl.concat([events, pl.DataFrame([early], schema=events.schema)])
    result = read_log(_log(tmp_path, frame))
    found = result.report.findings.filter(pl.col("kind") == "event_before_receipt")
    assert found.select("dossier_id", "events").rows() == [("D1", 1)]
    assert result.events.height == 9  # reported, not dropped


def test_event_before_receipt_without_received_at_uses_the_received_step(tmp_path):
    events = canonical_events().drop("received_at")
    early = events.row(5, named=True) | {"step": "tham_dinh", "at": dt.datetime(2025, 3, 3, 0, 0, tzinfo=UTC)}
    frame = pl.concat([events, pl.DataFrame([early], schema=events.schema)])
    report = validate_log(_log(tmp_path, frame))
    assert report.findings.filter(pl.col("kind") == "event_before_receipt")["dossier_id"].to_list() == ["D2"]


def test_duplicate_events_counts_extra_copies(tmp_path):
    events = canonical_events()
    frame = pl.concat([events, events.slice(2, 1), events.slice(2, 1), events.slice(6, 1)])
    result = read_log(_log(tmp_path, frame))
    found = result.report.findings.filter(pl.col("kind") == "duplicate_event")
    assert found.select("dossier_id", "events").rows() == [("D1", 2), ("D3", 1)]
    assert result.report.findings_by_kind["duplicate_event"] == 2
    assert result.events.height == 11  # 8 + 3 copies, all kept


def test_conflicting_dossier_fields(tmp_path):
    events = canonical_events().with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("postal")).otherwise(pl.col("channel")).alias("channel"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit(dt.datetime(2025, 3, 25, 10, tzinfo=UTC)))
        .otherwise(pl.col("appointment_at")).alias("appointment_at"),
    )
    report = validate_log(_log(tmp_path, events))
    found = report.findings.filter(pl.col("kind") == "conflicting_dossier_fields")
    assert found.select("dossier_id", "field").rows() == [("D1", "channel"), ("D2", "appointment_at")]
    assert report.findings_by_kind["conflicting_dossier_fields"] == 2


def test_empty_dossier_field_on_some_rows_is_not_a_conflict(tmp_path):
    events = canonical_events().with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("channel")).alias("channel")
    )
    assert validate_log(_log(tmp_path, events)).findings.height == 0


def test_unknown_procedure_code_only_when_known_codes_are_given(tmp_path):
    path = _log(tmp_path, canonical_events())
    report = validate_log(path, known_procedure_codes={"1.001193"})
    found = report.findings.filter(pl.col("kind") == "unknown_procedure_code")
    assert found.select("dossier_id", "detail", "events").rows() == [("D2", "1.009972", 2), ("D3", "2.000488", 2)]
    unchecked = validate_log(path)
    assert "unknown_procedure_code" not in unchecked.findings_by_kind


def test_findings_survive_convert_and_match_the_api_function(tmp_path):
    events = canonical_events()
    frame = pl.concat([events, events.slice(0, 1)])
    out = tmp_path / "events.parquet"
    report = convert_log(_log(tmp_path, frame), out)
    direct = quality_findings(pl.scan_parquet(out), ["received_at", "appointment_at", "returned_at", "channel"])
    assert report.findings.equals(direct)
    assert pl.read_parquet(out).height == 9
