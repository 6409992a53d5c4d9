"""The nonconformity register's summary (shape of qms.capa.summary.register_summary) in both reports."""

import datetime as dt
import re
import subprocess

import pytest
from openpyxl import load_workbook

from qms.report import build_report, write_pdf, write_xlsx
from report_support import write_check_output

REGISTER = {
    "total": 7, "open": 4,
    "by_state": {"closed": 3, "open": 1, "action_plan": 2, "containment": 1},
    "by_severity": {"major": 2, "minor": 5}, "by_source": {"check": 5, "audit": 2},
    "open_by_unit": {"BP-MC": 3, "-": 1},
    "overdue_actions": 2,
    "overdue": [
        {"nc": "NC-2025-003", "nc_title": "Trả kết quả quá hạn tại Bộ phận Một cửa", "unit": "BP-MC", "action": 1,
         "description": "=Đào tạo lại cán bộ tiếp nhận", "owner": "Nguyễn Văn An", "due_date": "2025-03-01",
         "days_overdue": 30},
        {"nc": "NC-2025-005", "nc_title": "Thiếu văn bản xin lỗi", "unit": None, "action": 2,
         "description": "Bổ sung mẫu văn bản", "owner": None, "due_date": "2025-03-20", "days_overdue": 11},
    ],
    "history": {"ok": True, "entries": 42, "head_seq": 42, "head_hash": "ab" * 32},
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    check_dir = write_check_output(tmp_path_factory.mktemp("check"), 120, seed=9)
    return build_report(check_dir, register=REGISTER, generated_at=dt.datetime(2025, 4, 2, tzinfo=dt.timezone.utc))


def test_register_section_in_the_model_and_manifest(model):
    register = model.register
    assert (register.total, register.open, register.overdue_actions) == (7, 4, 2)
    assert [row.key for row in register.by_state] == ["open", "containment", "action_plan", "closed"]
    assert register.by_state[0].label == "Mới ghi nhận"
    assert model.manifest["nonconformity_register"]["history"]["head_hash"] == "ab" * 32


@pytest.mark.slow
def test_register_section_in_the_pdf(tmp_path, model):
    pdf = write_pdf(model, tmp_path / "r.pdf")
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                                              check=True).stdout.decode())
    assert "Sự không phù hợp và hành động khắc phục" in text
    assert "Sổ theo dõi có 7 sự không phù hợp, trong đó 4 chưa đóng; 2 hành động khắc phục" in text
    assert "NC-2025-003" in text and "=Đào tạo lại cán bộ tiếp nhận" in text
    # Sections renumber themselves around the optional one.
    assert "5. Sự không phù hợp và hành động khắc phục" in text and "6. Hồ sơ quá hạn" in text


def test_register_sheet_in_the_workbook(tmp_path, model):
    book = load_workbook(write_xlsx(model, tmp_path / "r.xlsx"))
    sheet = book["Sự không phù hợp"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    assert ("Sự không phù hợp", 7) in [row[:2] for row in rows]
    action = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "1. =Đào tạo lại cán bộ tiếp nhận")
    assert action.data_type == "s"


@pytest.mark.slow
def test_cli_reads_the_register_of_the_workspace(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from qms.cli import main

    check_dir = write_check_output(tmp_path / "check", 150, seed=4)
    runner = CliRunner()
    if runner.invoke(main, ["init", str(tmp_path / "ws")]).exit_code != 0:
        pytest.skip("qms init failed here (not the report's concern)")
    monkeypatch.chdir(tmp_path / "ws")
    raised = runner.invoke(main, ["nc", "raise-from-check", str(check_dir), "--user", "iso.secretary"])
    if raised.exit_code != 0:
        pytest.skip(f"qms nc raise-from-check failed here (not the report's concern): {raised.output}")
    result = runner.invoke(main, ["report", "--from-check", str(check_dir), "--xlsx", "r.xlsx", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Sự không phù hợp" in load_workbook(tmp_path / "ws" / "r.xlsx").sheetnames
    result = runner.invoke(main, ["report", "--from-check", str(check_dir), "--xlsx", "n.xlsx", "--no-register"])
    assert "Sự không phù hợp" not in load_workbook(tmp_path / "ws" / "n.xlsx").sheetnames


def test_a_period_register_lists_its_ncs_with_state_and_actions(tmp_path_factory):
    from qms.report.pdf import render_html

    register = {**REGISTER, "period": ["2025-01-01T00:00:00+07:00", "2025-04-01T00:00:00+07:00"],
                "nonconformities": [
                    {"nc": "NC-0003", "title": "Trả kết quả quá hạn tại Bộ phận Một cửa", "severity": "major",
                     "state": "action_plan", "unit": "BP-MC", "clause": "8.5.1", "raised_at": "2025-02-03T02:00:00+00:00",
                     "actions": [{"action": 1, "description": "Đào tạo lại cán bộ tiếp nhận", "owner": "an",
                                  "due_date": "2025-03-01", "done": False},
                                 {"action": 2, "description": "Sửa quy trình", "owner": "an",
                                  "due_date": "2025-03-15", "done": True}]}]}
    check_dir = write_check_output(tmp_path_factory.mktemp("check"), 60, seed=9)
    model = build_report(check_dir, register=register)
    html = " ".join(render_html(model).split())
    assert "Trong kỳ báo cáo đã lập 7 điểm không phù hợp" in html
    assert "Điểm không phù hợp lập trong kỳ" in html
    assert "Trả kết quả quá hạn tại Bộ phận Một cửa" in html and "Đã lập kế hoạch hành động" in html
    assert "1. Đào tạo lại cán bộ tiếp nhận (01/03/2025)" in html
    assert "2. Sửa quy trình (15/03/2025, đã xong)" in html
