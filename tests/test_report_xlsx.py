"""The workbook, reopened with openpyxl: same figures, native chart, text that never turns into a formula."""

import datetime as dt
import json
import shutil

import polars as pl
import pytest
from openpyxl import load_workbook

from qms.model.check_output import CheckSummary
from qms.report import build_report, write_xlsx
from report_support import sample_workspace_config, write_check_output

GENERATED = dt.datetime(2025, 4, 2, 3, 0, tzinfo=dt.timezone.utc)
HOSTILE = ['=HYPERLINK("http://evil.example","bấm")', "+1 ngày", "-2", "@x thiếu bước", "\tabc", "\rCR đầu dòng",
           "=1+1"]


@pytest.fixture(scope="module")
def check_dir(tmp_path_factory):
    directory = write_check_output(tmp_path_factory.mktemp("check"), 300)
    # Hostile text in every text column of findings, plus characters XML cannot hold.
    findings = pl.read_parquet(directory / "findings.parquet")
    extra = findings.head(len(HOSTILE)).with_columns(
        message=pl.Series(HOSTILE), unit=pl.Series(HOSTILE[::-1]), step=pl.lit("\x01bell\x07"),
        expected=pl.lit("<b>&amp;</b>"))
    pl.concat([findings.slice(len(HOSTILE)), extra]).write_parquet(directory / "findings.parquet")
    return directory


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, check_dir):
    model = build_report(check_dir, config=sample_workspace_config(), generated_at=GENERATED)
    path = write_xlsx(model, tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    summary = CheckSummary.model_validate_json((check_dir / "summary.json").read_text(encoding="utf-8"))
    return model, load_workbook(path), summary


def _rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def test_sheets(workbook):
    _model, book, _summary = workbook
    assert book.sheetnames == ["Tổng hợp", "Mẫu 06", "Theo thủ tục", "Theo lĩnh vực", "Theo đơn vị",
                               "Theo tháng tiếp nhận", "Hồ sơ", "Phát hiện", "Chất lượng dữ liệu", "Bản kê"]


def test_summary_indicators_and_native_chart(workbook):
    model, book, summary = workbook
    sheet = book["Tổng hợp"]
    values = {row[0]: row[1:] for row in _rows(sheet) if row[0]}
    assert values["Tỷ lệ đúng hạn"][0] == summary.totals.on_time_rate  # the exact float, not a rounded copy
    assert values["Tỷ lệ đúng hạn"][1] == 0.9
    assert values["Số hồ sơ giải quyết quá hạn"][0] == summary.totals.resolved_late
    assert values["Thời gian giải quyết trung bình (ngày làm việc)"][0] == summary.totals.average_processing_days
    assert values["Mã báo cáo"][0] == model.report_id
    assert len(sheet._charts) >= 1
    assert sheet["B11"].number_format == "0.0%" or any(
        cell.number_format == "0.0%" for row in sheet.iter_rows() for cell in row if cell.value == summary.totals.on_time_rate)


def test_form06_official_layout(workbook):
    model, book, summary = workbook
    sheet = book["Mẫu 06"]
    # Title, reporting unit and period above the form, so a printed page says what it is.
    assert sheet["A1"].value == "Tình hình, kết quả giải quyết thủ tục hành chính (mẫu 06/VPCP/KSTT)"
    assert sheet["A2"].value == "Đơn vị báo cáo: Trung tâm Phục vụ hành chính công tỉnh Hà Nam"
    assert sheet["A3"].value.startswith("Kỳ báo cáo: ") and model.report_id in sheet["A3"].value
    merged = {str(item) for item in sheet.merged_cells.ranges}
    assert {"A5:A7", "B5:B7", "C5:F5", "G5:J5", "K5:M5", "D6:E6"} <= merged
    assert sheet["C5"].value == "Số hồ sơ nhận giải quyết"
    assert sheet["D6"].value == "Trong kỳ" and sheet["D7"].value == "Trực tuyến"
    assert sheet["F6"].value == "Từ kỳ trước"
    assert [sheet.cell(8, column).value for column in (1, 13)] == ["(1)", "(13)"]
    # Header rows tall enough for "Trực tiếp, dịch vụ bưu chính" wrapped in its column (3 lines of 15 pt).
    assert sheet.row_dimensions[7].height >= 45 and sheet.row_dimensions[6].height >= 45
    rows = _rows(sheet)
    total = next(row for row in rows if row[1] == "Tổng số")
    assert "Đơn vị tính: hồ sơ" in sheet["A3"].value
    # The form's signatures under it.
    below = [value for row in rows[rows.index(total) + 1:] for value in row if value]
    assert {"Người lập biểu", "Thủ trưởng đơn vị", "Nguyễn Văn An", "Lê Đức Cường"} <= set(below)
    totals = summary.totals
    assert list(total[2:]) == [totals.received_total, totals.received_online, totals.received_in_person_or_postal,
                               totals.carried_over, totals.resolved_total, totals.resolved_early,
                               totals.resolved_on_time, totals.resolved_late, totals.in_progress_total,
                               totals.in_progress_within_time, totals.in_progress_overdue]


def test_every_sheet_prints(workbook):
    """Print setup read back: A4, orientation by width, one page wide, titles repeated,
    print area, report id and page numbers in the footer."""
    model, book, _summary = workbook
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0, sheet.title
        assert sheet.print_area, sheet.title
        assert sheet.oddFooter.left.text == model.report_id, sheet.title
        assert sheet.oddFooter.right.text == "Trang &P/&N", sheet.title
        assert sheet.oddHeader.center.text == "&A", sheet.title
    assert book["Mẫu 06"].page_setup.orientation == "landscape"
    assert book["Mẫu 06"].print_title_rows == "$5:$8"
    assert book["Mẫu 06"].print_area == f"'Mẫu 06'!$A$1:$M${book['Mẫu 06'].max_row}"
    assert book["Hồ sơ"].page_setup.orientation == "landscape" and book["Hồ sơ"].print_title_rows == "$1:$1"
    assert book["Hồ sơ"].print_area.endswith(f"$T${book['Hồ sơ'].max_row}")
    assert book["Chất lượng dữ liệu"].page_setup.orientation == "portrait"


def test_durations_in_working_days_and_hours(workbook):
    model, book, _summary = workbook
    header = [cell.value for cell in book["Hồ sơ"][1]]
    assert not any("phút" in (text or "") for text in header)
    used_days = header.index("Đã dùng (ngày)")
    used_hours = header.index("Đã dùng (giờ)")
    allowed_days = header.index("Thời hạn (ngày)")
    counted_as = header.index("Tính theo")
    first = model.dossiers.collect().row(0, named=True)
    row = [cell.value for cell in book["Hồ sơ"][2]]
    assert row[used_days] == round(first["used_minutes"] / 480, 2)
    assert row[used_hours] == round(first["used_minutes"] / 60, 2)
    assert row[allowed_days] == round(first["allowed_minutes"] / 480, 2)
    assert row[counted_as] == "ngày làm việc"  # no calendar_clock column: working-day procedures


def test_workbook_mode_follows_the_umask(tmp_path, check_dir):
    import os
    import stat

    model = build_report(check_dir, generated_at=GENERATED)
    previous = os.umask(0o022)
    try:
        path = write_xlsx(model, tmp_path / "shared.xlsx")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("tmp*"))


