"""The audit report (issue 7): an audit planned with the sample checklist, results
recorded (NCs, OFI, NA, a formula-looking note), then both reports read back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qms.audit import load_programme_file, plan_audit, record_results, save_programme
from qms.capa import advance
from qms.db import open_database
from qms.model.audit import ItemResult
from qms.report.audit_model import build_audit_report
from qms.report.audit_report import audit_report

# The fixtures of the audit and register tests (plain functions behind the fixtures).
from capa.conftest import checklist as _checklist_fixture  # noqa: E402
from capa.conftest import programme_yaml as _programme_fixture  # noqa: E402
from capa.conftest import workspace_config as _config_fixture  # noqa: E402

FORMULA_NOTE = "=SUM(A1:A9) hồ sơ đếm tay"


@pytest.fixture
def config():
    cfg = _config_fixture.__wrapped__()
    return cfg.model_copy(update={"signatories": cfg.signatories.model_copy(update={"approved_by": "hung"})})


@pytest.fixture
def recorded(tmp_path, config):
    """DG-2026-01 (clauses 7.5, 8.5.1, 8.7 of TNMT, QT-01): 4 items; DOC-1 conforming,
    OPS-1 minor NC, OPS-2 major NC with a formula-looking note, NCO-1 OFI."""
    db = open_database(f"sqlite:///{tmp_path / 'qms.db'}")
    save_programme(db, config, "lan", load_programme_file(_programme_fixture.__wrapped__(tmp_path)))
    plan_audit(db, config, "lan", "DG-2026-01", audit_date=dt.date(2026, 3, 17), lead_auditor="mai", auditors=[],
               auditees=["binh"], checklist=_checklist_fixture.__wrapped__())
    record_results(db, config, "mai", "DG-2026-01", [
        ItemResult(item_id="DOC-1", result="conforming", evidence="QT-01 lần 3 đang dùng"),
        ItemResult(item_id="OPS-1", result="minor_nc", evidence="3/20 hồ sơ thiếu phiếu kiểm soát"),
        ItemResult(item_id="OPS-2", result="major_nc", evidence="HS-0012 trả sau hẹn 5 ngày", notes=FORMULA_NOTE),
        ItemResult(item_id="NCO-1", result="ofi", evidence="Nên tự động hóa phiếu xin lỗi"),
    ])
    advance(db, config, "lan", "NC-0001", "contain", containment="Bổ sung phiếu kiểm soát")
    yield db
    db.dispose()


@pytest.fixture
def with_na_and_unanswered(tmp_path, config):
    """DG-2026-02 covers every clause (TP, QT-05): 5 items; one NA, two left unanswered."""
    db = open_database(f"sqlite:///{tmp_path / 'qms2.db'}")
    save_programme(db, config, "lan", load_programme_file(_programme_fixture.__wrapped__(tmp_path)))
    plan_audit(db, config, "lan", "DG-2026-02", audit_date=dt.date(2026, 9, 8), lead_auditor="son", auditors=[],
               auditees=["mai"], checklist=_checklist_fixture.__wrapped__())
    record_results(db, config, "son", "DG-2026-02", [
        ItemResult(item_id="DOC-1", result="observation", evidence="Bản cũ còn trên bàn"),
        ItemResult(item_id="TP-1", result="not_applicable"),
        ItemResult(item_id="NCO-1", result="conforming"),
    ])
    yield db
    db.dispose()


def test_model_counts_by_clause_and_coverage(recorded, config):
    model = build_audit_report(recorded, "DG-2026-01", config)
    by_clause = {row.clause: row for row in model.by_clause}
    assert list(by_clause) == ["7.5.3", "8.5.1", "8.7"]
    assert by_clause["8.5.1"].counts["major_nc"] == 1 and by_clause["8.5.1"].counts["minor_nc"] == 1
    assert by_clause["8.5.1"].findings == 2 and by_clause["7.5.3"].findings == 0
    assert model.totals.counts == {"conforming": 1, "major_nc": 1, "minor_nc": 1, "observation": 0, "ofi": 1,
                                   "not_applicable": 0, "not_recorded": 0}
    assert (model.totals.applicable, model.totals.answered, model.totals.coverage) == (4, 4, 1.0)
    assert [row.item_id for row in model.findings] == ["OPS-1", "OPS-2", "NCO-1"]
    assert [(nc.code, nc.state) for nc in model.nonconformities] == [("NC-0001", "containment"),
                                                                     ("NC-0002", "open")]
    main = {row.clause: row for row in model.by_main_clause}
    assert list(main) == ["4", "5", "6", "7", "8", "9", "10"]
    assert (main["8"].items, main["8"].coverage, main["4"].items, main["4"].coverage) == (3, 1.0, 0, None)
    assert model.lead_auditor.name == "Lê Thị Mai" and model.approver.name == "Trần Văn Hùng"


def test_not_applicable_items_leave_coverage_and_unanswered_are_listed(with_na_and_unanswered, config):
    model = build_audit_report(with_na_and_unanswered, "DG-2026-02", config)
    totals = model.totals
    assert (totals.items, totals.applicable, totals.answered) == (5, 4, 2)
    assert totals.coverage == 0.5 and totals.counts["not_applicable"] == 1 and totals.counts["not_recorded"] == 2
    assert sorted(totals.unanswered) == ["MON-1", "OPS-1"]
    main = {row.clause: row for row in model.by_main_clause}
    assert main["9"].unanswered == ["MON-1"] and main["9"].coverage == 0.0
    assert (main["8"].items, main["8"].applicable, main["8"].answered) == (3, 2, 1)
    assert [row.item_id for row in model.findings] == ["DOC-1"] and model.nonconformities == []


def _pdf_text(path, layout: bool = True) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_in_vietnamese_has_headings_counts_and_nc_ids(recorded, config, tmp_path):
    pdf = tmp_path / "dg.pdf"
    done = audit_report(recorded, "DG-2026-01", pdf=pdf, config=config, language="vi")
    assert done["pdf"] == str(pdf) and done["xlsx"] is None
    text = _pdf_text(pdf)
    for heading in ("BÁO CÁO ĐÁNH GIÁ NỘI BỘ", "Kết quả theo điều khoản", "Phát hiện",
                    "Sự không phù hợp đã lập", "Mức độ bao phủ các điều khoản 4–10", "TRƯỞNG ĐOÀN ĐÁNH GIÁ",
                    "NGƯỜI PHÊ DUYỆT", "Trang 1/", "Trung tâm Phục vụ hành chính công tỉnh X".upper()):
        assert heading in text, heading
    flowing = " ".join(_pdf_text(pdf, layout=False).split())
    assert "NC-0001" in text and "NC-0002" in text
    for phrase in ("Không phù hợp nặng", "Cơ hội cải tiến", "Đã khắc phục tức thời", "Mới ghi nhận",
                   "Thứ Ba, 17 tháng 3 năm 2026", "CL-NB, ban hành lần 2; 4 mục"):
        assert phrase in flowing, phrase
    assert text.count("DG-2026-01") >= 2 + 3  # header, cover line, and the foot of each of the 3+ pages
    # The 8.5.1 row: 2 items, 0 conforming, 1 major, 1 minor, 0 obs, 0 OFI, 0 NA, 0 unanswered, 100 %.
    row = next(line for line in text.splitlines() if line.strip().startswith("8.5.1"))
    assert row.split()[-10:] == ["2", "0", "1", "1", "0", "0", "0", "0", "100,0", "%"], row
    total = next(line for line in text.splitlines() if line.strip().startswith("Tổng số"))
    assert total.split()[-10:] == ["4", "1", "1", "1", "0", "1", "0", "0", "100,0", "%"], total
    assert FORMULA_NOTE.replace(" ", "") in flowing.replace(" ", "")  # the narrow notes column wraps it
    assert "Lê Thị Mai" in text and "Trần Văn Hùng" in text and "CL-NB" in text


def test_pdf_in_english(recorded, config, tmp_path):
    audit_report(recorded, "DG-2026-01", pdf=tmp_path / "en.pdf", config=config, language="en")
    text = _pdf_text(tmp_path / "en.pdf")
    assert "INTERNAL AUDIT REPORT" in text and "Results by clause" in text and "Page 1/" in text
    assert "Major NC" in text and "100.0%" in text


def test_xlsx_has_the_same_counts_and_keeps_the_formula_note_as_text(recorded, config, tmp_path):
    out = tmp_path / "dg.xlsx"
    audit_report(recorded, "DG-2026-01", xlsx=out, config=config, language="vi")
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Tổng hợp", "Theo điều khoản", "Kết quả", "Phát hiện", "Sự không phù hợp"]
    by_clause = workbook["Theo điều khoản"]
    rows = {row[0]: row for row in by_clause.iter_rows(values_only=True) if row and row[0]}
    assert rows["8.5.1"][2:11] == (2, 0, 1, 1, 0, 0, 0, 0, 2)
    assert rows["8.5.1"][12] == 1.0
    total = next(row for row in by_clause.iter_rows(values_only=True) if row[1] == "Tổng số")
    assert total[2:13] == (4, 1, 1, 1, 0, 1, 0, 0, 4, 4, 1.0)
    results = workbook["Kết quả"]
    note_cells = [row[6] for row in results.iter_rows(min_row=2) if row[1].value == "OPS-2"]
    assert note_cells[0].value == FORMULA_NOTE and note_cells[0].data_type == "s"
    assert note_cells[0].quotePrefix
    findings = [row for row in workbook["Phát hiện"].iter_rows(min_row=2, values_only=True)]
    assert [(row[1], row[4], row[7]) for row in findings] == [
        ("OPS-1", "Không phù hợp nhẹ", "NC-0001"), ("OPS-2", "Không phù hợp nặng", "NC-0002"),
        ("NCO-1", "Cơ hội cải tiến", None)]
    ncs = list(workbook["Sự không phù hợp"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in ncs] == ["NC-0001", "NC-0002"]
    summary = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Cuộc đánh giá"] == "DG-2026-01" and summary["Mức độ bao phủ"] == 1.0
    assert summary["Không phù hợp nặng"] == 1 and summary["Cơ hội cải tiến"] == 1


def test_cli_writes_both_reports(recorded, config, tmp_path, monkeypatch):
    import yaml

    from qms.cli import main

    cfg = tmp_path / "qms.yaml"
    cfg.write_text(yaml.safe_dump(config.model_dump(mode="json", exclude_none=True), allow_unicode=True),
                   encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'qms.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "report", "DG-2026-01", "--pdf", str(tmp_path / "a.pdf"), "--xlsx",
                                  str(tmp_path / "a.xlsx"), "--config", str(cfg), "--database", url])
    assert result.exit_code == 0, result.output
    assert "4/4" in result.output and "NC-0001, NC-0002" in result.output
    assert (tmp_path / "a.pdf").stat().st_size > 0 and (tmp_path / "a.xlsx").stat().st_size > 0
    missing = runner.invoke(main, ["audit", "report", "DG-2026-01", "--config", str(cfg), "--database", url])
    assert missing.exit_code == 2
    unknown = runner.invoke(main, ["audit", "report", "DG-9999", "--xlsx", str(tmp_path / "b.xlsx"),
                                   "--config", str(cfg), "--database", url])
    assert unknown.exit_code == 1 and "DG-9999" in unknown.output


def test_a_note_typed_with_a_leading_equals_sign_survives_the_sheet_and_reaches_the_report(tmp_path, config):
    """In the fill-in workbook such a note is saved as a formula with no usable cached
    value; the import keeps the text as typed, and the report stores it as text."""
    from qms.audit import export_sheet, record_sheet

    db = open_database(f"sqlite:///{tmp_path / 'qms.db'}")
    save_programme(db, config, "lan", load_programme_file(_programme_fixture.__wrapped__(tmp_path)))
    plan_audit(db, config, "lan", "DG-2026-01", audit_date=dt.date(2026, 3, 17), lead_auditor="mai", auditors=[],
               auditees=["binh"], checklist=_checklist_fixture.__wrapped__())
    sheet_file = tmp_path / "sheet.xlsx"
    export_sheet(db, "DG-2026-01", sheet_file, language="vi")
    workbook = load_workbook(sheet_file)
    sheet = workbook["Checklist"]
    for row, result in ((8, "Phù hợp"), (9, "Phù hợp"), (10, "Không phù hợp nặng"), (11, "Không áp dụng")):
        sheet[f"E{row}"] = result
    sheet["F10"] = "HS-0012 trả sau hẹn"
    sheet["G10"] = FORMULA_NOTE  # openpyxl, like a spreadsheet, saves it as a formula
    workbook.save(sheet_file)
    record_sheet(db, config, "mai", "DG-2026-01", sheet_file)
    model = build_audit_report(db, "DG-2026-01", config)
    assert next(row for row in model.results if row.item_id == "OPS-2").notes == FORMULA_NOTE
    assert (model.totals.applicable, model.totals.answered, model.totals.coverage) == (3, 3, 1.0)
    audit_report(db, "DG-2026-01", xlsx=tmp_path / "r.xlsx", config=config, language="en")
    cell = next(row[6] for row in load_workbook(tmp_path / "r.xlsx")["Findings"].iter_rows(min_row=2))
    assert (cell.value, cell.data_type) == (FORMULA_NOTE, "s")
    db.dispose()


def test_main_clause_titles_are_translated():
    from qms.core.i18n import translations
    from qms.report.audit_model import MAIN_CLAUSES

    catalog = translations("vi")
    assert all(catalog.gettext(title) != title for title in MAIN_CLAUSES.values())


def test_control_characters_are_dropped_and_what_remains_is_still_never_a_formula(tmp_path):
    """A note pasted with a control character before "=" (openpyxl refuses control
    characters; once dropped, the text starts with "=" and must be quoted)."""
    from qms.report.audit_model import build_audit_model
    from qms.report.audit_xlsx import write_audit_xlsx

    data = {"audit": {"code": "DG-X", "title": "T", "status": "recorded", "audit_date": "2026-03-17",
                      "units": ["TP"], "lead_auditor": "mai", "auditors": ["mai"], "auditees": ["binh"],
                      "checklist_code": "CL", "checklist_issue": 1, "checklist_items": {"count": 1, "sha256": "0"}},
            "results": [{"item_id": "A-1", "clause": "8.5.1", "question": "Q?", "result": "ofi",
                         "evidence": "\x1f+cmd|' /C calc'!A0", "notes": "\x00=HYPERLINK(\"x\")", "nc": None}],
            "nonconformities": []}
    model = build_audit_model(data, [], None, language="en")
    assert model.organisation == "(organisation not configured)" and model.totals.coverage == 1.0
    write_audit_xlsx(model, tmp_path / "a.xlsx")
    row = next(load_workbook(tmp_path / "a.xlsx")["Results"].iter_rows(min_row=2))
    assert (row[5].value, row[5].data_type, bool(row[5].quotePrefix)) == ("+cmd|' /C calc'!A0", "s", True)
    assert (row[6].value, row[6].data_type, bool(row[6].quotePrefix)) == ('=HYPERLINK("x")', "s", True)


def test_every_clause_a_checklist_cites_has_a_name():
    """The clause-name column is never blank for a clause of the sample checklists (4.1–10.3)."""
    import re

    from qms.core.i18n import translations
    from qms.core.resources import sample_library_dir
    from qms.report.audit_model import _clause_title

    cited = set()
    for path in sample_library_dir().rglob("*.yaml"):
        cited |= set(re.findall(r"clause: ['\"]?([0-9]+(?:\.[0-9]+)+)", path.read_text(encoding="utf-8")))
    assert {"4.1", "5.1.1", "6.1", "7.1.2", "8.2.1", "9.1.2", "10.3"} <= cited
    gettext = translations("vi").gettext
    for clause in sorted(cited):
        title = _clause_title(clause, gettext)
        assert title and not title.startswith("part of") and not title.startswith("thuộc"), (clause, title)
    assert _clause_title("4.1", gettext) == "Hiểu tổ chức và bối cảnh của tổ chức"


def test_findings_chart_tells_grades_apart_and_auditee_signs(recorded, config):
    import re

    from qms.report.audit_pdf import GRADE_COLOURS, render_audit_html

    model = build_audit_report(recorded, "DG-2026-01", config)
    html = render_audit_html(model)
    # 8.5.1 has one major and one minor NC: two bars, in the two grades' colours.
    assert f'fill="{GRADE_COLOURS["major_nc"]}"' in html and f'fill="{GRADE_COLOURS["minor_nc"]}"' in html
    chart_text = " ".join(re.findall(r"<text [^>]*>([^<]*)</text>", html))  # labels wrap onto two lines
    assert "8.5.1 Kiểm soát việc cung cấp dịch vụ – Không phù hợp nặng" in chart_text
    assert "8.5.1 Kiểm soát việc cung cấp dịch vụ – Không phù hợp nhẹ" in chart_text
    assert "Đại diện đơn vị được đánh giá" in html and "Ngày: ……/……/………" in html
    assert "ngày …… tháng …… năm ………" in html


def test_nonconformities_are_named_by_what_was_found(recorded, config):
    model = build_audit_report(recorded, "DG-2026-01", config)
    titles = {nc.code: nc.title for nc in model.nonconformities}
    evidence = {row.nc: row.evidence for row in model.findings if row.nc}
    assert titles == {code: evidence[code] for code in titles}
    assert not any("?" in title for title in titles.values())  # not the checklist's question


def test_signers_names_line_up_and_the_approval_block_stays_whole(recorded, config):
    """The auditee's role wraps to two lines; the names are in a row of their own, so
    the three names print on one line (and the block is never split across pages)."""
    import re

    from qms.report.audit_pdf import render_audit_html

    html = render_audit_html(build_audit_report(recorded, "DG-2026-01", config))
    block = html[html.index('<div class="approval-block">'):]
    block = block[:block.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", block, re.S)
    assert len(rows) == 2
    assert "Võ Văn Bình" in rows[1] and "Lê Thị Mai" in rows[1]  # auditee and lead auditor, one row
    assert "Võ Văn Bình" not in rows[0] and "Đại diện đơn vị được đánh giá".upper() not in rows[1].upper()
    assert ".approval-block { break-inside: avoid; }" in html
