"""`qms init` and `qms docs …` through the real command line: output and exit codes
(0 success, 1 invalid input, 2 usage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from qms.cli import main
from qms.library import load_library
from qms.core.resources import sample_library_dir

@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Messages in English for the assertions; restored afterwards (the CLI sets the
    language globally)."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")



def run(*args: str, cwd: Path | None = None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "ws"
    result = run("init", str(root))
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(root)
    return root


def test_init_creates_a_workspace_that_validates(workspace):
    assert (workspace / "qms.yaml").is_file()
    config = yaml.safe_load((workspace / "qms.yaml").read_text(encoding="utf-8"))
    assert config["signatories"]["approved_by"] in config["users"]
    result = run("docs", "validate")
    assert result.exit_code == 0
    assert str(workspace / "process_docs") in result.output
    assert "procedures" in result.output


def test_init_refuses_to_overwrite(workspace):
    result = run("init", str(workspace))
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_validate_sample_and_broken_library(tmp_path):
    assert run("docs", "validate", str(sample_library_dir())).exit_code == 0
    (tmp_path / "p.yaml").write_text("kind: procedure\ncode: X\nissue: one\n", encoding="utf-8")
    (tmp_path / "q.yaml").write_text("kind: procedure\n\tcode: Y\n", encoding="utf-8")
    result = run("docs", "validate", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'p.yaml'}:3: issue: " in result.output
    assert f"{tmp_path / 'q.yaml'}:2: " in result.output
    assert "Traceback" not in result.output


def test_validate_a_missing_folder_is_an_input_error(tmp_path):
    result = run("docs", "validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1


def test_list_table_and_json(workspace):
    table = run("docs", "list")
    assert table.exit_code == 0
    assert "QT-XD-01" in table.output and "obsolete" in table.output
    rows = json.loads(run("docs", "list", "--at", "2025-07-01", "--format", "json").output)
    xd = [row for row in rows if row["code"] == "QT-XD-01"]
    assert [row["issue"] for row in xd] == [2]
    assert all(row["status"] == "approved" for row in rows)
    assert run("docs", "list", "--at", "1.7.2025").exit_code == 2


def test_show_formats(workspace):
    text = run("docs", "show", "QT-XD-01", "--at", "2025-06-30")
    assert text.exit_code == 0
    assert "Issue 1" in text.output and "15 working days" in text.output
    data = json.loads(run("docs", "show", "QT-XD-01", "--issue", "2", "--format", "json").output)
    assert data["time_limit"]["amount"] == 10
    as_yaml = yaml.safe_load(run("docs", "show", "QT-CT-01", "--format", "yaml").output)
    assert as_yaml["receipt_cutoff"] == "15:00:00"
    assert run("docs", "show", "NOPE").exit_code == 1
    assert run("docs", "show", "QT-XD-01", "--issue", "1", "--at", "2025-01-01").exit_code == 2
    assert run("docs", "show", "QT-XD-01", "--at", "2020-01-01").exit_code == 1


def test_diff_output(workspace):
    result = run("docs", "diff", "QT-XD-01", "1", "2")
    assert result.exit_code == 0
    assert "~ time_limit.amount: 15 → 10" in result.output.splitlines()
    changes = json.loads(run("docs", "diff", "QT-XD-01", "1", "2", "--format", "json").output)
    assert {"path": "time_limit.amount", "change": "changed", "before": 15.0, "after": 10.0} in changes
    assert run("docs", "diff", "QT-XD-01", "1", "7").exit_code == 1
    assert run("docs", "diff", "QT-XD-01", "1").exit_code == 2


def test_approve_in_a_workspace(workspace):
    folder = workspace / "process_docs" / "procedures" / "QT-HT-01"
    text = (folder / "issue-1.yaml").read_text(encoding="utf-8")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(("approved_by:", "content_sha256:")))
    text = text.replace("issue: 1", "issue: 2").replace("status: approved", "status: draft").replace("effective_from: 2024-01-02", "effective_from: 2026-01-01")
    (folder / "issue-2.yaml").write_text(text, encoding="utf-8")
    assert run("docs", "approve", "QT-HT-01", "--issue", "2").exit_code == 2  # --by missing
    result = run("docs", "approve", "QT-HT-01", "--issue", "2", "--by", "Trần Văn Minh", "--date", "2025-12-20")
    assert result.exit_code == 0, result.output
    assert "issue 1 marked obsolete" in result.output and "2025-12-31" in result.output
    library = load_library(workspace / "process_docs")
    assert library.procedure("QT-HT-01", "2026-01-01").issue == 2
    assert run("docs", "approve", "QT-HT-01", "--issue", "2", "--by", "X").exit_code == 1
    assert run("docs", "validate").exit_code == 0


def test_schema_export(tmp_path):
    result = run("docs", "schema", str(tmp_path / "schemas"))
    assert result.exit_code == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert "procedure.schema.json" in written and "qms.schema.json" in written
    assert json.loads((tmp_path / "schemas" / "checklist.schema.json").read_text(encoding="utf-8"))["title"] == "Checklist"


def test_broken_workspace_config_is_located(tmp_path, monkeypatch):
    (tmp_path / "qms.yaml").write_text("organisation:\n  name: {vi: X}\nlanguage: fr\n", encoding="utf-8")
    result = run("docs", "list", cwd=tmp_path, monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert f"{tmp_path / 'qms.yaml'}:3: language:" in result.output


def test_load_library_default_is_the_workspace_then_the_sample(workspace, tmp_path, monkeypatch):
    assert load_library().root == workspace / "process_docs"
    monkeypatch.chdir(tmp_path)
    assert load_library().root == sample_library_dir()


def test_messages_are_vietnamese_by_default(tmp_path):
    (tmp_path / "p.yaml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "vi", "docs", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "tệp rỗng" in result.output


def test_the_examples_in_the_reference_page_validate():
    """Every YAML example with a `kind:` in docs/process-documents.md is valid for its model,
    and the workspace example is a valid qms.yaml."""
    import re

    from qms.library.loader import KIND_MODELS
    from qms.model.workspace import WorkspaceConfig

    page = Path(__file__).resolve().parents[1] / "docs" / "process-documents.md"
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    kinds = []
    for block in blocks:
        data = yaml.safe_load(block)
        if not isinstance(data, dict):
            continue
        if "kind" in data:
            KIND_MODELS[data["kind"]].model_validate(data)
            kinds.append(data["kind"])
        elif "organisation" in data:
            WorkspaceConfig.model_validate(data)
            kinds.append("workspace")
    assert sorted(kinds) == ["calendar", "checklist", "procedure", "ruleset", "workspace"]


def test_validate_a_single_file(tmp_path):
    sample_file = sample_library_dir() / "procedures" / "QT-CT-01" / "issue-1.yaml"
    assert run("docs", "validate", str(sample_file)).exit_code == 0
    broken = tmp_path / "one.yaml"
    broken.write_text(sample_file.read_text(encoding="utf-8").replace("amount: 6,", "amount: 5,"), encoding="utf-8")
    result = run("docs", "validate", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:" in result.output and "content_sha256" in result.output


def test_new_issue_then_approve(workspace):
    result = run("docs", "new-issue", "RS-MOTCUA", "--effective-from", "2026-01-01")
    assert result.exit_code == 0, result.output
    draft = workspace / "process_docs" / "rulesets" / "RS-MOTCUA" / "issue-3.yaml"
    text = draft.read_text(encoding="utf-8")
    assert "issue: 3\n" in text and "status: draft\n" in text and "effective_from: 2026-01-01\n" in text
    assert "content_sha256" not in text and "approved_by" not in text
    assert text.startswith("# Illustrative sample")  # the author's comments come along
    assert run("docs", "validate").exit_code == 0
    draft.write_text(text.replace("max_supplement_requests: 1", "max_supplement_requests: 2"), encoding="utf-8")
    assert run("docs", "approve", "RS-MOTCUA", "--issue", "3", "--by", "Trần Văn Minh").exit_code == 0
    changes = run("docs", "diff", "RS-MOTCUA", "2", "3").output.splitlines()
    assert "~ max_supplement_requests: 1 → 2" in changes
    assert run("docs", "new-issue", "RS-MOTCUA", "--effective-from", "2025-12-31").exit_code == 1
