"""Approval freezes an issue (hash) and retires its predecessor; diff shows field-level
changes; the exported JSON Schemas accept every sample file."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from qms.core.errors import QmsError, ValidationFailed
from qms.library import content_hash, load_library, validate_library
from qms.library.approve import approve, set_top_level
from qms.library.diff import diff_documents
from qms.core.yaml_source import read_yaml
from qms.core.resources import sample_library_dir

@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Messages in English for the assertions; restored afterwards (the CLI sets the
    language globally)."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")



@pytest.fixture
def library_copy(tmp_path) -> Path:
    root = tmp_path / "process_docs"
    shutil.copytree(sample_library_dir(), root)
    return root


def draft_issue_3(root: Path) -> Path:
    """Issue 3 of QT-XD-01: a copy of issue 2 with a shorter limit, as a draft."""
    source = root / "procedures" / "QT-XD-01" / "issue-2.yaml"
    text = source.read_text(encoding="utf-8")
    for key in ("approved_by", "content_sha256"):
        text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(f"{key}:"))
    text = (
        text.replace("status: approved", "status: draft")
        .replace("issue: 2", "issue: 3")
        .replace("effective_from: 2025-07-01", "effective_from: 2026-01-01")
        .replace("time_limit: {amount: 10, unit: working_days}", "time_limit: {amount: 9, unit: working_days}  # cut again")
        .replace("    allotted: {amount: 6, unit: working_days}", "    allotted: {amount: 5, unit: working_days}")
    )
    target = source.with_name("issue-3.yaml")
    target.write_text(text, encoding="utf-8")
    return target


def test_approve_freezes_the_issue_and_retires_its_predecessor(library_copy):
    new_file = draft_issue_3(library_copy)
    before = load_library(library_copy)
    # Still a draft: issue 2 is open-ended and in force.
    assert before.procedure("QT-XD-01", dt.date(2026, 1, 1)).issue == 2

    result = approve("QT-XD-01", 3, "Trần Văn Minh", path=library_copy, title="Phó Giám đốc", on=dt.date(2025, 12, 15))
    assert result.superseded_issue == 2
    assert result.superseded_effective_to == dt.date(2025, 12, 31)

    after = load_library(library_copy)
    issue_3 = after.procedure("QT-XD-01", dt.date(2026, 1, 1))
    assert issue_3.issue == 3 and issue_3.status.value == "approved"
    assert issue_3.approved_by.name == "Trần Văn Minh" and issue_3.approved_by.date == dt.date(2025, 12, 15)
    assert issue_3.content_sha256 == content_hash(issue_3) == result.content_sha256
    issue_2 = after.procedure("QT-XD-01", dt.date(2025, 12, 31))
    assert issue_2.issue == 2 and issue_2.status.value == "obsolete" and issue_2.effective_to == dt.date(2025, 12, 31)
    # The author's text survives: the comment on the time limit and the header comment.
    text = new_file.read_text(encoding="utf-8")
    assert "# cut again" in text and text.startswith("# Illustrative sample")
    assert "status: approved\n" in text


def test_approving_twice_or_a_missing_issue_fails(library_copy):
    with pytest.raises(QmsError, match="QT-XD-01"):
        approve("QT-XD-01", 2, "X", path=library_copy)
    with pytest.raises(QmsError):
        approve("QT-XD-01", 9, "X", path=library_copy)


def test_approve_refuses_an_invalid_library_and_leaves_files_alone(library_copy):
    new_file = draft_issue_3(library_copy)
    broken = library_copy / "procedures" / "QT-DD-01" / "issue-1.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("time_limit:", "time_limt:"), encoding="utf-8")
    original = new_file.read_text(encoding="utf-8")
    with pytest.raises(ValidationFailed):
        approve("QT-XD-01", 3, "X", path=library_copy)
    assert new_file.read_text(encoding="utf-8") == original


def test_approve_undoes_itself_when_the_result_would_not_validate(library_copy, monkeypatch):
    # Fault injection: a wrong hash written into the file must not survive.
    import qms.library.approve as approve_module

    new_file = draft_issue_3(library_copy)
    issue_2 = new_file.with_name("issue-2.yaml")
    originals = {p: p.read_text(encoding="utf-8") for p in (new_file, issue_2)}
    monkeypatch.setattr(approve_module, "content_hash", lambda document: "0" * 64)
    with pytest.raises(ValidationFailed):
        approve("QT-XD-01", 3, "X", path=library_copy)
    assert {p: p.read_text(encoding="utf-8") for p in originals} == originals
    assert validate_library(library_copy)[1] == []


def test_a_new_issue_must_start_after_the_one_it_supersedes(library_copy):
    new_file = draft_issue_3(library_copy)
    new_file.write_text(new_file.read_text(encoding="utf-8").replace("effective_from: 2026-01-01", "effective_from: 2025-07-01"), encoding="utf-8")
    with pytest.raises(QmsError, match="QT-XD-01|2025-07-01"):
        approve("QT-XD-01", 3, "X", path=library_copy)
    assert validate_library(library_copy)[1] == []


def test_approve_without_a_workspace_does_not_touch_the_bundled_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(QmsError, match="inside a workspace"):
        approve("QT-XD-01", 3, "X")


def test_set_top_level_keeps_comments_and_block_values():
    text = "a: 1\nlist:\n  - x\n  - y\n# about b\nb: 2  # keep\n"
    assert set_top_level(text, "list", "[z]") == "a: 1\nlist: [z]\n# about b\nb: 2  # keep\n"
    assert set_top_level(text, "c", "3", after=("a",)) == "a: 1\nc: 3\nlist:\n  - x\n  - y\n# about b\nb: 2  # keep\n"
    assert set_top_level("a: 1", "b", "2").endswith("a: 1\nb: 2\n")


# ----- hashes ------------------------------------------------------------------------------

def test_hash_ignores_layout_and_lifecycle_but_not_content(tmp_path):
    from qms.model.procedure import Procedure

    library = load_library(sample_library_dir())
    procedure = library.procedure_issue("QT-XD-01", 1)
    path, _line = library.source_of(procedure)
    data = read_yaml(path).data
    # The same content in another layout (block style, keys in reverse order).
    restyled = tmp_path / "restyled.yaml"
    restyled.write_text(yaml.safe_dump(dict(reversed(list(data.items()))), allow_unicode=True, default_flow_style=False), encoding="utf-8")
    again = Procedure.model_validate(read_yaml(restyled).data)
    assert content_hash(again) == procedure.content_sha256
    # Lifecycle fields are outside the hash.
    assert content_hash(procedure.model_copy(update={"status": "draft", "effective_to": None})) == procedure.content_sha256
    # Content is inside it, down to one character of a step name.
    changed = procedure.model_copy(deep=True)
    changed.steps[1].name.vi += "."
    assert content_hash(changed) != procedure.content_sha256


_SAMPLE_PERMIT = load_library(sample_library_dir()).procedure_issue("QT-XD-01", 1)


@settings(max_examples=25, deadline=None)
@given(amount=st.floats(min_value=0.25, max_value=15, allow_nan=False).map(lambda x: round(x * 4) / 4))
def test_hash_changes_exactly_when_the_time_limit_changes(amount):
    procedure = _SAMPLE_PERMIT
    other = procedure.model_copy(deep=True)
    other.time_limit.amount = amount
    assert (content_hash(other) == procedure.content_sha256) == (amount == procedure.time_limit.amount)


# ----- diff ------------------------------------------------------------------------------------

def test_diff_of_the_two_construction_permit_issues():
    library = load_library(sample_library_dir())
    lines = [str(c) for c in diff_documents(library.issue("QT-XD-01", 1), library.issue("QT-XD-01", 2))]
    assert "~ time_limit.amount: 15 → 10" in lines
    assert "~ steps[appraise].allotted.amount: 10 → 6" in lines
    assert "~ effective_from: 2023-06-01 → 2025-07-01" in lines
    assert any(line.startswith("+ references[") and "118/2025" in line for line in lines)


def test_diff_matches_steps_by_id():
    library = load_library(sample_library_dir())
    before = library.issue("QT-XD-01", 2)
    after = before.model_copy(deep=True)
    inserted = after.steps[1].model_copy(update={"id": "site_visit"})
    after.steps.insert(1, inserted)
    changes = diff_documents(before, after)
    kinds = [(c.kind, c.path) for c in changes]
    assert ("added", "steps[site_visit]") in kinds
    assert not any(c.path.startswith("steps[returned]") for c in changes)
    assert diff_documents(before, before) == []