def test_inventory_shows_local_times(workbook):
    _model, book, _summary = workbook
    values = {row[0]: row[1] for row in _rows(book["Bản kê"]) if row and row[0]}
    assert values["Số liệu tính đến"] == "31/03/2025 17:00"  # 10:00 UTC, shown in Hà Nội time
    assert "T" not in values["Thời điểm lập"]


def test_breakdowns_match_summary(workbook):
    _model, book, summary = workbook
    rows = _rows(book["Theo thủ tục"])[1:-1]
    assert len(rows) == len(summary.by_procedure)
    for row, group in zip(rows, summary.by_procedure):
        assert row[1].startswith(group.key)
        assert row[2] == group.received_total and row[13] == group.on_time_rate and row[16] == group.findings
        assert row[15] == ("ngày làm việc" if group.average_processing_days is not None else None)
    months = _rows(book["Theo tháng tiếp nhận"])[1:-1]
    assert [row[2] for row in months] == [group.received_total for group in summary.by_month]


def test_every_dossier_with_filter_freeze_and_highlight(workbook):
    model, book, summary = workbook
    sheet = book["Hồ sơ"]
    rows = _rows(sheet)
    assert len(rows) - 1 == summary.totals.received_total
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:T{len(rows)}"
    rules = [rule.formula[0] for cf in sheet.conditional_formatting for rule in cf.rules]
    assert '$R2="late"' in rules and '$R2="open_overdue"' in rules
    statuses = [row[17] for row in rows[1:]]
    assert statuses.count("late") == summary.status_counts["late"]
    first = model.dossiers.collect().row(0, named=True)
    assert rows[1][0] == first["dossier_id"]
    received_local = first["received_at"].astimezone(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
    assert abs(rows[1][6] - received_local) < dt.timedelta(seconds=1)
    assert sheet.cell(2, 7).number_format == "dd/mm/yyyy hh:mm"
    # why a dossier was not judged, in words (the check writes a code)
    reasons = {row[19] for row in rows[1:] if row[17] == "not_assessable"}
    assert reasons == {"Thủ tục không có trong thư viện tài liệu"}


def test_formula_looking_text_is_stored_as_text(workbook):
    _model, book, _summary = workbook
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} became a formula: {cell.value!r}"
    findings = book["Phát hiện"]
    messages = {cell.value: cell for cell in findings["K"]}
    units = {cell.value: cell for cell in findings["H"]}
    for text in HOSTILE:
        assert messages[text].data_type == "s" and messages[text].quotePrefix, text
        assert units[text].data_type == "s" and units[text].quotePrefix, text
    assert messages["Hồ sơ trả kết quả quá hạn"].quotePrefix is False
    # Characters XML cannot carry are dropped; markup stays literal text.
    assert "bell" in {cell.value for cell in findings["G"]}
    assert "<b>&amp;</b>" in {cell.value for cell in findings["I"]}
    hostile_unit_dossiers = [cell for cell in book["Hồ sơ"]["E"] if cell.value and cell.value.startswith("=")]
    assert hostile_unit_dossiers and all(cell.quotePrefix and cell.data_type == "s" for cell in hostile_unit_dossiers)


