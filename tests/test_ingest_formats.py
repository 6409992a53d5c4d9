"""Every reader gives the same canonical events for the same log."""

from __future__ import annotations

import codecs
import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ingest_support import CANONICAL_COLUMNS, MOTCUA_HEADER, canonical_events, motcua_row, write_csv_text
from qms.ingest import read_log
from qms.ingest.source import detect_format

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "samples"


def _same_events(path, profile=None):
    result = read_log(path, profile)
    assert result.report.reconciled and result.report.rows_rejected == 0
    got = result.events.select(CANONICAL_COLUMNS)
    assert_frame_equal(got, canonical_events().select(CANONICAL_COLUMNS))
    return result


def test_parquet_canonical(tmp_path):
    path = tmp_path / "log.parquet"
    canonical_events().write_parquet(path)
    result = _same_events(path)
    assert result.report.profile == "canonical" and result.report.format == "parquet"
    assert result.events["source_row"].to_list() == list(range(1, 9))


def test_csv_canonical_as_polars_writes_it(tmp_path):
    path = tmp_path / "log.csv"
    canonical_events().write_csv(path)
    result = _same_events(path)
    assert result.events["source_row"].to_list() == list(range(2, 10))  # line numbers, header is line 1


def test_jsonl_canonical(tmp_path):
    path = tmp_path / "log.jsonl"
    canonical_events().write_ndjson(path)
    _same_events(path)


def test_xlsx_canonical_with_date_cells(tmp_path):
    from openpyxl import Workbook

    # Excel has no zones: a canonical workbook holds UTC wall times in date cells
    frame = canonical_events().with_columns(pl.col(pl.Datetime).dt.replace_time_zone(None))
    book = Workbook()
    book.active.append(frame.columns)
    for row in frame.iter_rows():
        book.active.append(list(row))
    path = tmp_path / "log.xlsx"
    book.save(path)
    result = _same_events(path)
    assert result.report.format == "xlsx"
    assert result.events["source_row"].to_list() == list(range(2, 10))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters_are_detected(tmp_path, encoding, delimiter):
    path = tmp_path / "export.csv"
    rows = [motcua_row(), motcua_row(status="Thẩm định hồ sơ", unit="Phòng Tư pháp", officer="Trần Văn Hùng",
                                     at="03/03/2025 10:15", note="ghi chú; có dấu, phẩy")]
    write_csv_text(path, MOTCUA_HEADER, rows, delimiter=delimiter, encoding=encoding)
    if encoding == "utf-16":
        assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    result = read_log(path, "motcua")
    events = result.events
    assert events["unit"].to_list() == ["Bộ phận Một cửa", "Phòng Tư pháp"]
    assert events["officer"].to_list() == ["Lan", "Trần Văn Hùng"]
    assert events["step"].to_list() == ["received", "Thẩm định hồ sơ"]
    assert events["Ghi chú"].to_list() == [None, "ghi chú; có dấu, phẩy"]
    # 10:15 in Hanoi (UTC+7) is 03:15 UTC
    assert events["at"][1] == dt.datetime(2025, 3, 3, 3, 15, tzinfo=dt.timezone.utc)


def test_vietnamese_sample_csv_and_xlsx_agree():
    csv_events = read_log(SAMPLES / "motcua-export.csv", "motcua")
    xlsx_events = read_log(SAMPLES / "motcua-export.xlsx", "motcua")
    assert csv_events.report.rows_read == xlsx_events.report.rows_read == 38
    assert csv_events.report.rows_rejected == 0 and xlsx_events.report.rows_rejected == 0
    assert "sheet 'Tổng hợp' skipped (not a log sheet)" in xlsx_events.report.notes
    assert_frame_equal(csv_events.events, xlsx_events.events)
    events = csv_events.events
    assert events["dossier_id"].n_unique() == 7
    assert set(events["channel"]) == {"in_person", "online_full", "online_partial", "postal"}
    assert {"received", "supplement_requested", "supplement_received", "apology_issued", "processed",
            "returned", "withdrawn"} <= set(events["step"])
    apology = events.filter(pl.col("step") == "apology_issued")
    assert apology["new_appointment_at"].to_list() == [dt.datetime(2025, 2, 6, 10, 0, tzinfo=dt.timezone.utc)]


