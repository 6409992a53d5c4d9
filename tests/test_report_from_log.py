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