def test_manifest_sheet_carries_the_manifest(workbook):
    model, book, _summary = workbook
    rows = _rows(book["Bản kê"])
    start = next(index for index, row in enumerate(rows) if row[0] == "manifest.json")
    text = "\n".join(row[0] for row in rows[start + 1:])
    assert json.loads(text) == model.manifest
    assert any(row[0] == "dossiers.parquet" and row[1] == model.manifest["check_outputs"][1]["sha256"] for row in rows)


def test_long_sheets_continue_on_another_sheet(tmp_path, check_dir):
    model = build_report(check_dir, generated_at=GENERATED)
    book = load_workbook(write_xlsx(model, tmp_path / "split.xlsx", max_rows_per_sheet=120))
    parts = [name for name in book.sheetnames if name.startswith("Hồ sơ")]
    assert parts == ["Hồ sơ", "Hồ sơ (2)", "Hồ sơ (3)"]
    ids = [row[0] for name in parts for row in _rows(book[name])[1:]]
    assert ids == model.dossiers.collect()["dossier_id"].to_list()
    assert all(book[name]["A1"].value == "Mã hồ sơ" for name in parts)
    assert book["Hồ sơ (3)"].auto_filter.ref == f"A1:T{300 - 2 * 119 + 1}"


def test_english_workbook(tmp_path, check_dir):
    model = build_report(check_dir, language="en", generated_at=GENERATED)
    book = load_workbook(write_xlsx(model, tmp_path / "en.xlsx"))
    assert book.sheetnames[:2] == ["Summary", "Form 06"] and "Dossiers" in book.sheetnames
    assert book["Form 06"]["C5"].value == "Dossiers received for handling"


def test_findings_sheet_names_units_and_does_not_repeat_the_rule(tmp_path, check_dir):
    findings = pl.read_parquet(check_dir / "findings.parquet")
    extra = pl.DataFrame({
        "dossier_id": ["HS-X-1", "HS-X-2", "HS-X-3"], "rule": ["step_overrun", "too_many_supplement_requests",
                                                             "finished_late"],
        "severity": ["observation", "major", "major"], "clause": ["9.1", "8.5.1", "8.5.1"],
        "procedure_code": ["QT-07"] * 3, "step": ["appraise", None, None], "unit": ["BP-MC"] * 3,
        "expected": ["3840", "1", "2025-03-03 10:05"], "actual": ["8931", "2", "2025-03-07 09:02"],
        "message": ["Bước vượt thời gian phân bổ", "Yêu cầu bổ sung quá số lần", "Trả sau ngày hẹn 4 ngày"],
    }).cast(findings.schema)
    directory = tmp_path / "check"
    shutil.copytree(check_dir, directory)
    pl.concat([findings, extra]).write_parquet(directory / "findings.parquet")
    book = load_workbook(write_xlsx(build_report(directory, generated_at=GENERATED), tmp_path / "f.xlsx"))
    rows = {row[0]: row for row in _rows(book["Phát hiện"])}
    assert rows["HS-X-1"][8:11] == ("8,0 ngày làm việc (64,0 giờ làm việc)", "18,6 ngày làm việc (148,8 giờ làm việc)",
                                    None)  # title repeated: left out
    assert rows["HS-X-2"][8:10] == ("1 lần", "2 lần")
    assert rows["HS-X-3"][8:11] == ("03/03/2025 10:05", "07/03/2025 09:02", "Trả sau ngày hẹn 4 ngày")
    english = load_workbook(write_xlsx(build_report(directory, language="en", generated_at=GENERATED),
                                       tmp_path / "en.xlsx"))
    rows = {row[0]: row for row in _rows(english["Findings"])}
    assert rows["HS-X-2"][8:10] == ("1 time", "2 times")
    assert rows["HS-X-1"][8] == "8.0 working days (64.0 working hours)"
    assert rows["HS-X-3"][8] == "2025-03-03 10:05"  # ISO in English


def test_wrapped_headers_and_names_get_their_row_heights(workbook):
    """Spreadsheet programs do not grow rows on opening: wrapped headers and long names
    have their heights set (the header overlapped the first rows)."""
    _model, book, _summary = workbook
    assert book["Theo thủ tục"].row_dimensions[1].height == 45
    assert book["Hồ sơ"].row_dimensions[1].height == 30 and book["Phát hiện"].row_dimensions[1].height == 30
    long_names = [row[0].row for row in book["Theo thủ tục"].iter_rows(min_row=2) if len(row[1].value or "") > 50]
    assert long_names and all(book["Theo thủ tục"].row_dimensions[number].height >= 30 for number in long_names)
    assert all(row[1].alignment.wrap_text for row in book["Theo thủ tục"].iter_rows(min_row=2))
