"""`qms db`, `qms nc` from the command line: the documented commands and their exit codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import text

from qms.cli import main


@pytest.fixture
def run(tmp_path, workspace_config, db_url, monkeypatch):
    """Invoke qms in a workspace folder with qms.yaml, on the test database."""
    (tmp_path / "qms.yaml").write_text(yaml.safe_dump(workspace_config.model_dump(mode="json")), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    monkeypatch.delenv("QMS_USER", raising=False)

    def invoke(*args, expect=0):
        result = CliRunner().invoke(main, ["--lang", "en", *args])
        assert result.exit_code == expect, result.output
        if expect == 1:
            assert "Traceback" not in result.output
        return result.output

    return invoke


def test_db_upgrade_is_idempotent(run):
    from qms.db.database import SCHEMA_REVISION

    first = json.loads(run("db", "upgrade", "--format", "json"))
    assert first["revision"] == first["revision_before"] == SCHEMA_REVISION == "0004"  # the fixture migrated it
    assert f"already at revision {SCHEMA_REVISION}" in run("db", "upgrade")


def test_nc_lifecycle_from_the_command_line(run):
    assert "Raised NC-0001" in run("nc", "raise", "--user", "lan", "--title", "Trả kết quả trễ", "--severity",
                                   "major", "--unit", "TNMT", "--evidence", "dossier:HS-1")
    run("nc", "advance", "NC-0001", "contain", "--user", "lan", "--containment", "Xin lỗi người nộp")
    run("nc", "advance", "NC-0001", "analyse", "--user", "hung", "--cause", "methods=Không có bước kiểm soát hạn",
        "--cause", "people=Thiếu cán bộ", "--root-cause", "Quy trình thiếu bước")
    due = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    out = run("nc", "advance", "1", "plan", "--user", "lan", "--action", f"Sửa quy trình|lan|{due}",
              "--expect-version", "3", "--format", "json")
    assert json.loads(out)["state"] == "action_plan"
    refused = run("nc", "advance", "1", "implement", "--user", "lan", expect=1)
    assert "not approved yet" in refused and "actions not done yet: 1" in refused
    run("nc", "advance", "1", "approve", "--user", "hung")
    stale = run("nc", "advance", "1", "implement", "--user", "lan", "--expect-version", "4", expect=1)
    assert "changed by hung (approve" in stale and "version 4" in stale and "version 5" in stale
    later = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    overdue = json.loads(run("nc", "overdue", "--today", later, "--format", "json"))
    assert [(r["nc"], r["owner"], r["days_overdue"]) for r in overdue] == [("NC-0001", "lan", 4)]
    run("nc", "action-done", "1", "1", "--user", "lan")
    run("nc", "advance", "1", "implement", "--user", "hung")
    run("nc", "advance", "1", "verify", "--user", "mai", "--not-effective", "--note", "Còn trễ")
    shown = json.loads(run("nc", "show", "NC-0001", "--format", "json"))
    assert (shown["state"], shown["cycle"], shown["cause_method"]) == ("containment", 2, "fishbone")
    assert "#8" in run("nc", "show", "1")
    rows = json.loads(run("nc", "list", "--format", "json"))
    assert [(r["code"], r["state"]) for r in rows] == [("NC-0001", "containment")]
    assert "History intact: 8 entries" in run("nc", "verify")


def test_refusals_exit_1_with_the_reason(run):
    assert "--user or QMS_USER" in run("nc", "raise", "--title", "x", "--severity", "minor", expect=1)
    assert "read-only" in run("nc", "raise", "--user", "tra", "--title", "x", "--severity", "minor", expect=1)
    assert "No nonconformity 9" in run("nc", "show", "9", expect=1)
    run("nc", "advance", "1", "plan", "--user", "lan", "--action", "no-separators", expect=2)


def test_raise_from_check_twice_then_list(run, tmp_path, check_samples):
    cs = check_samples
    check = cs.write(tmp_path / "check-out", cs.findings(), cs.received)
    out = run("nc", "raise-from-check", str(check), "--user", "lan")
    assert "4 NC(s) raised" in out and "finished_late" in out
    again = json.loads(run("nc", "raise-from-check", str(check), "--user", "lan", "--format", "json"))
    assert again["raised"] == [] and again["unchanged"] == 4
    assert len(json.loads(run("nc", "list", "--source", "check", "--format", "json"))) == 4
    later = cs.write(tmp_path / "later", [*cs.findings(), cs.finding("HS-005")], cs.received)
    extended = run("nc", "raise-from-check", str(later), "--user", "lan")
    assert "1 extended" in extended and "New dossiers added to existing NCs" in extended


def test_verify_fails_after_tampering_and_export_writes_the_register(run, tmp_path, db_url):
    from qms.db import open_database

    run("nc", "raise", "--user", "lan", "--title", "A", "--severity", "minor")
    run("nc", "raise", "--user", "lan", "--title", "B", "--severity", "minor")
    exported = json.loads(run("nc", "export", "--out", str(tmp_path / "register.json"), "--format", "json"))
    assert exported["nonconformities"] == 2 and exported["chain_ok"]
    data = json.loads((tmp_path / "register.json").read_text(encoding="utf-8"))
    assert [e["action"] for e in data["history"]] == ["raise", "raise"]
    run("nc", "export", "--out", str(tmp_path / "register.xlsx"))
    run("nc", "export", "--out", str(tmp_path / "register.csv"))
    assert "NC-0002" in (tmp_path / "register.csv").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "register.xlsx").sheetnames == ["nonconformities", "actions", "evidence", "history"]
    database = open_database(db_url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE history SET actor = 'hung' WHERE seq = 1"))
    database.dispose()
    broken = run("nc", "verify", expect=1)
    assert "first entry that does not match is #1" in broken


def test_audit_commands_end_to_end(run, tmp_path, programme_yaml, checklist):
    from openpyxl import load_workbook

    checklist_file = tmp_path / "checklist.yaml"
    checklist_file.write_text(yaml.safe_dump(checklist.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    assert "2 added" in run("audit", "programme", str(programme_yaml), "--user", "lan")
    refused = run("audit", "plan", "DG-2026-01", "--date", "2026-03-17", "--lead", "son", "--auditee", "binh",
                  "--checklist", str(checklist_file), "--user", "lan", expect=1)
    assert "must not audit their own unit" in refused
    assert "4 checklist item(s)" in run("audit", "plan", "DG-2026-01", "--date", "2026-03-17", "--lead", "mai",
                                        "--auditee", "binh", "--checklist", str(checklist_file), "--user", "lan")
    sheet = tmp_path / "dg.xlsx"
    run("audit", "sheet", "DG-2026-01", "--out", str(sheet))
    workbook = load_workbook(sheet)
    workbook["Checklist"]["E8"] = "Minor NC"
    workbook["Checklist"]["E9"] = "nonsense"
    workbook.save(sheet)
    bad = run("audit", "record", "DG-2026-01", str(sheet), "--user", "mai", expect=1)
    assert "cell E8: a nonconformity needs its evidence" not in bad  # F8 is the evidence cell
    assert "cell F8: a nonconformity needs its evidence" in bad and "cell E9: 'nonsense' is not a result" in bad
    workbook["Checklist"]["F8"] = "Bản QT-01 lần 1 đang dùng"
    workbook["Checklist"]["E9"] = "conforming"
    workbook.save(sheet)
    done = json.loads(run("audit", "record", "DG-2026-01", str(sheet), "--user", "mai", "--format", "json"))
    assert done["raised"] == ["NC-0001"] and done["not_recorded"] == 2
    run("audit", "record", "DG-2026-01", "--item", "NCO-1", "--result", "ofi", "--user", "mai")
    shown = json.loads(run("audit", "show", "DG-2026-01", "--format", "json"))
    assert shown["coverage"]["recorded"] == 3 and shown["nonconformities"] == ["NC-0001"]
    programme = json.loads(run("audit", "programme", "--year", "2026", "--format", "json"))
    assert [a["status"] for a in programme["audits"]] == ["recorded", "programmed"]
    assert "Usage" in run("audit", "record", "DG-2026-01", "--user", "mai", expect=2)


def test_audit_plan_with_a_checklist_of_the_workspace_library(tmp_path, monkeypatch, db_url):
    """`qms init` workspace: users from its qms.yaml, checklist code resolved in its library."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    runner = CliRunner()
    assert runner.invoke(main, ["--lang", "en", "init", "."]).exit_code == 0
    (tmp_path / "prog.yaml").write_text(
        "year: 2026\ntitle: Chương trình 2026\naudits:\n  - code: DG-2026-01\n    title: Một cửa\n"
        "    units: [MOTCUA]\n    clauses: ['8.5.1', '8.7']\n", encoding="utf-8")
    monkeypatch.setenv("QMS_USER", "iso.secretary")
    assert runner.invoke(main, ["--lang", "en", "audit", "programme", "prog.yaml"]).exit_code == 0
    result = runner.invoke(main, ["--lang", "en", "audit", "plan", "DG-2026-01", "--date", "2026-03-10", "--lead",
                                  "auditor.justice", "--auditee", "deputy.director", "--checklist", "DG-ISO-01",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    planned = json.loads(result.output)
    assert planned["checklist_code"] == "DG-ISO-01" and planned["checklist_items"]["count"] >= 2
    missing = runner.invoke(main, ["--lang", "en", "audit", "plan", "DG-2026-01", "--date", "2026-03-10", "--lead",
                                   "auditor.justice", "--auditee", "deputy.director", "--checklist", "NO-SUCH"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_two_processes_advancing_one_nc_at_once(run, tmp_path, db_url):
    """Real separate processes (separate SQLite file locks / PostgreSQL sessions)."""
    import os
    import subprocess
    import sys

    import qms

    run("nc", "raise", "--user", "lan", "--title", "Hồ sơ trễ", "--severity", "minor")
    env = {**os.environ, "PYTHONPATH": str(Path(qms.__file__).resolve().parents[1]), "QMS_DATABASE_URL": db_url,
           "QMS_LANG": "en"}
    command = [sys.executable, "-m", "qms", "nc", "advance", "NC-0001", "contain", "--expect-version", "1",
               "--containment"]
    processes = [subprocess.Popen([*command, f"Biện pháp {n}", "--user", user], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n, user in ((1, "lan"), (2, "hung"))]
    outcomes = [(p.wait(timeout=120), p.stdout.read() + p.stderr.read()) for p in processes]
    assert sorted(code for code, _output in outcomes) == [0, 1], outcomes
    loser = next(output for code, output in outcomes if code == 1)
    assert "was changed by" in loser and "Traceback" not in loser
    assert "History intact: 2 entries" in run("nc", "verify")


def test_export_keeps_formula_looking_text_as_text(run, tmp_path):
    from openpyxl import load_workbook

    hostile = '=HYPERLINK("http://example.invalid","bấm vào đây")'
    run("nc", "raise", "--user", "lan", "--title", hostile, "--severity", "minor")
    run("nc", "export", "--out", str(tmp_path / "register.xlsx"))
    sheet = load_workbook(tmp_path / "register.xlsx")["nonconformities"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == hostile]
    assert cells, "the title was not exported"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


def test_csv_export_keeps_formula_looking_text_from_running(run, tmp_path):
    import csv

    hostile = '=HYPERLINK("http://example.invalid","bấm vào đây")'
    run("nc", "raise", "--user", "lan", "--title", hostile, "--severity", "minor")
    run("nc", "export", "--out", str(tmp_path / "register.csv"))
    with (tmp_path / "register.csv").open(encoding="utf-8", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert "'" + hostile in titles and hostile not in titles
