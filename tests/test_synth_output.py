"""Generated logs: reproducible to the byte, exactly the canonical schema, realistic
arrivals, and readable back through the ingest `canonical` profile unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import polars as pl
import pytest
from click.testing import CliRunner

from qms.calendar import WorkCalendar
from qms.cli import main
from qms.core.errors import QmsError
from qms.synth import generate, generate_log, read_truth, write_events
from qms.synth.output import XLSX_MAX_ROWS, check_writable

from test_synth_truth import sample_library  # noqa: F401  (fixture)

UTC = pl.Datetime("us", "UTC")
SCHEMA = {
    "dossier_id": pl.String, "procedure_code": pl.String, "step": pl.String, "unit": pl.String,
    "officer": pl.String, "at": UTC, "received_at": UTC, "appointment_at": UTC, "returned_at": UTC,
    "channel": pl.String, "step_due_at": UTC, "new_appointment_at": UTC,
}


@pytest.fixture(scope="module")
def small(sample_library):  # noqa: F811
    return generate_log(sample_library, 600, seed=42, defect_rate=0.3)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "xlsx"])
def test_same_seed_same_bytes(tmp_path, sample_library, fmt):  # noqa: F811
    paths = []
    for attempt in ("a", "b"):
        target = tmp_path / attempt
        summary = generate(150, 9, target / f"log.{fmt}", truth=target / "truth.csv",
                           docs=sample_library.root)
        paths.append((target / f"log.{fmt}", target / "truth.csv", summary["truth_meta_path"]))
    (log_a, truth_a, meta_a), (log_b, truth_b, meta_b) = paths
    assert _digest(log_a) == _digest(log_b)
    assert _digest(truth_a) == _digest(truth_b)
    assert open(meta_a, "rb").read() == open(meta_b, "rb").read()


def test_another_seed_another_log(sample_library):  # noqa: F811
    one = generate_log(sample_library, 200, seed=1)
    two = generate_log(sample_library, 200, seed=2)
    assert not one.events.equals(two.events)
    assert one.events.equals(generate_log(sample_library, 200, seed=1).events)


def test_schema_is_exactly_the_canonical_one(small):
    assert dict(small.events.schema) == SCHEMA


def test_dossier_level_columns_agree_on_every_row(small):
    per_dossier = small.events.group_by("dossier_id").agg(
        pl.col(c).n_unique().alias(c) for c in ("procedure_code", "received_at", "appointment_at", "returned_at", "channel"))
    for column in ("procedure_code", "received_at", "appointment_at", "returned_at", "channel"):
        assert per_dossier[column].max() == 1, column


def test_event_order_receipt_and_return(small):
    events = small.events
    first = events.group_by("dossier_id", maintain_order=True).first()
    assert (first["step"] == "received").all()
    assert (first["at"] == first["received_at"]).all()
    assert events.filter(pl.col("at") < pl.col("received_at")).height == 0
    assert events.select(pl.struct("dossier_id", "at").is_duplicated().sum()).item() == 0
    returned = events.filter(pl.col("step") == "returned").group_by("dossier_id").agg(pl.col("at").min(), pl.col("returned_at").first())
    assert (returned["at"] == returned["returned_at"]).all()
    no_return = events.filter(~pl.col("dossier_id").is_in(returned["dossier_id"].implode()))
    assert no_return["returned_at"].null_count() == no_return.height
    assert set(events["channel"].unique()) <= {"in_person", "online_full", "online_partial", "postal"}
    apologies = events.filter(pl.col("step") == "apology_issued")
    assert apologies.height and apologies["new_appointment_at"].null_count() == 0
    assert events.filter(pl.col("step") != "apology_issued")["new_appointment_at"].null_count() == \
        events.filter(pl.col("step") != "apology_issued").height


def test_receipts_in_office_hours_with_monday_peak_and_tet_dip(sample_library):  # noqa: F811
    log = generate_log(sample_library, 6000, seed=5)
    calendar = WorkCalendar.from_settings(sample_library.calendar(dt.date(2025, 1, 1)))
    received = log.events.group_by("dossier_id").agg(pl.col("received_at").first())["received_at"]
    assert calendar.is_working_time_array(received).all()
    local = received.dt.convert_time_zone("Asia/Ho_Chi_Minh")
    weekday = local.dt.weekday().to_numpy()
    assert (weekday == 1).sum() > 1.2 * (weekday == 3).sum()  # Mondays busier than Wednesdays
    days = local.dt.date()
    around_tet = days.is_between(dt.date(2025, 1, 15), dt.date(2025, 2, 10)).sum()
    march = days.is_between(dt.date(2025, 3, 3), dt.date(2025, 3, 28)).sum()
    assert around_tet < 0.75 * march
    mornings = (local.dt.hour() < 12).sum()
    assert mornings > len(received) - mornings


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "xlsx"])
def test_round_trip_through_the_canonical_profile(tmp_path, small, fmt):
    from qms.ingest.api import read_log

    path = tmp_path / f"log.{fmt}"
    write_events(small.events, path, fmt)
    result = read_log(path, "canonical")
    assert result.report.rows_rejected == 0
    assert result.report.rows_read == small.events.height
    back = result.events.select(list(SCHEMA)).cast(SCHEMA)
    assert back.equals(small.events)


def test_truth_file_and_sidecar(tmp_path, sample_library):  # noqa: F811
    summary = generate(300, 4, tmp_path / "log.parquet", truth=tmp_path / "truth.parquet", docs=sample_library.root,
                       defect_rate=0.5)
    truth, meta = read_truth(tmp_path / "truth.parquet")
    assert truth.columns == ["dossier_id", "rule", "defect", "procedure_code", "step"]
    assert truth.select(pl.struct("dossier_id", "rule").is_duplicated().sum()).item() == 0
    log = pl.read_parquet(tmp_path / "log.parquet")
    assert meta["as_of"] == log["at"].max().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert meta["log"]["sha256"] == hashlib.sha256((tmp_path / "log.parquet").read_bytes()).hexdigest()
    assert sum(meta["rules"].values()) == truth.height == summary["truth_rows"]
    assert set(truth["dossier_id"]) <= set(log["dossier_id"])
    assert {p["code"] for p in meta["procedures"]} >= {"QT-CT-01", "QT-XD-01"}


def test_xlsx_refuses_more_rows_than_a_sheet_holds():
    check_writable(XLSX_MAX_ROWS, "xlsx")
    with pytest.raises(QmsError, match="XLSX"):
        check_writable(XLSX_MAX_ROWS + 1, "xlsx")
    check_writable(XLSX_MAX_ROWS + 1, "csv")


def test_cli_writes_log_and_truth(tmp_path, sample_library):  # noqa: F811
    result = CliRunner().invoke(main, ["--lang", "en", "generate", "-n", "120", "--seed", "3", "--out",
                                       str(tmp_path / "log.csv"), "--truth", str(tmp_path / "truth.csv"),
                                       "--docs", str(sample_library.root), "--from", "2025-02-01", "--to", "2025-06-30"])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "Truth:" in result.output
    log = pl.read_csv(tmp_path / "log.csv")
    assert log["received_at"].min() >= "2025-01-31"
    meta = json.loads((tmp_path / "truth.meta.json").read_text(encoding="utf-8"))
    assert meta["period_from"] == "2025-02-01" and meta["seed"] == 3


@pytest.mark.parametrize("arguments, message", [
    (["--truth", "truth.txt"], "truth file must end in .csv or .parquet"),
    (["--from", "2025-05-01", "--to", "2025-04-01"], "--to is before --from"),
    (["--from", "1999-01-01", "--to", "1999-02-01"], "in force"),
])
def test_cli_refuses_bad_input_without_traceback(tmp_path, sample_library, arguments, message):  # noqa: F811
    arguments = [str(tmp_path / a) if a.endswith(".txt") else a for a in arguments]
    result = CliRunner().invoke(main, ["--lang", "en", "generate", "-n", "10", "--seed", "1", "--out",
                                       str(tmp_path / "log.csv"), "--docs", str(sample_library.root), *arguments])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_unknown_extension(tmp_path, sample_library):  # noqa: F811
    result = CliRunner().invoke(main, ["--lang", "en", "generate", "-n", "5", "--seed", "1", "--out",
                                       str(tmp_path / "log.dat"), "--docs", str(sample_library.root)])
    assert result.exit_code == 1 and "--format" in result.output


def test_ingest_finds_no_data_quality_problem_but_the_unknown_codes(tmp_path, small, sample_library):  # noqa: F811
    from qms.ingest.api import validate_log

    path = tmp_path / "log.csv"
    write_events(small.events, path, "csv")
    report = validate_log(path, "canonical", known_procedure_codes=sample_library.codes("procedure"))
    unknown = small.truth.filter(pl.col("rule") == "unknown_procedure")["dossier_id"].n_unique()
    assert unknown > 0
    assert report.findings_by_kind == {"event_before_receipt": 0, "duplicate_event": 0,
                                       "conflicting_dossier_fields": 0, "unknown_procedure_code": unknown}


def test_cli_json_summary(tmp_path, sample_library):  # noqa: F811
    result = CliRunner().invoke(main, ["generate", "-n", "40", "--seed", "8", "--out", str(tmp_path / "log.jsonl"),
                                       "--docs", str(sample_library.root), "--format-summary", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["dossiers"] == 40 and summary["log"]["format"] == "jsonl"
    assert summary["events"] == sum(1 for line in (tmp_path / "log.jsonl").open(encoding="utf-8") if line.strip())


def test_generate_convert_read_gives_the_same_events(tmp_path, sample_library):  # noqa: F811
    from qms.ingest.api import convert_log, scan_events

    summary = generate(250, 21, tmp_path / "log.csv", docs=sample_library.root, defect_rate=0.3)
    report = convert_log(tmp_path / "log.csv", tmp_path / "converted.parquet", "canonical")
    assert report.rows_read == report.rows_accepted == summary["events"]
    back = scan_events(tmp_path / "converted.parquet").collect().select(list(SCHEMA)).cast(SCHEMA)
    original = generate_log(sample_library, 250, seed=21, defect_rate=0.3).events
    assert back.equals(original)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_log_written_in_chunks_is_the_log_written_whole(tmp_path, small, fmt):
    from qms.synth.output import write_event_columns

    whole, chunked = tmp_path / f"whole.{fmt}", tmp_path / f"chunked.{fmt}"
    write_events(small.events, whole, fmt)
    write_event_columns(small.columns, chunked, fmt, chunk_events=997)  # chunks cut through dossiers
    if fmt == "parquet":  # another writer, so other bytes: the same table
        assert pl.read_parquet(chunked).equals(small.events)
        assert pl.read_parquet_schema(chunked) == pl.read_parquet_schema(whole)
    else:
        assert chunked.read_bytes() == whole.read_bytes()


@pytest.fixture(scope="module")
def spilled(sample_library, tmp_path_factory):  # noqa: F811
    """The log of `small`, its events kept on disk until written (as `qms generate` does)."""
    return generate_log(sample_library, 600, seed=42, defect_rate=0.3, spill=tmp_path_factory.mktemp("spill"))


def test_events_kept_on_disk_are_the_events_kept_in_memory(small, spilled):
    from qms.synth.event_store import COLUMNS

    assert sorted(p.name for p in spilled.columns.segments.spill.iterdir()) == sorted(f"{c}.bin" for c in COLUMNS)
    assert spilled.events.equals(small.events)
    assert spilled.truth.equals(small.truth) and spilled.meta == small.meta
    pieces = list(spilled.columns.chunks(997))  # slices that cut through dossiers
    assert [p.height for p in pieces] == [997] * (len(pieces) - 1) + [small.events.height % 997]
    assert pl.concat(pieces).equals(small.events)


def test_events_are_in_log_order(small):
    # by receipt, each dossier's events together, in time order
    events = small.events.with_row_index()
    assert events["received_at"].is_sorted()
    spans = events.group_by("dossier_id").agg(first=pl.col("index").min(), last=pl.col("index").max(), n=pl.len())
    assert (spans["last"] - spans["first"] + 1 == spans["n"]).all()
    assert events.group_by("dossier_id").agg(pl.col("at").diff().dt.total_microseconds().min()).drop_nulls()[
        "at"].min() > 0


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_log_kept_on_disk_written_in_chunks_is_the_log_written_whole(tmp_path, small, spilled, fmt):
    from qms.synth.output import write_event_columns

    whole, chunked = tmp_path / f"whole.{fmt}", tmp_path / f"chunked.{fmt}"
    write_events(small.events, whole, fmt)
    write_event_columns(spilled.columns, chunked, fmt, chunk_events=613)
    if fmt == "parquet":
        assert pl.read_parquet(chunked).equals(small.events)
    else:
        assert chunked.read_bytes() == whole.read_bytes()


def test_generate_straight_into_a_partitioned_dataset(tmp_path, sample_library):  # noqa: F811
    from qms.ingest.partition import partition_of

    result = CliRunner().invoke(main, ["--lang", "en", "generate", "-n", "150", "--seed", "4", "--out",
                                       str(tmp_path / "ds"), "--partitions", "3", "--docs", str(sample_library.root),
                                       "--truth", str(tmp_path / "truth.csv")])
    assert result.exit_code == 0, result.output
    back = pl.read_parquet(tmp_path / "ds" / "**" / "*.parquet", hive_partitioning=True)
    original = generate_log(sample_library, 150, seed=4).events
    assert sorted(back.drop("part").rows()) == sorted(original.rows())
    assert back["part"].cast(pl.Int64).to_list() == partition_of(back["dossier_id"].to_arrow(), 3).tolist()
    meta = json.loads((tmp_path / "truth.meta.json").read_text(encoding="utf-8"))
    assert [p["rows"] for p in meta["log"]["partitions"]] == [
        back.filter(pl.col("part") == k).height for k in range(3)]