def test_xlsx_split_over_sheets_is_one_log(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Phần 1"
    second = book.create_sheet("Phần 2")
    for sheet, dossiers in ((first, ["A", "B"]), (second, ["C"])):
        sheet.append(MOTCUA_HEADER)
        for dossier in dossiers:
            sheet.append(motcua_row(dossier=dossier))
    second.append(motcua_row(dossier="", status=""))  # a bad row on sheet 2, row 3
    path = tmp_path / "split.xlsx"
    book.save(path)
    rejects = tmp_path / "rejects.csv"
    from qms.ingest import validate_log

    report = validate_log(path, "motcua", rejects=rejects)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 3, 1)
    rejected = pl.read_csv(rejects)
    assert rejected.select("source_row", "source_sheet", "reason").row(0) == (3, "Phần 2", "missing_dossier_id")


def _xes(events_by_trace: dict[str, list[tuple[str, str]]]) -> str:
    traces = []
    for case, events in events_by_trace.items():
        body = "".join(
            f'<event><string key="concept:name" value="{name}"/><date key="time:timestamp" value="{at}"/>'
            f'<string key="org:resource" value="R1"/></event>\n'
            for name, at in events
        )
        traces.append(
            f'<trace><string key="concept:name" value="{case}"/><string key="channel" value="Desk"/>'
            f'<date key="startdate" value="2011-10-11T13:00:00.000+02:00"/>'
            f'<date key="deadline" value="2011-12-06T13:00:00.000+01:00"/>\n{body}</trace>\n'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
        '<global scope="event"><string key="concept:name" value="__INVALID__"/></global>\n'
        + "".join(traces) + "</log>\n"
    )


def test_xes_streams_events_with_case_attributes(tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(_xes({
        "case-1": [("Confirmation of receipt", "2011-10-11T13:45:40.276+02:00"), ("T02 Check", "2011-11-24T15:37:16.553+01:00")],
        "case-2": [("Confirmation of receipt", "2011-10-12T09:00:00.000+02:00")],
    }), encoding="utf-8")
    assert detect_format(path) == "xes"
    profile = tmp_path / "xes-receipt.yaml"
    profile.write_text(
        "profile: xes-receipt\n"
        "fields:\n"
        "  dossier_id: 'case:concept:name'\n"
        "  procedure_code: {constant: WABO-RECEIPT}\n"
        "  step: {column: 'concept:name', values: {Confirmation of receipt: received}}\n"
        "  officer: 'org:resource'\n"
        "  at: 'time:timestamp'\n"
        "  received_at: 'case:startdate'\n"
        "  appointment_at: 'case:deadline'\n"
        "  channel: {column: 'case:channel', values: {Desk: in_person}}\n",
        encoding="utf-8",
    )
    result = read_log(path, profile)
    events = result.events
    assert result.report.rows_read == 3 and result.report.rows_rejected == 0
    assert events["dossier_id"].to_list() == ["case-1", "case-1", "case-2"]
    assert events["step"].to_list() == ["received", "T02 Check", "received"]
    assert events["at"].to_list() == [
        dt.datetime(2011, 10, 11, 11, 45, 40, 276000, tzinfo=dt.timezone.utc),
        dt.datetime(2011, 11, 24, 14, 37, 16, 553000, tzinfo=dt.timezone.utc),
        dt.datetime(2011, 10, 12, 7, 0, tzinfo=dt.timezone.utc),
    ]
    assert events["channel"].unique().to_list() == ["in_person"]
    # row numbers are the events' lines in the file
    lines = path.read_text().splitlines()
    assert all(lines[row - 1].startswith("<event>") for row in events["source_row"])


def test_xlsx_blank_rows_at_the_end_of_a_sheet_are_not_rows(tmp_path):
    from openpyxl import Workbook

    from qms.ingest import validate_log

    book = Workbook()
    first = book.active
    second = book.create_sheet("Tiếp")
    for sheet in (first, second):
        sheet.append(MOTCUA_HEADER)
        sheet.append(motcua_row(dossier=sheet.title))
    first.append([None] * 10)
    first.cell(row=6, column=10).number_format = "dd/mm/yyyy"  # formatted, empty
    first.cell(row=6, column=1).value = ""
    path = tmp_path / "padded.xlsx"
    book.save(path)
    report = validate_log(path, "motcua")
    assert (report.rows_read, report.rows_rejected) == (2, 0)
