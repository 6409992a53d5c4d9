"""The per-dossier process-control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ)."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from check_support import events_frame
from qms.core.errors import QmsError
from qms.check.dossier_timeline import dossier_timeline
from qms.report.control_sheet import control_sheet, write_control_sheet_pdf

VN = dt.timezone(dt.timedelta(hours=7))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


def log():
    # QT-LLTP-01 (judicial record): search 2 working days, verify 5, draft 1, approve 0.5
    rows = [
        ("received", "MOTCUA", "2025-03-03 08:00"),
        ("supplement_requested", "SO_TU_PHAP", "2025-03-03 09:00"),
        ("supplement_received", "MOTCUA", "2025-03-05 09:00"),
        ("search_records", "SO_TU_PHAP", "2025-03-07 10:00"),
        ("verify", "SO_TU_PHAP", "2025-03-07 15:00"),
        ("draft_certificate", "SO_TU_PHAP", "2025-03-10 08:00"),
        ("approve", "LANH_DAO", "2025-03-10 09:00"),
        ("returned", "MOTCUA", "2025-03-10 10:00"),
    ]
    return events_frame([{"dossier_id": "HS-1", "procedure_code": "QT-LLTP-01", "step": step, "unit": unit,
                          "officer": "Lan", "at": moment, "received_at": "2025-03-03 08:00"}
                         for step, unit, moment in rows]
                        + [{"dossier_id": "HS-2", "procedure_code": "QT-LLTP-01", "step": "received",
                            "unit": "MOTCUA", "at": "2025-03-03 08:00", "received_at": "2025-03-03 08:00"}])


def test_each_step_is_judged_against_its_allotted_time_less_the_wait_for_the_applicant():
    sheet = dossier_timeline(log(), "HS-1")
    assert [s.step for s in sheet.steps] == ["received", "search_records", "verify", "draft_certificate", "approve",
                                             "returned"]
    search = sheet.steps[1]
    # office time (07:30-11:30, 13:30-17:00) from receipt, Mon 08:00, to the search, Fri 10:00:
    # 7 + 7.5 + 7.5 + 7.5 + 2.5 = 32 h; the applicant was waited for from Mon 09:00 to
    # Wed 09:00 (6 + 7.5 + 1.5 = 15 h): 17 h used of the 2 working days (16 h) allotted
    assert search.used_minutes == pytest.approx(17 * 60)
    assert search.allotted_minutes == pytest.approx(16 * 60)
    assert search.result == "late"
    verify = sheet.steps[2]  # Fri 10:00 -> 15:00: 3 h of 5 working days
    assert verify.used_minutes == pytest.approx(3 * 60) and verify.result == "early"
    draft = sheet.steps[3]  # Fri 15:00 + 1 working day is due Mon 15:00; handed over Mon 08:00: on time
    assert draft.used_minutes == pytest.approx(2.5 * 60) and draft.result == "on_time"
    assert [e[1] for e in sheet.other_events] == ["supplement_requested", "supplement_received"]
    assert control_sheet(sheet).form_reference.endswith("Thông tư 01/2018/TT-VPCP")  # received before 15 Sep 2025
    assert sheet.status in ("early", "on_time", "late")


def test_an_unknown_dossier_is_refused():
    with pytest.raises(QmsError, match="HS-9"):
        dossier_timeline(log(), "HS-9")


def test_the_sheet_renders_in_vietnamese_with_the_step_names(tmp_path):
    target = write_control_sheet_pdf(control_sheet(dossier_timeline(log(), "HS-1")), tmp_path / "phieu.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True).stdout
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Yêu cầu bổ sung, hoàn thiện hồ sơ" in text and "supplement_requested" not in text
    assert "HS-1" in text and "Quá hạn" in text
