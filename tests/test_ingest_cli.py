"""`qms log validate / convert / stats` as a user runs them."""

from __future__ import annotations

import json

import polars as pl
from click.testing import CliRunner

from ingest_support import canonical_events
from qms.cli import main

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "samples"


def _qms(*args, lang="en"):
    return CliRunner().invoke(main, ["--lang", lang, *map(str, args)])


def test_validate_sample_prints_the_reconciliation():
    result = _qms("log", "validate", SAMPLES / "motcua-export.csv", "--profile", "motcua")
    assert result.exit_code == 0, result.output
    assert "Rows read: 38 = accepted 38 + rejected 0" in result.output
    assert "Duplicate event (duplicate_event): 0" in result.output


def test_validate_in_vietnamese_by_default():
    result = CliRunner().invoke(main, ["log", "validate", str(SAMPLES / "motcua-export.csv"), "--profile", "motcua"])
    assert result.exit_code == 0
    assert "Số dòng đã đọc: 38 = chấp nhận 38 + loại 0" in result.output


def test_convert_then_stats_json(tmp_path):
    out = tmp_path / "events.parquet"
    result = _qms("log", "convert", SAMPLES / "motcua-export.xlsx", "--profile", "motcua", "--out", out,
                  "--findings", tmp_path / "findings.csv")
    assert result.exit_code == 0, result.output
    assert f"Events written to {out}" in result.output
    assert pl.read_parquet(out).height == 38
    assert pl.read_csv(tmp_path / "findings.csv").columns == ["kind", "dossier_id", "field", "events", "detail"]
    stats = _qms("log", "stats", out, "--format", "json")  # canonical: no profile needed
    assert stats.exit_code == 0, stats.output
    data = json.loads(stats.output)
    assert data["profile"] == "canonical"
    assert (data["dossiers"], data["events"], data["rows_read"]) == (7, 38, 38)
    assert data["channels"] == {"in_person": 3, "online_full": 2, "online_partial": 1, "postal": 1}
    assert data["procedures"] == {"1.009972": 3, "1.001193": 2, "2.000488": 2}
    assert data["first_event_at"] == "2025-01-06T00:45:00+00:00"


def test_stats_text(tmp_path):
    path = tmp_path / "events.parquet"
    canonical_events().write_parquet(path)
    result = _qms("log", "stats", path)
    assert result.exit_code == 0, result.output
    assert "Dossiers: 3, events: 8" in result.output
    assert "Channels (dossiers): 3" in result.output


def test_validate_json_output(tmp_path):
    path = tmp_path / "events.jsonl"
    canonical_events().write_ndjson(path)
    result = _qms("log", "validate", path, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["rows_read"] == data["rows_accepted"] == 8 and data["format"] == "jsonl"


def test_convert_refuses_to_overwrite_its_input(tmp_path):
    path = tmp_path / "events.parquet"
    canonical_events().write_parquet(path)
    result = _qms("log", "convert", path, "--out", path)
    assert result.exit_code == 1 and "overwrite the input" in result.output


def test_convert_to_csv_and_jsonl_reads_back_as_the_same_events(tmp_path):
    from polars.testing import assert_frame_equal

    from qms.ingest import convert_log, read_log

    via = {}
    for suffix in ("parquet", "csv", "jsonl"):
        out = tmp_path / f"events.{suffix}"
        convert_log(SAMPLES / "motcua-export.csv", out, "motcua")
        via[suffix] = read_log(out).events.select(
            "dossier_id", "procedure_code", "step", "unit", "officer", "at", "received_at",
            "appointment_at", "returned_at", "channel", "step_due_at", "new_appointment_at", "source_row")
    assert_frame_equal(via["csv"], via["parquet"])
    assert_frame_equal(via["jsonl"], via["parquet"])


def test_counts_are_written_as_officers_read_them(tmp_path):
    """Thousands grouped in the language in use: "1.200" in Vietnamese, "1,200" in English."""
    events = canonical_events()
    copies = pl.concat([events.with_columns(pl.col("dossier_id") + f"-{n}") for n in range(150)])
    log = tmp_path / "events.parquet"
    copies.write_parquet(log)
    vietnamese = _qms("log", "stats", log, lang="vi")
    english = _qms("log", "stats", log, lang="en")
    assert vietnamese.exit_code == 0 and english.exit_code == 0, vietnamese.output + english.output
    assert "1.200" in vietnamese.output and "1,200" in english.output
