"""Durations in the report are on each procedure's clock, with the unit named: a dossier
late across Tết is late by working days (not the calendar days between the dates), a
calendar-day procedure's figures are in calendar days; and the Findings sheet names
steps and gives expected and actual values with their units.

The check outputs are made by the real check engine from a log built here."""

import datetime as dt

import openpyxl
import pytest

from check_support import events_frame, simple_procedure, simple_ruleset
from qms.check.api import run_check, write_outputs
from qms.check.documents import CheckDocuments
from qms.model.calendar import CalendarSettings
from qms.report import build_report, write_xlsx
from qms.report.pdf import render_html

GENERATED = dt.datetime(2025, 3, 2, 3, 0, tzinfo=dt.timezone.utc)


def eight_hour_calendar():
    """The Vietnamese calendar with 8 office hours a day, so that a working day of the
    time-limit arithmetic (8 hours) is exactly one office day."""
    from qms.calendar import WorkCalendar

    day = [{"start": "07:30", "end": "11:30"}, {"start": "13:00", "end": "17:00"}]
    settings = CalendarSettings(code="LICH8", issue=1, status="approved", effective_from=dt.date(2020, 1, 1),
                                title={"vi": "Lịch 8 giờ"}, office_hours={d: day for d in ("mon", "tue", "wed", "thu", "fri")})
    return WorkCalendar.from_settings(settings), settings


def dossier(dossier_id, code, appointment, events):
    return [dict(dossier_id=dossier_id, procedure_code=code, step=step, unit="MC", officer="x", at=at,
                 received_at="2025-01-06 08:00", appointment_at=appointment) for step, at in events]


@pytest.fixture(scope="module")
def check_dir(tmp_path_factory):
    calendar, settings = eight_hour_calendar()
    docs = CheckDocuments(
        [simple_procedure(limit_days=10),
         simple_procedure(code="QT-CAL", time_limit={"amount": 10, "unit": "calendar_days"})],
        [simple_ruleset()], calendar, settings)
    # Received Monday 6 January 2025 08:00, 10 working days: due Monday 20 January 08:00.
    # Returned Wednesday 5 February 08:00, after the Tết break (25 January – 2 February):
    # 16 calendar days late, 7 working days (20–24 January, 3–4 February).
    rows = dossier("TET-1", "QT-01", "2025-01-20 08:00", [
        ("received", "2025-01-06 08:00"), ("appraise", "2025-01-08 09:00"), ("approve", "2025-01-22 09:00"),
        ("issue_result", "2025-02-04 09:00"), ("returned", "2025-02-05 08:00")])
    # 10 calendar days: due 16 January 08:00; returned 5 February 08:00, 20 calendar days late.
    rows += dossier("CAL-1", "QT-CAL", "2025-01-16 08:00", [
        ("received", "2025-01-06 08:00"), ("appraise", "2025-01-07 09:00"), ("approve", "2025-01-08 09:00"),
        ("issue_result", "2025-01-09 09:00"), ("returned", "2025-02-05 08:00")])
    result = run_check(events_frame(rows), docs, as_of=dt.date(2025, 3, 1))
    target = tmp_path_factory.mktemp("check")
    write_outputs(result, target)
    return target, docs.procedures


@pytest.fixture(scope="module")
def model(check_dir):
    directory, procedures = check_dir
    return build_report(directory, generated_at=GENERATED, procedures=procedures)


