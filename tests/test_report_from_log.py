"""`qms report LOG` runs the check engine and gives exactly the report of
`qms check LOG --out DIR` followed by `qms report --from-check DIR`."""

import json

import pytest
from click.testing import CliRunner

from qms.cli import main

pytestmark = pytest.mark.slow


def test_report_of_a_log_equals_report_of_its_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    generated = runner.invoke(main, ["generate", "-n", "200", "--seed", "5", "--out", "log.csv"])
    assert generated.exit_code == 0, generated.output
    direct = runner.invoke(main, ["report", "log.csv", "--pdf", "direct.pdf", "--xlsx", "direct.xlsx",
                                  "--format", "json"])
    assert direct.exit_code == 0, direct.output
    checked = runner.invoke(main, ["check", "log.csv", "--out", "check"])
    assert checked.exit_code == 0, checked.output
    saved = runner.invoke(main, ["report", "--from-check", "check", "--pdf", "saved.pdf", "--format", "json"])
    assert saved.exit_code == 0, saved.output
    direct_result, saved_result = json.loads(direct.stdout), json.loads(saved.stdout)
    assert direct_result["figures_sha256"] == saved_result["figures_sha256"]
    assert direct_result["report_id"] == saved_result["report_id"]
    assert (tmp_path / "direct.pdf").stat().st_size > 10_000


def test_same_inputs_same_report_id_however_the_path_is_typed(tmp_path, monkeypatch):
    """`../log.csv`, an absolute path and a copy in another folder are the same input."""
    import shutil

    from qms.report import build_report
    from qms.report.pdf import render_html

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["generate", "-n", "60", "--seed", "8", "--out", "log.csv"]).exit_code == 0
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(tmp_path / "log.csv", tmp_path / "elsewhere" / "log.csv")
    spellings = {"plain": "log.csv", "absolute": str(tmp_path / "log.csv"),
                 "copy": str(tmp_path / "elsewhere" / "log.csv")}
    ids = {}
    for name, path in spellings.items():
        result = runner.invoke(main, ["check", path, "--out", str(tmp_path / name), "--as-of", "2025-12-31"])
        assert result.exit_code == 0, result.output
        ids[name] = build_report(tmp_path / name).report_id
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = runner.invoke(main, ["check", "../log.csv", "--out", str(tmp_path / "dotdot"), "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    model = build_report(tmp_path / "dotdot")
    ids["dotdot"] = model.report_id
    assert len(set(ids.values())) == 1, ids
    # The methodology names the file and its hash, not the path as someone typed it.
    html = render_html(model)
    assert "../log.csv" not in html and ">log.csv<" in html
    assert model.inputs[0]["sha256"] in html
