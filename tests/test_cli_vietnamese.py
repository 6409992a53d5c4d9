"""Vietnamese output has no English codes, Python reprs or raw UTC instants in it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from qms.cli import main

RAW_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    for variable in ("QMS_DATABASE_URL", "QMS_LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("QMS_USER", "iso.secretary")
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_nc_show_reads_vietnamese(workspace):
    run("nc", "raise", "--title", "Thiếu sổ", "--severity", "major", "--unit", "MOTCUA")
    run("nc", "advance", "NC-0001", "contain", "--containment", "Đã nhắc nhở")
    run("nc", "advance", "NC-0001", "analyse", "--why", "Quên", "--why", "Không có nhắc việc", "--root-cause", "Thiếu quy định")
    shown = run("nc", "show", "NC-0001")
    for english in ("state:", "severity:", "raised_at", "containment", "cause_analysis", "major", "['", "effective="):
        assert english not in shown
    assert not RAW_INSTANT.search(shown)
    assert "Trạng thái:" in shown and "Nghiêm trọng" in shown and "Tại sao 2: Không có nhắc việc" in shown
    assert "(Asia/Ho_Chi_Minh)" in shown
    listed = run("nc", "list")
    assert "containment" not in listed and "major" not in listed
    assert "mục mới nhất là #" in run("nc", "verify")
    english = run("nc", "show", "NC-0001", "--lang", "en")  # --lang after the subcommand too (README's promise)
    assert "State:" in english and "Contained" not in english and "Cause analysed" in english


def test_permission_refusal_in_vietnamese(workspace):
    result = CliRunner().invoke(main, ["nc", "raise", "--title", "X", "--severity", "minor", "--user", "inspector"])
    assert result.exit_code == 1 and "inspector" in result.output  # the user id, as typed
    run("nc", "raise", "--title", "X", "--severity", "minor")
    refused = CliRunner().invoke(main, ["nc", "advance", "NC-0001", "contain", "--containment", "x",
                                        "--user", "auditor.justice"])
    assert refused.exit_code == 1
    assert "ghi biện pháp ngăn chặn" in refused.output and "chuyên gia đánh giá" in refused.output
    assert "quality_officer" not in refused.output
