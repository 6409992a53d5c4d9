"""The service-quality index section speaks the report's language: the reason an
indicator cannot be measured is given in the report's language (the check wrote it in
its own) and names the log's fields in words, not by their column ids; the decision's
number never breaks across lines."""

import pytest
from openpyxl import load_workbook

from qms.check import run_check, write_outputs
from qms.library import load_library
from qms.report import build_report, write_xlsx
from qms.report.pdf import render_html
from test_check_indicators import PERIOD, log_with_facts


@pytest.fixture(scope="module")
def check_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("check")
    # checked in Vietnamese; the log has no complaints column
    result = run_check(log_with_facts().drop("complaint"), load_library(None), period=PERIOD, language="vi")
    write_outputs(result, target)
    return target


def test_english_report_gives_reasons_in_english_without_column_ids(check_dir, tmp_path):
    model = build_report(check_dir, language="en")
    reasons = [item.reason for item in model.service_index.items if item.reason]
    assert any("`complaint`" in reason for reason in reasons)  # as the check wrote it
    html = render_html(model)
    assert "Not measurable: the log has no complaints field" in html
    assert "Not measurable: needs data a dossier log does not carry (the national database)" in html
    assert "`" not in html and "phản ánh" not in html and "nhật ký" not in html
    rows = list(load_workbook(write_xlsx(model, tmp_path / "en.xlsx"), read_only=True)["Service-quality index"].iter_rows(
        values_only=True))
    notes = {row[6] for row in rows if len(row) > 6 and row[6]}
    assert "the log has no complaints field" in notes


def test_vietnamese_report_names_fields_in_words_and_keeps_the_decision_number_whole(check_dir):
    html = render_html(build_report(check_dir, language="vi"))
    assert "Không đo được: nhật ký không có trường phản ánh, kiến nghị<" in html
    assert "`complaint`" not in html
    assert '(Quyết định <span class="code">766/QĐ-TTg</span>)' in html


def test_index_sheet_prints_all_its_rows_with_points_formatted(check_dir, tmp_path):
    """The sheet's rows are counted for its print area (it printed only its title)."""
    book = load_workbook(write_xlsx(build_report(check_dir, language="vi"), tmp_path / "vi.xlsx"))
    sheet = book["Bộ chỉ số 766"]
    assert sheet.print_area.endswith(f"$G${sheet.max_row}") and sheet.max_row > 15
    assert sheet.column_dimensions["B"].width == 60
    points = [row[4] for row in sheet.iter_rows(min_row=5) if row[1].value == "Tiến độ, kết quả giải quyết"]
    assert points and points[0].number_format == "#,##0.0"