@pytest.fixture(scope="module")
def workbook(model, tmp_path_factory):
    target = write_xlsx(model, tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return openpyxl.load_workbook(target)


def sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_late_across_tet_in_working_days(model):
    late = {row["dossier_id"]: row for row in model.late_dossiers_shown}
    assert late["TET-1"]["days_overdue"] == 7.0  # not 16 calendar days
    assert late["TET-1"]["day_unit"] == "working"
    assert late["CAL-1"]["days_overdue"] == 20.0
    assert late["CAL-1"]["day_unit"] == "calendar"


def test_pdf_names_the_unit_of_each_delay(model):
    html = render_html(model)
    assert "Số ngày quá hạn" in html and "quá hẹn (ngày lịch)" not in html
    assert '7,0<div class="day-unit">ngày làm việc</div>' in html
    assert '20,0<div class="day-unit">ngày theo lịch</div>' in html


def test_workbook_dossiers_in_days_of_their_clock(workbook):
    rows = {row["Mã hồ sơ"]: row for row in sheet_rows(workbook["Hồ sơ"])}
    assert rows["TET-1"]["Số ngày quá hạn"] == 7.0
    assert rows["TET-1"]["Tính theo"] == "ngày làm việc"
    assert rows["TET-1"]["Thời hạn (ngày)"] == 10.0
    assert rows["CAL-1"]["Tính theo"] == "ngày theo lịch"
    assert rows["CAL-1"]["Thời hạn (ngày)"] == 10.0 and rows["CAL-1"]["Số ngày quá hạn"] == 20.0


def test_average_processing_time_names_its_unit(model, workbook):
    by_code = {row.key: row for row in model.by_procedure}
    assert by_code["QT-01"].day_unit == "working" and by_code["QT-CAL"].day_unit == "calendar"
    assert model.totals.day_unit == "mixed"
    average = next(indicator for indicator in model.indicators if indicator.key == "average_processing_days")
    assert average.label == ("Thời gian giải quyết trung bình (ngày làm việc; ngày theo lịch với thủ tục "
                             "tính theo ngày lịch)")
    units = {row["Thủ tục"]: row["Đơn vị của thời gian trung bình"] for row in sheet_rows(workbook["Theo thủ tục"])}
    assert units["QT-01 – Thủ tục thử"] == "ngày làm việc"
    assert units["QT-CAL – Thủ tục thử"] == "ngày theo lịch"
    assert units["Tổng số"] == "ngày làm việc hoặc ngày theo lịch"
    html = render_html(model)
    assert "Thời gian TB (ngày làm việc)" in html
    assert '<div class="day-unit">ngày theo lịch</div>' in html


def test_findings_sheet_names_steps_and_units(workbook):
    findings = sheet_rows(workbook["Phát hiện"])
    overrun = next(row for row in findings
                   if row["Mã quy tắc"] == "step_overrun" and row["Mã hồ sơ"] == "TET-1" and row["Bước"] == "Thẩm định")
    # appraise is allotted 2 working days; it took from 6 January 08:00 to 8 January 09:00.
    assert overrun["Yêu cầu"] == "2,0 ngày làm việc (16,0 giờ làm việc)"
    assert overrun["Thực tế"] == "2,1 ngày làm việc (17,0 giờ làm việc)"
    late = next(row for row in findings if row["Mã quy tắc"] == "finished_late" and row["Mã hồ sơ"] == "TET-1")
    assert late["Yêu cầu"] == "20/01/2025 08:00" and late["Thực tế"] == "05/02/2025 08:00"
    assert all(row["Bước"] not in ("appraise", "approve", "issue_result") for row in findings)
    # The message is shown only where it says more than the rule's title.
    assert all(row["Nội dung"] != row["Quy tắc"] for row in findings)


def test_method_is_named_once_and_counts_read_singular(model, workbook):
    """The check's description of the method starts with its name: said once."""
    name = "So thời điểm hoàn thành với ngày hẹn trả kết quả"
    assert model.method_description.startswith(name)
    assert render_html(model).count(name) == 1
    manifest = {row[0]: row[1] for row in workbook["Bản kê"].iter_rows(values_only=True) if row and row[0]}
    assert manifest["Phương pháp phân loại"].count(name) == 1



def test_vietnamese_pdf_shows_rules_by_name_not_by_id(model):
    html = render_html(model)
    assert "Giải quyết quá hạn" in html
    assert not any(f">{rule}<" in html for rule in ("finished_late", "step_overrun", "late_without_apology"))


def test_days_are_as_long_as_the_calendar_s_working_day(tmp_path):
    """A calendar whose office day is 7.5 h and says so (`working_day_hours: 7.5`): the
    report converts minutes to days by 450, as the check did, not by a fixed 8 hours."""
    from qms.calendar import WorkCalendar

    day = [{"start": "07:30", "end": "11:30"}, {"start": "13:30", "end": "17:00"}]
    settings = CalendarSettings(code="LICH75", issue=1, status="approved", effective_from=dt.date(2020, 1, 1),
                                title={"vi": "Lịch 7,5 giờ"}, working_day_hours=7.5,
                                office_hours={d: day for d in ("mon", "tue", "wed", "thu", "fri")})
    docs = CheckDocuments([simple_procedure(limit_days=10)], [simple_ruleset()], WorkCalendar.from_settings(settings),
                          settings)
    rows = dossier("TET-1", "QT-01", "2025-01-20 08:00", [
        ("received", "2025-01-06 08:00"), ("appraise", "2025-01-08 09:00"), ("approve", "2025-01-22 09:00"),
        ("issue_result", "2025-02-04 09:00"), ("returned", "2025-02-05 08:00")])
    result = run_check(events_frame(rows), docs, as_of=dt.date(2025, 3, 1))
    assert result.summary.manifest.calendar.working_day_hours == 7.5
    write_outputs(result, tmp_path)
    [late] = build_report(tmp_path, generated_at=GENERATED).late_dossiers_shown
    assert late["days_overdue"] == 7.0  # 7 office days of 450 minutes (6.6 if taken as 8-hour days)
