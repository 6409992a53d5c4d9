"""One database-URL resolver: every command of a workspace finds the same register,
from any subfolder, when qms.yaml names a relative SQLite file."""

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qms.cli import main
from qms.db import resolve_database_url
from qms.workspace import load_workspace
from report_support import write_check_output


@pytest.fixture
def subfolder(tmp_path, monkeypatch):
    """A workspace whose qms.yaml says `database_url: sqlite:///reg.db`, and cwd in a subfolder of it."""
    monkeypatch.delenv("QMS_DATABASE_URL", raising=False)
    monkeypatch.delenv("QMS_USER", raising=False)
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    config = tmp_path / "ws" / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("database_url: null", "database_url: sqlite:///reg.db"),
                      encoding="utf-8")
    (tmp_path / "ws" / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "ws" / "sub" / "deeper")
    return tmp_path / "ws"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_uses_the_register_next_to_qms_yaml(subfolder, tmp_path):
    register = subfolder / "reg.db"
    upgraded = json.loads(run("db", "upgrade", "--format", "json"))
    assert upgraded["database"] == f"sqlite:///{register}"
    run("nc", "raise", "--title", "Thiếu sổ theo dõi", "--severity", "minor", "--user", "iso.secretary")
    assert [row["code"] for row in json.loads(run("nc", "list", "--format", "json"))] == ["NC-0001"]
    assert json.loads(run("nc", "show", "NC-0001", "--format", "json"))["title"] == "Thiếu sổ theo dõi"
    assert json.loads(run("nc", "verify", "--format", "json"))["ok"]
    (subfolder / "prog.yaml").write_text(
        "year: 2026\ntitle: Chương trình 2026\naudits:\n  - code: DG-2026-01\n    title: Một cửa\n"
        "    units: [MOTCUA]\n    clauses: ['8.5.1']\n", encoding="utf-8")
    run("audit", "programme", str(subfolder / "prog.yaml"), "--user", "iso.secretary")
    run("audit", "plan", "DG-2026-01", "--date", "2026-03-10", "--lead", "auditor.justice", "--auditee",
        "deputy.director", "--checklist", "DG-ISO-01", "--user", "iso.secretary")
    assert json.loads(run("audit", "show", "DG-2026-01", "--format", "json"))["audit"]["code"] == "DG-2026-01"
    assert json.loads(run("nc", "overdue", "--format", "json")) == []
    # The report finds the register too, and says so in its workbook.
    check_dir = write_check_output(tmp_path / "check", 60, seed=3)
    run("report", "--from-check", str(check_dir), "--xlsx", "r.xlsx", "--format", "json")
    sheet = load_workbook("r.xlsx")["Nonconformities"]
    # the register was found (its NCs are counted within the report's period, which the fresh NC is outside)
    assert ("Change history intact", "yes") in [row[:2] for row in sheet.iter_rows(values_only=True)]
    # Nothing was created beside the current folder.
    assert sorted(p.name for p in subfolder.glob("**/*.db")) == ["reg.db"]
    assert load_workspace(subfolder).database_url == f"sqlite:///{register}"


def test_precedence_of_the_sources(tmp_path, monkeypatch):
    monkeypatch.delenv("QMS_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    workspace = tmp_path / "ws"
    assert resolve_database_url(None, None, workspace) == f"sqlite:///{workspace / 'qms.db'}"
    assert resolve_database_url(None, "sqlite:///data/r.db", workspace) == f"sqlite:///{workspace / 'data' / 'r.db'}"
    assert resolve_database_url(None, "sqlite:////srv/r.db", workspace) == "sqlite:////srv/r.db"
    assert resolve_database_url(None, "postgresql+psycopg://u@h/qms", workspace) == "postgresql+psycopg://u@h/qms"
    # Typed on the command line or in the environment: taken as given (relative to cwd).
    assert resolve_database_url("sqlite:///cli.db", "sqlite:///r.db", workspace) == "sqlite:///cli.db"
    monkeypatch.setenv("QMS_DATABASE_URL", "sqlite:///env.db")
    assert resolve_database_url(None, "sqlite:///r.db", workspace) == "sqlite:///env.db"
