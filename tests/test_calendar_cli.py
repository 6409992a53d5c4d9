"""`qms calendar due | between | show`, through the real CLI root."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from qms.core import i18n
from qms.cli import main


def _shows(output: str, label: str, value: str) -> bool:
    """A `label:  value` line, whatever the column padding."""
    return re.search(rf"^{re.escape(label)}:\s+{re.escape(value)}$", output, re.M) is not None


@pytest.fixture(autouse=True)
def _keep_language(monkeypatch):
    # the CLI root sets the process-wide language; leave it as other tests expect it
    monkeypatch.setattr(i18n, "_current_language", i18n._current_language)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_due_before_tet_2025_in_vietnamese():
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--limit", "3 ngày làm việc", "--cutoff", "15:00")
    assert result.exit_code == 0, result.output
    assert _shows(result.output, "Bắt đầu tính", "2025-02-03 07:30 (thứ Hai)")
    assert _shows(result.output, "Hẹn trả kết quả", "2025-02-05 17:00 (thứ Tư)")


def test_due_as_json():
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--limit", "3 working days", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counting_start"] == "2025-01-24T16:30:00+07:00"
    assert data["appointment_at"] == "2025-02-05T16:30:00+07:00"
    assert data["limit"] == {"amount": 3.0, "unit": "working_days"}
    assert data["calendar"]["code"] == "LICH-LV"
    assert data["calendar"]["years_without_holiday_data"] == []


def test_due_with_an_offset_in_english():
    result = run("--lang", "en", "calendar", "due", "--received", "2025-01-24T09:30Z", "--limit", "4 working hours")
    assert result.exit_code == 0, result.output
    assert _shows(result.output, "Received", "2025-01-24 16:30 (Friday)")
    assert _shows(result.output, "Appointment", "2025-02-03 11:00 (Monday)")


def test_between_with_overlapping_pauses():
    result = run("calendar", "between", "2025-03-06 09:00", "2025-03-12 10:00",
                 "--pause", "2025-03-07 16:00", "2025-03-10 09:00",
                 "--pause", "2025-03-10 08:00", "2025-03-10 14:00", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["working_minutes"] == 1530
    assert data["paused_working_minutes"] == 330
    assert data["working_hours"] == 25.5
    assert data["working_days"] == round(1530 / 480, 4)


def test_show_lists_days_off_and_worked_saturdays():
    result = run("calendar", "show", "2025")
    assert result.exit_code == 0, result.output
    assert "2025-01-29  thứ Tư     nghỉ" in result.output
    assert "2025-04-26  thứ Bảy    làm bù" in result.output
    data = json.loads(run("calendar", "show", "2024", "--format", "json").output)
    assert {"date": "2024-05-04", "weekday": "sat", "kind": "worked_weekend",
            "name": "Làm việc bù cho ngày nghỉ 29/04/2024"} in data["days"]
    assert data["counts"]["worked_weekend_days"] == 1


def test_user_mistakes_exit_1_without_traceback(tmp_path):
    result = run("calendar", "due", "--received", "tomorrow", "--limit", "3 working days")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--limit", "three weeks")
    assert result.exit_code == 1
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--procedure", "1.001234")
    assert result.exit_code == 1
    assert "1.001234" in result.output  # the unknown code is named
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: X\nissue: 0\n", encoding="utf-8")
    result = run("calendar", "show", "2025", "--calendar", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:2: issue" in result.output
    assert run("calendar", "due", "--received", "2025-01-24 16:30").exit_code == 2


def test_calendar_file_without_holiday_data_is_flagged(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("code: NO-HOLIDAYS\nissue: 1\neffective_from: 2025-01-01\ntitle: {vi: Lịch}\ncountry: null\n",
                    encoding="utf-8")
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--limit", "3 working days",
                 "--calendar", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["appointment_at"] == "2025-01-29T16:30:00+07:00"  # Tết not known: counted as working days
    assert data["calendar"]["years_without_holiday_data"] == [2025]
    assert "2025" in result.stderr


def test_due_from_a_procedure_of_the_library(tmp_path, monkeypatch):
    pytest.importorskip("qms.library")
    monkeypatch.chdir(tmp_path)  # outside any workspace: the bundled sample library
    # QT-CT-01 (copy certification): 1 working day, cut-off 15:00
    result = run("calendar", "due", "--received", "2025-03-03 15:30", "--procedure", "QT-CT-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counting_start"] == "2025-03-04T07:30:00+07:00"
    assert data["appointment_at"] == "2025-03-04T17:00:00+07:00"  # 1 working day: the close of the day counting starts
    assert data["cutoff"] == "15:00"
    assert data["procedure_issue"] == 1


def test_due_for_calendar_days_counts_from_the_receipt_itself():
    # Received on Saturday evening: a calendar-day limit runs from the receipt (as the
    # check counts it), not from Monday's opening; 5 days land on Thursday 22:00.
    result = run("calendar", "due", "--received", "2025-08-23 22:00", "--limit", "5 calendar days",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counting_start"] == "2025-08-23T22:00:00+07:00"
    assert data["appointment_at"] == "2025-08-28T22:00:00+07:00"


def test_calendar_due_and_the_check_give_one_appointment(tmp_path):
    # One function decides: the check's due moment for a dossier equals what
    # `qms calendar due` prints for the same receipt and procedure.
    import polars as pl

    from qms.check import run_check

    received = dt.datetime(2025, 1, 24, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    events = pl.DataFrame({
        "dossier_id": ["D1", "D1"], "procedure_code": ["QT-CT-01", "QT-CT-01"], "step": ["received", "processed"],
        "unit": ["MOTCUA", "MOTCUA"], "at": [received, received + dt.timedelta(days=12)],
    }).with_columns(pl.col("at").dt.convert_time_zone("UTC"))
    [due_at] = run_check(events).dossiers["due_at"].to_list()
    result = run("calendar", "due", "--received", "2025-01-24 16:30", "--procedure", "QT-CT-01", "--format", "json")
    assert result.exit_code == 0, result.output
    assert dt.datetime.fromisoformat(json.loads(result.output)["appointment_at"]) == due_at


def test_check_and_calendar_due_agree_for_calendar_days_received_outside_office_hours():
    # A calendar-day procedure received on Saturday evening: the check's due moment and
    # WorkCalendar.due (what `qms calendar due` prints) are one function's answer.
    import polars as pl

    from check_support import calendar_settings, make_calendar, simple_procedure, simple_ruleset
    from qms.check import run_check
    from qms.check.documents import CheckDocuments

    procedure = simple_procedure(time_limit={"amount": 5, "unit": "calendar_days"})
    docs = CheckDocuments([procedure], [simple_ruleset()], make_calendar(), calendar_settings())
    vn = dt.timezone(dt.timedelta(hours=7))
    received = dt.datetime(2025, 8, 23, 22, 0, tzinfo=vn)
    events = pl.DataFrame({"dossier_id": ["D1"], "procedure_code": ["QT-01"], "step": ["received"], "unit": ["MC"],
                           "at": [received]}).with_columns(pl.col("at").dt.convert_time_zone("UTC"))
    [due_at] = run_check(events, docs, as_of="2025-08-31").dossiers["due_at"].to_list()
    start, due = make_calendar().due(received, 5, "calendar_days")
    assert start == received and due == due_at == dt.datetime(2025, 8, 28, 22, 0, tzinfo=vn)
