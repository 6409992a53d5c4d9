"""Shipped profiles, profile validation with file:line errors, and the real WABO
receipt log (4TU.ResearchData, CoSeLoG project; author J.C.A.M. Buijs)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ingest_support import canonical_events
from qms.core.errors import ValidationFailed
from qms.ingest import convert_log, load_profile, read_log, shipped_profiles, validate_log
from qms.ingest.profiles import load_profile_file

UTC = dt.timezone.utc


def test_shipped_profiles_load():
    assert list(shipped_profiles())[0] == "canonical"
    for name in ("canonical", "receipt", "motcua"):
        profile = load_profile(name)
        assert profile.profile == name
        assert {"dossier_id", "procedure_code", "step", "at"} <= set(profile.fields)


def test_profile_errors_name_file_line_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "profile: bad\n"                      # 1
        "timezone: Asia/Hanoi_Typo\n"          # 2
        "fields:\n"                            # 3
        "  dossier_id: id\n"                   # 4
        "  step: {column: s, constant: x}\n"   # 5
        "  at: t\n"                            # 6
        "  procedure_code: {constant: P}\n"    # 7
        "  channel:\n"                         # 8
        "    column: c\n"                      # 9
        "    values: {Web: online}\n"          # 10
        "  colour: x\n",                       # 11
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        load_profile_file(path)
    problems = "\n".join(caught.value.problems)
    assert f"{path}:2: timezone: unknown time zone 'Asia/Hanoi_Typo'" in problems
    assert f"{path}:5: fields.step: give exactly one of `column` or `constant`" in problems
    # the field-level checks run once the fields themselves are valid
    path.write_text(path.read_text().replace("column: s, constant: x", "column: s2").replace("Asia/Hanoi_Typo", "UTC"))
    with pytest.raises(ValidationFailed) as caught:
        load_profile_file(path)
    problems = "\n".join(caught.value.problems)
    assert f"{path}:3: fields: unknown canonical field(s) colour" in problems


def test_profile_yaml_syntax_error_has_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("profile: x\nfields: {dossier_id: a\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_profile_file(path)
    assert str(caught.value).startswith(f"{path}:3: ") and "expected ',' or '}'" in str(caught.value)


def test_channel_targets_must_be_canonical(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "profile: p\nfields:\n  dossier_id: a\n  procedure_code: b\n  step: c\n  at: d\n"
        "  channel: {column: e, values: {Web: online}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        load_profile_file(path)
    assert f"{path}:7: fields: channel: online not among in_person, online_full, online_partial, postal" in caught.value.problems


def test_canonical_profile_is_detected_and_round_trips(tmp_path):
    source = tmp_path / "events.csv"
    canonical_events().write_csv(source)
    out = tmp_path / "events.parquet"
    report = convert_log(source, out)
    assert report.profile == "canonical" and report.rows_accepted == 8
    again = tmp_path / "again.parquet"
    convert_log(out, again)  # a converted log is itself canonical input
    first, second = pl.read_parquet(out), pl.read_parquet(again)
    assert first.equals(second)
    assert second["source_row"].to_list() == list(range(2, 10))  # still the original CSV lines
    assert second.schema["at"] == pl.Datetime("us", "UTC")


def test_receipt_log_all_rows_accepted_with_utc_conversion(shared_data_dir, tmp_path):
    """Data: WABO receipt phase, 4TU.ResearchData (CoSeLoG), author J.C.A.M. Buijs."""
    result = read_log(shared_data_dir / "receipt.csv", "receipt")
    report, events = result.report, result.events
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (8577, 8577, 0)
    assert events["dossier_id"].n_unique() == 1434
    assert events.schema["at"] == pl.Datetime("us", "UTC")
    first = events.filter(pl.col("source_row") == 2).row(0, named=True)
    # 2011-10-11 13:45:40.276000+02:00 (summer time) and the deadline at +01:00 (winter)
    assert first["at"] == dt.datetime(2011, 10, 11, 11, 45, 40, 276000, tzinfo=UTC)
    assert first["appointment_at"] == dt.datetime(2011, 12, 6, 12, 41, 31, 788000, tzinfo=UTC)
    assert first["received_at"] == dt.datetime(2011, 10, 11, 11, 42, 22, 688000, tzinfo=UTC)
    assert first["step"] == "received" and first["procedure_code"] == "WABO-RECEIPT"
    assert first["unit"] == "Group 1" and first["officer"] == "Resource21"
    winter = events.filter(pl.col("source_row") == 4).row(0, named=True)
    assert winter["at"] == dt.datetime(2011, 11, 24, 14, 36, 51, 302000, tzinfo=UTC)
    # every source instant equals its parsed UTC value
    raw = pl.read_csv(shared_data_dir / "receipt.csv", infer_schema=False)
    expected = raw["time:timestamp"].str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_unit="us")
    assert events.sort("source_row")["at"].to_list() == expected.to_list()
    # channels per dossier, each source label mapped
    assert set(events["channel"]) == {"online_partial", "in_person", "postal"}
    # unmapped columns are kept under their own names
    assert {"case:department", "case:responsible", "concept:instance", "case:enddate_planned"} <= set(events.columns)
    # the log's 105 open dossiers have no end date
    open_dossiers = events.group_by("dossier_id").agg(pl.col("returned_at").is_null().all()).filter(pl.col("returned_at"))
    assert open_dossiers.height == 105
    assert events["unit"].null_count() == 1936  # the log's "EMPTY" group means no group
    # the real log has 12 events in 2 dossiers stamped before the case start: reported, kept
    before = report.findings.filter(pl.col("kind") == "event_before_receipt")
    assert before["events"].sum() == 12 and before.height == 2
    assert report.findings_by_kind["event_before_receipt"] == 2


def test_receipt_convert_then_read_back(shared_data_dir, tmp_path):
    out = tmp_path / "receipt.parquet"
    report = validate_log(shared_data_dir / "receipt.csv", "receipt")
    assert report.rows_rejected == 0
    convert_log(shared_data_dir / "receipt.csv", out, "receipt")
    back = read_log(out)
    assert back.report.profile == "canonical"
    assert back.events.height == 8577 and back.events["dossier_id"].n_unique() == 1434


def _receipt_as_xes(csv_path, xes_path) -> None:
    """The receipt log written back as XES: case attributes on the trace, event
    attributes on each event (what the CSV is a flattening of)."""
    from xml.sax.saxutils import quoteattr

    raw = pl.read_csv(csv_path, infer_schema=False)
    case_columns = [c for c in raw.columns if c.startswith("case:")]
    event_columns = [c for c in raw.columns if not c.startswith("case:")]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n']
    for (case,), group in raw.group_by("case:concept:name", maintain_order=True):
        first = group.row(0, named=True)
        parts.append("<trace>\n")
        for column in case_columns:
            if first[column] is not None:
                tag = "date" if column in ("case:startdate", "case:deadline", "case:enddate", "case:enddate_planned") else "string"
                parts.append(f'<{tag} key={quoteattr(column[5:])} value={quoteattr(first[column])}/>\n')
        for row in group.iter_rows(named=True):
            attributes = "".join(
                f'<{"date" if c == "time:timestamp" else "string"} key={quoteattr(c)} value={quoteattr(row[c])}/>'
                for c in event_columns if row[c] is not None
            )
            parts.append(f"<event>{attributes}</event>\n")
        parts.append("</trace>\n")
    parts.append("</log>\n")
    xes_path.write_text("".join(parts), encoding="utf-8")


@pytest.mark.slow
def test_receipt_profile_reads_the_xes_form_of_the_log(shared_data_dir, tmp_path):
    """The same profile reads the CSV and the XES of the WABO receipt log (J.C.A.M. Buijs)."""
    xes = tmp_path / "receipt.xes"
    _receipt_as_xes(shared_data_dir / "receipt.csv", xes)
    from_xes = read_log(xes, "receipt")
    from_csv = read_log(shared_data_dir / "receipt.csv", "receipt")
    assert from_xes.report.format == "xes"
    assert (from_xes.report.rows_read, from_xes.report.rows_rejected) == (8577, 0)
    columns = ["dossier_id", "procedure_code", "step", "unit", "officer", "at", "received_at",
               "appointment_at", "returned_at", "channel"]
    key = ["dossier_id", "at", "step"]
    assert from_xes.events.select(columns).sort(key).equals(from_csv.events.select(columns).sort(key))


def test_profile_detected_from_the_columns(shared_data_dir):
    from pathlib import Path

    from qms.ingest import resolve_profile

    samples = Path(__file__).resolve().parents[1] / "samples"
    assert resolve_profile(shared_data_dir / "receipt.csv", None).profile == "receipt"
    assert resolve_profile(samples / "motcua-export.csv", None).profile == "motcua"
    assert resolve_profile(samples / "motcua-export.xlsx", None).profile == "motcua"
