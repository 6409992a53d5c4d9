"""Commands that report something print JSON with --format json; docs approve takes
the approver as a qms.yaml user id (--user), recording their name and title."""

from __future__ import annotations

import json

from click.testing import CliRunner

from qms.cli import main


def run(*args: str) -> dict | list:
    result = CliRunner().invoke(main, ["--lang", "en", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_init_validate_new_issue_and_approve_as_json(tmp_path, monkeypatch):
    monkeypatch.delenv("QMS_USER", raising=False)
    created = run("init", str(tmp_path / "ws"), "--format", "json")
    assert created["config"] == str(tmp_path / "ws" / "qms.yaml")
    monkeypatch.chdir(tmp_path / "ws")
    valid = run("docs", "validate", "--format", "json")
    assert valid["valid"] and valid["issues"] == sum(valid["by_kind"].values()) and valid["by_kind"]["calendar"] == 1
    drafted = run("docs", "new-issue", "QT-HT-01", "--effective-from", "2026-01-01", "--format", "json")
    assert drafted["issue"] == 2 and drafted["based_on"] == 1
    approved = run("docs", "approve", "QT-HT-01", "--issue", "2", "--user", "deputy.director", "--date", "2025-12-20",
                   "--format", "json")
    assert (approved["approved_by"], approved["title"]) == ("Trần Văn Minh", "Phó Giám đốc")
    assert approved["superseded_issue"] == 1 and approved["superseded_effective_to"] == "2025-12-31"
    assert len(approved["content_sha256"]) == 64
    assert "Trần Văn Minh" in (tmp_path / "ws" / drafted["path"]).read_text(encoding="utf-8")  # absolute stays absolute
    assert run("docs", "schema", str(tmp_path / "schemas"), "--format", "json")
