"""`qms report` end to end through click, as a user runs it."""

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qms.cli import main
from report_support import write_check_output


@pytest.fixture(scope="module")
def check_dir(tmp_path_factory):
    return write_check_output(tmp_path_factory.mktemp("check"), 150)


def test_from_check_writes_both_and_reports_json(tmp_path, check_dir):
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["report", "--from-check", str(check_dir), "--pdf", str(pdf),
                                       "--xlsx", str(xlsx), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pdf"] == str(pdf) and data["xlsx"] == str(xlsx) and data["language"] == "vi"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert load_workbook(xlsx).sheetnames[0] == "Tổng hợp"


def test_lang_en_and_xlsx_alone(tmp_path, check_dir):
    xlsx = tmp_path / "en.xlsx"
    result = CliRunner().invoke(main, ["report", "--from-check", str(check_dir), "--xlsx", str(xlsx),
                                       "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Report id: QMS-" in result.stdout and str(xlsx) in result.stdout
    assert load_workbook(xlsx).sheetnames[0] == "Summary"


def test_config_file_and_approval(tmp_path, check_dir):
    config = tmp_path / "qms.yaml"
    config.write_text("organisation:\n  name: {vi: UBND xã Hòa Bình}\nusers:\n"
                      "  cuong: {name: Lê Văn Cường, title: Chủ tịch, roles: [manager]}\n"
                      "  an: {name: Nguyễn Văn An, roles: [quality_officer]}\n", encoding="utf-8")
    approve = ["report", "--from-check", str(check_dir), "--xlsx", str(tmp_path / "a.xlsx"),
               "--config", str(config), "--status", "approved"]
    result = CliRunner().invoke(main, approve)  # anyone could pass --status approved: not any more
    assert result.exit_code == 1 and "--user" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, [*approve, "--user", "an"])
    assert result.exit_code == 1 and "lãnh đạo" in result.output  # the manager role, in Vietnamese
    result = CliRunner().invoke(main, approve, env={"QMS_USER": "cuong"})
    assert result.exit_code == 0, result.output
    config.write_text("organisation:\n  name: {vi: UBND}\n  nmae: typo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--from-check", str(check_dir), "--xlsx", str(tmp_path / "b.xlsx"),
                                       "--config", str(config)])
    assert result.exit_code == 1
    assert f"{config}:3: organisation.nmae" in result.output and "Traceback" not in result.output


def test_user_mistakes_exit_cleanly(tmp_path, check_dir):
    runner = CliRunner()
    missing = runner.invoke(main, ["report", "--from-check", str(tmp_path / "nope"), "--pdf", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 1 and "nope: not a directory of check outputs" in missing.output
    neither = runner.invoke(main, ["report", "--pdf", str(tmp_path / "x.pdf")])
    assert neither.exit_code == 2
    no_output = runner.invoke(main, ["report", "--from-check", str(check_dir)])
    assert no_output.exit_code == 2


def test_workspace_configuration_is_found_without_config_option(tmp_path, check_dir, monkeypatch):
    (tmp_path / "qms.yaml").write_text("organisation:\n  name: {vi: UBND phường Đông Ngàn}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["report", "--from-check", str(check_dir), "--xlsx", "w.xlsx"])
    assert result.exit_code == 0, result.output
    rows = {row[0]: row[1] for row in load_workbook(tmp_path / "w.xlsx")["Tổng hợp"].iter_rows(values_only=True)}
    assert rows["Cơ quan"] == "UBND phường Đông Ngàn"
