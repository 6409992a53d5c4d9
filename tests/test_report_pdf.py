"""The PDF, read back: Vietnamese headings, the exact figures of summary.json, attachments, PDF/A."""

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from qms.model.check_output import CheckSummary
from qms.report import build_report, write_pdf
from qms.core.formatting import Formatter
from report_support import sample_workspace_config, write_check_output

GENERATED = dt.datetime(2025, 4, 2, 3, 0, tzinfo=dt.timezone.utc)
pytestmark = pytest.mark.slow


def _text(pdf) -> str:
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    else:
        text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    # Table cells and headings wrap; compare with all runs of white space as one space.
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("pdf")
    check_dir = write_check_output(base / "check", 300)
    previous_dir = write_check_output(base / "previous", 250, seed=11, period_from=dt.date(2024, 10, 1),
                                      period_to=dt.date(2024, 12, 31))
    model = build_report(check_dir, config=sample_workspace_config(), previous_summary=previous_dir / "summary.json",
                         generated_at=GENERATED, pdf_late_cap=25)
    pdf = write_pdf(model, base / "report.pdf")
    summary = CheckSummary.model_validate_json((check_dir / "summary.json").read_text(encoding="utf-8"))
    return model, pdf, _text(pdf), summary


def test_vietnamese_headings_and_form06_layout(rendered):
    _model, _pdf, text, _summary = rendered
    for heading in ("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", "Tóm tắt kết quả", "mẫu 06/VPCP/KSTT",
                    "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết",
                    "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Trước hạn", "Đúng hạn",
                    "Quá hạn", "Trong hạn", "Theo đơn vị", "Theo tháng tiếp nhận", "Phát hiện theo quy tắc",
                    "Hồ sơ quá hạn", "Chất lượng dữ liệu", "Phương pháp", "NGƯỜI PHÊ DUYỆT", "BẢN NHÁP"):
        assert heading in text, heading
    pages = len(PdfReader(rendered[1]).pages)
    assert f"Trang 1/{pages}" in text or f"Trang 2/{pages}" in text
    assert f"Trang {pages}/{pages}" in text
    # Form 06's apparatus: reporting and receiving unit, unit of measure, its own signatures.
    for phrase in ("Đơn vị báo cáo: Trung tâm Phục vụ hành chính công tỉnh Hà Nam",
                   "Đơn vị nhận báo cáo: Ủy ban nhân dân tỉnh Hà Nam", "Đơn vị tính: hồ sơ",
                   "NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"):
        assert phrase in text, phrase
    # A draft's date line is left for the hand that signs it.
    assert "Hà Nam, ngày …… tháng …… năm ………" in text


def test_exact_figures_of_the_summary_the_vietnamese_way(rendered):
    model, _pdf, text, summary = rendered
    f = Formatter("vi")
    totals = summary.totals
    assert f.percent(totals.on_time_rate) in text
    total_row = " ".join(f.integer(getattr(totals, column)) for column in (
        "received_total", "received_online", "received_in_person_or_postal", "carried_over", "resolved_total",
        "resolved_early", "resolved_on_time", "resolved_late", "in_progress_total", "in_progress_within_time",
        "in_progress_overdue"))
    assert f"Tổng số {total_row}" in text
    for group in summary.by_unit:
        assert f.percent(group.on_time_rate) in text
    for group in summary.by_procedure:
        assert group.key in text
    assert f.decimal(totals.average_processing_days) in text
    assert f.integer(summary.data_quality.rows_read) in text
    assert "Thứ Hai, 31 tháng 3 năm 2025" in text  # as-of date, long form
    assert re.search(r"\d+,\d %", text), "percentages use a decimal comma and a space"
    assert model.report_id in text and model.figures_sha256 in text.replace(" ", "")


def test_late_list_is_capped_with_a_pointer_to_excel(rendered):
    model, _pdf, text, _summary = rendered
    assert model.late_dossiers_total > 25
    assert "danh sách đầy đủ có trong tệp Excel" in text
    shown = [row["dossier_id"] for row in model.late_dossiers_shown]
    assert shown[0] in text and shown[-1] in text
    assert model.late_dossiers["dossier_id"][25] not in text


def test_signatories_and_previous_period(rendered):
    _model, _pdf, text, _summary = rendered
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Đức Cường"):
        assert name in text
    assert "Kỳ trước" in text and "01/10/2024 – 31/12/2024" in text


def test_attachments_extract_and_match(rendered):
    model, pdf, _text_, summary = rendered
    attachments = PdfReader(pdf).attachments
    assert set(attachments) == {"manifest.json", "findings.csv"}
    manifest = json.loads(attachments["manifest.json"][0].decode("utf-8"))
    assert manifest == model.manifest
    assert manifest["check"]["inputs"][0]["sha256"] == summary.manifest.inputs[0].sha256
    rows = list(csv.DictReader(io.StringIO(attachments["findings.csv"][0].decode("utf-8"))))
    assert len(rows) == summary.findings.total
    assert any(row["message"].startswith("=SUM(") for row in rows)


def test_pdf_a3b_identification(rendered):
    _model, pdf, _text_, _summary = rendered
    reader = PdfReader(pdf)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part(>|=\")3", xmp)
    assert re.search(rb"pdfaid:conformance(>|=\")B", xmp)
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_english_and_approved(tmp_path, rendered):
    model, _pdf, _text_, summary = rendered
    check_dir = tmp_path / "check"
    write_check_output(check_dir, 120, seed=3)
    english = build_report(check_dir, config=sample_workspace_config(), language="en", status="approved",
                           approved_by="leduc", generated_at=GENERATED)
    text = _text(write_pdf(english, tmp_path / "en.pdf"))
    assert "Executive summary" in text and "form 06/VPCP/KSTT" in text
    assert "Page 1/" in text or "Page 2/" in text
    assert "DRAFT" not in text and "BẢN NHÁP" not in text
    # Who approved it and when, on the cover and under the signature, with the date line.
    assert re.search(r"approved by: Lê Đức Cường, Director, Apr 2, 2025", text, re.IGNORECASE), text[:600]
    # English all through: signatories' titles translated, no Python None, no "?" for a unit.
    assert "Deputy Director" in text and "Giám đốc" not in text
    assert "None" not in text and " ? " not in text
    assert "Hà Nam, Apr 2, 2025" in text
    on_time = next(i for i in english.indicators if i.key == "on_time_rate").value
    assert Formatter("en").percent(on_time) in text


def test_form06_total_row_and_signatures_never_alone(rendered):
    _model, pdf, _text_, summary = rendered
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]
    signed = next(index for index, text in enumerate(pages) if "NGƯỜI LẬP BIỂU" in text.upper())
    page = pages[signed]
    f = Formatter("vi")
    assert f"Tổng số {f.integer(summary.totals.received_total)}" in page  # the total row is on it …
    assert re.search(r"\b\d+\.\d+ \S", page)  # … with at least one procedure row above it
