"""The workbook printed as a person prints it: through LibreOffice (Debian's
libreoffice-calc-nogui, installed by scripts/bootstrap.sh test). One conversion, small input."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from qms.report import build_report, write_xlsx
from report_support import sample_workspace_config, write_check_output

pytestmark = pytest.mark.slow
GENERATED = dt.datetime(2025, 4, 2, 3, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: run scripts/bootstrap.sh test (it installs libreoffice-calc-nogui)"
    base = tmp_path_factory.mktemp("print")
    model = build_report(write_check_output(base / "check", 60), config=sample_workspace_config(),
                         generated_at=GENERATED)
    workbook = write_xlsx(model, base / "bao-cao.xlsx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{base / 'profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(base / "out"), str(workbook)], check=True, capture_output=True, timeout=240)
    return model, PdfReader(base / "out" / "bao-cao.pdf")


def _pages_by_sheet(reader) -> dict[str, list]:
    """Sheet name (printed in each page's header) -> its pages."""
    sheets: dict[str, list] = {}
    for page in reader.pages:
        first_line = page.extract_text().strip().splitlines()[0].strip()
        sheets.setdefault(first_line, []).append(page)
    return sheets


def test_form06_prints_on_one_landscape_page(printed):
    _model, reader = printed
    pages = _pages_by_sheet(reader)
    form06 = pages["Mẫu 06"]
    assert len(form06) == 1
    width, height = float(form06[0].mediabox.width), float(form06[0].mediabox.height)
    assert width > height and round(width) == 842  # A4 landscape
    text = form06[0].extract_text()
    # Every column of the form is on the page, through the last "(13)".
    assert all(f"({number})" in text for number in range(1, 14))


def test_every_page_is_a4_with_report_id_and_page_numbers(printed):
    model, reader = printed
    total = len(reader.pages)
    assert total <= 20  # 60 dossiers: a few pages per sheet, not hundreds
    for number, page in enumerate(reader.pages, start=1):
        assert sorted(round(float(side)) for side in (page.mediabox.width, page.mediabox.height)) == [595, 842]
        text = page.extract_text()
        assert model.report_id in text
        assert re.search(rf"Trang {number}/{total}\b", text), text[-200:]
    # Long sheets repeat their header row on every page.
    for page in _pages_by_sheet(reader)["Hồ sơ"]:
        assert "Mã hồ sơ" in page.extract_text()


def test_long_values_wrap_inside_the_printed_width(printed):
    """The manifest's long values (the method's description) print whole, wrapped, not cut at the page edge."""
    model, reader = printed
    text = " ".join(" ".join(page.extract_text().split()) for page in _pages_by_sheet(reader)["Bản kê"])
    assert len(model.method_description) > 72
    assert " ".join(model.method_description.split()) in text
