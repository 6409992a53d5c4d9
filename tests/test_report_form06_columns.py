"""Form 06 of a generated log checked for real: on every row resolved (7) = early (8)
+ on time (9) + late (10) and in progress (11) = within time (12) + overdue (13);
the dossiers that could not be judged are outside those columns, with their count in
a note under the form, in the PDF and in the XLSX."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from qms.check.api import run_check, write_outputs
from qms.library import load_library
from qms.report import build_report, write_pdf, write_xlsx
from qms.synth import generate_log
from report_support import sample_workspace_config
from test_report_pdf import _text as pdf_text

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    library = load_library(None)
    generated = generate_log(library, 300, seed=3, defect_rate=0.3)  # 4 unknown procedure codes
    result = run_check(generated.events, library)
    out = tmp_path_factory.mktemp("check")
    write_outputs(result, out, csv=False)
    return build_report(out, config=sample_workspace_config())


def test_every_form06_row_adds_up_and_the_not_assessable_are_apart(model):
    assert model.totals.not_assessable > 0  # the generator's unknown procedure codes
    for row in [*model.form06, model.totals]:
        c = row.counts
        assert c["resolved_total"] == c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"], row.label
        assert c["in_progress_total"] == c["in_progress_within_time"] + c["in_progress_overdue"], row.label
        assert c["received_total"] == c["resolved_total"] + c["in_progress_total"] + row.not_assessable, row.label
    # the procedures no issue covers: received, and nothing in the resolved or in-progress columns
    unknown = [row for row in model.form06 if row.level == 2 and row.not_assessable == row.counts["received_total"]]
    assert unknown and all(row.counts["resolved_total"] == row.counts["in_progress_total"] == 0 for row in unknown)


def test_the_note_under_form06_gives_the_count_in_the_pdf_and_the_xlsx(model, tmp_path):
    count = model.totals.not_assessable
    text = pdf_text(write_pdf(model, tmp_path / "report.pdf"))
    note = f"{count} hồ sơ đã tiếp nhận không đánh giá được"
    assert note in text
    # under the table: after its total row's label, before the form's signatures
    form = text[text.index("mẫu 06/VPCP/KSTT"):]
    assert form.index("Tổng số") < form.index(note) < form.index("NGƯỜI LẬP BIỂU")
    workbook = load_workbook(write_xlsx(model, tmp_path / "report.xlsx"))
    sheet = workbook["Mẫu 06"]
    cells = [(cell.row, cell.value) for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    notes = [r for r, value in cells if value.startswith(note)]
    total_row = max(r for r, value in cells if value == "Tổng số")
    assert notes == [total_row + 1]


def test_the_breakdown_by_unit_says_why_its_rows_add_up_to_more(model, tmp_path):
    received = [row.counts["received_total"] for row in model.by_unit]
    assert sum(received) > model.totals.counts["received_total"] >= max(received)
    note = "Một hồ sơ được tính cho mọi đơn vị đã thực hiện một bước của hồ sơ"
    text = pdf_text(write_pdf(model, tmp_path / "report.pdf"))
    by_unit = text[text.index("Theo đơn vị"):]
    assert by_unit.index(note) < by_unit.index("Theo tháng tiếp nhận")
    sheet = load_workbook(write_xlsx(model, tmp_path / "report.xlsx"))["Theo đơn vị"]
    assert [cell.value for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str) and cell.value.startswith(note)]
