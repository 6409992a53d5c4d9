"""A workspace for a log from another administration: `qms init --empty`, and the
hints that lead a new user from an unassessable first check to a judged one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from qms.cli import main
from qms.core import i18n
from qms.library.approve import approve


@pytest.fixture(autouse=True)
def _keep_language(monkeypatch):
    monkeypatch.setattr(i18n, "_current_language", i18n._current_language)


def run(*args: str):
    return CliRunner().invoke(main, ["--lang", "en", *args])


LOG = """dossier_id,procedure_code,step,unit,at,received_at
C1,WABO-1,received,DESK,2012-01-02T09:00:00Z,2012-01-02T09:00:00Z
C1,WABO-1,processed,DESK,2012-01-05T09:00:00Z,2012-01-02T09:00:00Z
"""

PROCEDURE = """kind: procedure
code: WABO-1
issue: 1
status: draft
effective_from: 2010-01-01
title: {vi: Tiếp nhận hồ sơ cấp phép, en: Permit application receipt}
field: {vi: Môi trường, en: Environment}
time_limit: {amount: 8, unit: working_days}
steps:
  - {id: received, name: {vi: Tiếp nhận, en: Receipt}, unit: DESK}
  - {id: processed, name: {vi: Xử lý, en: Processing}, unit: DESK, result: true}
"""


def test_an_empty_workspace_leads_to_a_judged_log(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    result = run("init", str(root), "--empty", "--timezone", "Europe/Amsterdam", "--country", "NL")
    assert result.exit_code == 0, result.output
    docs = root / "process_docs"
    assert not (docs / "procedures").exists() or not any((docs / "procedures").iterdir())  # no Vietnamese sample
    calendar_file = docs / "calendars" / "LICH" / "issue-1.yaml"
    assert "timezone: Europe/Amsterdam" in calendar_file.read_text(encoding="utf-8")
    monkeypatch.chdir(root)
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")

    # 1. the calendar is a draft: the check says to approve it
    refused = run("check", str(log), "--out", str(tmp_path / "out"))
    assert refused.exit_code == 1 and "approve" in refused.output and "Traceback" not in refused.output
    approve("LICH", 1, "An", path=docs, on=dt.date(2012, 1, 1))

    # 2. the code is unknown: the warning names it and says what to write
    first = run("check", str(log), "--out", str(tmp_path / "out"))
    assert first.exit_code == 0, first.output
    assert "Hint: 1 dossier(s) have procedure codes the library does not know (WABO-1)" in first.output

    # 3. a procedure with only a draft issue: the warning says to approve it
    (docs / "procedures" / "WABO-1").mkdir(parents=True)
    (docs / "procedures" / "WABO-1" / "issue-1.yaml").write_text(PROCEDURE, encoding="utf-8")
    second = run("check", str(log), "--out", str(tmp_path / "out"))
    assert "Hint: procedure(s) WABO-1 have only draft issues" in second.output

    # 4. approved: the dossier is judged
    approve("WABO-1", 1, "An", path=docs, on=dt.date(2012, 1, 1))
    judged = json.loads(run("check", str(log), "--out", str(tmp_path / "out"), "--format", "json").stdout)
    assert judged["status_counts"].get("not_assessable", 0) == 0
    assert judged["manifest"]["calendar"]["code"] == "LICH"


def test_init_empty_refuses_an_unknown_zone_cleanly(tmp_path):
    result = run("init", str(tmp_path / "ws"), "--empty", "--timezone", "Mars/Olympus")
    assert result.exit_code == 1
    assert "Mars/Olympus" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "ws" / "qms.yaml").exists()
