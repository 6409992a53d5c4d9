"""Loading the library: every kind of bad input gets a located message (file:line:
field: what), all of them in one run, never a traceback; and the issue in force is
resolved at the right boundaries."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest

from qms.core.errors import ValidationFailed
from qms.library import NoIssueInForce, UnknownDocument, load_library, validate_library
from qms.library.hashing import content_hash
from qms.core.resources import sample_library_dir

PROCEDURE = """\
kind: procedure
code: QT-T-01
issue: {issue}
status: draft
effective_from: {effective_from}
title: {{vi: Thủ tục thử, en: Test procedure}}
field: {{vi: Thử nghiệm}}
time_limit: {{amount: {limit}, unit: working_days}}
steps:
  - id: received
    name: {{vi: Tiếp nhận}}
    unit: MOTCUA
    allotted: {{amount: 1, unit: working_days}}
  - id: appraise
    name: {{vi: Thẩm định}}
    unit: PHONG
    allotted: {{amount: 2, unit: working_days}}
  - id: returned
    name: {{vi: Trả kết quả}}
    unit: MOTCUA
    result: true
loops:
  - from_step: appraise
    to_step: received
"""

@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Messages in English for the assertions; restored afterwards (the CLI sets the
    language globally)."""
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")



def procedure_text(issue=1, effective_from="2024-01-01", limit=5):
    return PROCEDURE.format(issue=issue, effective_from=effective_from, limit=limit)


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(folder: Path) -> list[str]:
    library, problems = validate_library(folder)
    assert (library is None) == bool(problems)
    return [str(p) for p in problems]


def only_problem(folder: Path) -> str:
    found = problems_of(folder)
    assert len(found) == 1, found
    return found[0]


# ----- the sample ---------------------------------------------------------------

def test_sample_library_is_valid_and_complete():
    library = load_library(sample_library_dir())
    procedures = library.codes("procedure")
    assert len(procedures) >= 6
    assert len(library.documents("ruleset")) == 2
    iso = library.checklist("DG-ISO-01")
    assert len(iso.items) >= 40
    assert {item.clause.split(".")[0] for item in iso.items} == {str(n) for n in range(4, 11)}
    library.checklist("DG-MOTCUA-01")
    for document in library.documents():
        assert document.status.value in ("approved", "obsolete")
        assert document.content_sha256 == content_hash(document)


def test_sample_copy_certification_has_a_15h_cutoff_not_a_base60_number():
    procedure = load_library(sample_library_dir()).procedure("QT-CT-01", dt.date(2025, 3, 3))
    assert procedure.receipt_cutoff == dt.time(15, 0)


def test_unquoted_times_stay_times(tmp_path):
    # YAML 1.1 reads 15:00 as the integer 900; the loader must not.
    text = procedure_text().replace("time_limit:", "receipt_cutoff: 15:00\ntime_limit:")
    write(tmp_path, "p.yaml", text)
    library = load_library(tmp_path)
    assert library.procedure_issue("QT-T-01", 1).receipt_cutoff == dt.time(15, 0)


# ----- resolution at boundaries -----------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return load_library(sample_library_dir())


@pytest.mark.parametrize(
    "at, issue, amount",
    [
        (dt.date(2023, 6, 1), 1, 15),
        (dt.date(2025, 6, 30), 1, 15),
        (dt.date(2025, 7, 1), 2, 10),
        (dt.datetime(2025, 6, 30, 23, 59), 1, 15),  # naive = local time
        (dt.datetime(2025, 6, 30, 16, 59, 59, tzinfo=dt.timezone.utc), 1, 15),  # 23:59:59 in Hà Nội
        (dt.datetime(2025, 6, 30, 17, 0, tzinfo=dt.timezone.utc), 2, 10),  # 00:00 on 1 July in Hà Nội
        ("2025-07-01", 2, 10),
    ],
)
def test_procedure_in_force_at_boundaries(sample, at, issue, amount):
    procedure = sample.procedure("QT-XD-01", at)
    assert procedure.issue == issue
    assert procedure.time_limit.amount == amount


def test_ruleset_switches_on_1_july_2025(sample):
    assert sample.ruleset(dt.date(2025, 6, 30)).issue == 1
    assert "Nghị định 61/2018" in " ".join(sample.ruleset(dt.date(2025, 6, 30)).legal_basis)
    assert sample.ruleset(dt.date(2025, 7, 1)).issue == 2
    assert sample.ruleset(dt.date(2025, 7, 1), code="RS-MOTCUA").issue == 2


def test_no_issue_before_the_first_and_unknown_codes(sample):
    with pytest.raises(NoIssueInForce, match="2023-05-31"):
        sample.procedure("QT-XD-01", dt.date(2023, 5, 31))
    with pytest.raises(UnknownDocument, match="QT-NONE"):
        sample.procedure("QT-NONE", dt.date(2025, 1, 1))
    with pytest.raises(UnknownDocument):
        sample.procedure("RS-MOTCUA", dt.date(2025, 1, 1))  # a rule set, not a procedure


def test_listing_and_issues(sample):
    assert [p.issue for p in sample.issues("QT-XD-01")] == [1, 2]
    assert sample.procedure_issue("QT-XD-01", 1).status.value == "obsolete"
    in_force = sample.procedures(dt.date(2025, 7, 1))
    assert len(in_force) == len(sample.codes("procedure"))
    assert len(sample.procedures()) == len(in_force) + 1
    path, line = sample.source_of(sample.procedure_issue("QT-XD-01", 2))
    assert path.name == "issue-2.yaml" and line == 1
    assert sample.content_hash(sample.procedure_issue("QT-XD-01", 2)) == sample.procedure_issue("QT-XD-01", 2).content_sha256


def test_drafts_are_never_in_force(tmp_path):
    write(tmp_path, "p/issue-1.yaml", procedure_text())
    library = load_library(tmp_path)
    with pytest.raises(NoIssueInForce):
        library.procedure("QT-T-01", dt.date(2024, 6, 1))
    assert library.procedure_issue("QT-T-01", 1).status.value == "draft"


def test_calendar_documents_load_with_the_calendar_model(tmp_path):
    write(
        tmp_path,
        "calendars/LICH/issue-1.yaml",
        """\
        kind: calendar
        code: LICH
        issue: 1
        status: draft
        effective_from: 2024-01-01
        title: {vi: Lịch làm việc}
        office_hours:
          mon: [{start: 07:30, end: 11:30}, {start: 13:30, end: 17:00}]
        """,
    )
    library = load_library(tmp_path)
    calendar = library.documents("calendar")[0]
    assert calendar.office_hours["mon"][0].start == dt.time(7, 30)


# ----- located errors ---------------------------------------------------------------------

def test_malformed_yaml_is_located(tmp_path):
    write(tmp_path, "p.yaml", "kind: procedure\ncode: [unclosed\nissue: 1\n")
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:")
    assert "malformed YAML" in message or "YAML sai cú pháp" in message


def test_tabs_binary_empty_and_list_files(tmp_path):
    write(tmp_path, "tab.yaml", "kind: procedure\n\tcode: X\n")
    write(tmp_path, "binary.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00garbage")
    write(tmp_path, "latin1.yaml", "title: Ph\xf2ng\n".encode("latin-1"))
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "comments.yaml", "# nothing but a comment\n")
    write(tmp_path, "list.yaml", "- a\n- b\n")
    found = problems_of(tmp_path)
    assert len(found) == 6
    by_file = {Path(p.split(":")[0]).name: p for p in found}
    assert ":2:" in by_file["tab.yaml"] and "tab" in by_file["tab.yaml"]
    assert "binary" in by_file["binary.yaml"] or "nhị phân" in by_file["binary.yaml"]
    assert "UTF-8" in by_file["latin1.yaml"]
    assert ":1:" in by_file["empty.yaml"]
    assert "list" in by_file["list.yaml"]


def test_missing_and_unknown_kind(tmp_path):
    write(tmp_path, "a.yaml", "code: X\nissue: 1\n")
    write(tmp_path, "b.yaml", "code: X\nissue: 1\nkind: memo\n")
    found = problems_of(tmp_path)
    assert found[0].startswith(f"{tmp_path / 'a.yaml'}:1: kind:")
    assert found[1].startswith(f"{tmp_path / 'b.yaml'}:3: kind:") and "memo" in found[1]


def test_wrong_type_is_located_at_the_field(tmp_path, monkeypatch):
    write(tmp_path, "p.yaml", procedure_text().replace("amount: 2,", "amount: hai,"))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:17: steps[1].allotted.amount: ")
    assert "'hai'" in message


def test_unknown_field_suggests_the_right_name(tmp_path, monkeypatch):
    write(tmp_path, "p.yaml", procedure_text().replace("    unit: PHONG", "    unti: PHONG"))
    found = problems_of(tmp_path)
    assert f"{tmp_path / 'p.yaml'}:16: steps[1].unti: unknown field; did you mean 'unit'?" in found
    assert any(":14: steps[1].unit: required field is missing" in p for p in found)


def test_duplicate_keys_are_reported(tmp_path):
    write(tmp_path, "p.yaml", procedure_text() + "issue: 2\n")
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:25: issue:")


def test_loop_to_a_missing_step_is_located(tmp_path, monkeypatch):
    write(tmp_path, "p.yaml", procedure_text().replace("to_step: received", "to_step: recieved"))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:24: loops[0].to_step: no step has the id 'recieved'")


def test_allotted_times_exceeding_the_limit(tmp_path, monkeypatch):
    write(tmp_path, "p.yaml", procedure_text(limit=2.5))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:8: time_limit: ")
    assert "3 working days" in message and "2.5 working days" in message


def test_duplicate_step_ids_and_bad_terminal_outcome(tmp_path):
    text = procedure_text().replace("  - id: appraise", "  - id: received") + "terminal_outcomes: [refused, cancelled]\n"
    write(tmp_path, "p.yaml", text)
    found = problems_of(tmp_path)
    assert any(":14: steps[1].id:" in p for p in found)
    assert any(":25: terminal_outcomes[1]:" in p and "cancelled" in p for p in found)


def test_unknown_rule_id_in_a_ruleset(tmp_path):
    write(
        tmp_path,
        "r.yaml",
        """\
        kind: ruleset
        code: RS
        issue: 1
        effective_from: 2024-01-01
        title: {vi: Quy tắc}
        rules:
          finished_late: {severity: major}
          finnished_late: {enabled: false}
        """,
    )
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'r.yaml'}:8: rules.finnished_late:")


def test_checklist_clause_outside_4_to_10_and_duplicate_item(tmp_path):
    write(
        tmp_path,
        "c.yaml",
        """\
        kind: checklist
        code: CL
        issue: 1
        effective_from: 2024-01-01
        title: {vi: Danh mục}
        items:
          - {id: a, clause: 9.2, question: {vi: Câu một}}
          - {id: b, clause: "3.1", question: {vi: Câu hai}}
          - {id: a, clause: "10.2", question: {vi: Câu ba}}
        """,
    )
    found = problems_of(tmp_path)
    assert any(":8: items[1].clause:" in p for p in found)
    # an invalid clause elsewhere does not hide the duplicate id
    assert any(":9: items[2].id:" in p for p in found)


def test_every_error_in_every_file_in_one_run(tmp_path):
    write(tmp_path, "a.yaml", procedure_text().replace("amount: 2,", "amount: hai,").replace("to_step: received", "to_step: nowhere"))
    write(tmp_path, "b.yaml", "kind: procedure\n\tbad: tab\n")
    write(tmp_path, "c.yaml", procedure_text().replace("code: QT-T-01", "code: QT-T-02").replace("field:", "feild:"))
    with pytest.raises(ValidationFailed) as caught:
        load_library(tmp_path)
    problems = caught.value.problems
    assert sum("a.yaml" in p for p in problems) == 2
    assert sum("b.yaml" in p for p in problems) == 1
    assert sum("c.yaml" in p for p in problems) == 2  # unknown 'feild' and missing 'field'
    assert str(caught.value).count("\n") == len(problems)


# ----- between files -------------------------------------------------------------------

def approved(text: str, by: str = "Trần Văn Minh") -> str:
    """The text with status approved and its correct hash (what `approve` writes)."""
    import yaml

    from qms.model.procedure import Procedure

    document = Procedure.model_validate(yaml.safe_load(text) | {"approved_by": {"name": by}})
    return text.replace("status: draft", "status: approved") + f"approved_by: {{name: {by}}}\ncontent_sha256: {content_hash(document)}\n"


def test_duplicate_issue_numbers(tmp_path):
    write(tmp_path, "one/issue-1.yaml", procedure_text())
    write(tmp_path, "two/issue-1.yaml", procedure_text())
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'two' / 'issue-1.yaml'}:3: issue:")
    assert str(tmp_path / "one" / "issue-1.yaml") in message


def test_file_name_contradicting_the_issue(tmp_path):
    write(tmp_path, "p/issue-2.yaml", procedure_text(issue=1))
    assert ":3: issue:" in only_problem(tmp_path)


def test_same_code_for_two_kinds(tmp_path):
    write(tmp_path, "p.yaml", procedure_text())
    write(tmp_path, "r.yaml", "kind: ruleset\ncode: QT-T-01\nissue: 1\neffective_from: 2024-01-01\ntitle: {vi: R}\n")
    assert ":2: code:" in only_problem(tmp_path)


def test_content_changed_after_approval(tmp_path):
    text = approved(procedure_text())
    write(tmp_path, "p.yaml", text)
    assert problems_of(tmp_path) == []
    # Lifecycle fields change only through the successor's approval (see the tests below); content never.
    write(tmp_path, "p.yaml", text.replace("amount: 5,", "amount: 4,"))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:26: content_sha256:")


def test_approved_without_hash_or_approver(tmp_path):
    write(tmp_path, "p.yaml", procedure_text().replace("status: draft", "status: approved"))
    found = problems_of(tmp_path)
    assert len(found) == 2
    assert any(":4: status:" in p and "content_sha256" in p for p in found)


def test_overlapping_ranges(tmp_path):
    write(tmp_path, "p/issue-1.yaml", approved(procedure_text(issue=1, effective_from="2024-01-01")).replace("status: approved", "status: obsolete") + "effective_to: 2025-07-01\n")
    write(tmp_path, "p/issue-2.yaml", approved(procedure_text(issue=2, effective_from="2025-07-01", limit=4)))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p' / 'issue-2.yaml'}:5: effective_from:")
    assert "2025-07-01" in message


def test_gap_between_issues(tmp_path):
    write(tmp_path, "p/issue-1.yaml", approved(procedure_text(issue=1)).replace("status: approved", "status: obsolete") + "effective_to: 2025-06-29\n")
    write(tmp_path, "p/issue-2.yaml", approved(procedure_text(issue=2, effective_from="2025-07-01", limit=4)))
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p' / 'issue-2.yaml'}:5: effective_from:")
    assert "2025-06-30" in message


def test_two_approved_issues_at_once(tmp_path):
    write(tmp_path, "p/issue-1.yaml", approved(procedure_text(issue=1)))
    write(tmp_path, "p/issue-2.yaml", approved(procedure_text(issue=2, effective_from="2025-07-01", limit=4)))
    found = problems_of(tmp_path)
    assert any(str(tmp_path / "p" / "issue-1.yaml") + ":4: status:" in p for p in found)  # both approved
    assert any(str(tmp_path / "p" / "issue-2.yaml") + ":5: effective_from:" in p for p in found)  # open-ended issue 1 overlaps


def test_obsolete_issue_needs_effective_to(tmp_path):
    write(tmp_path, "p.yaml", approved(procedure_text()).replace("status: approved", "status: obsolete"))
    found = problems_of(tmp_path)  # and, alone, it lacks the successor that made it obsolete
    assert any(": effective_to:" in problem for problem in found) and len(found) == 2


def test_load_library_copes_with_the_real_sample_tree_copied(tmp_path):
    shutil.copytree(sample_library_dir(), tmp_path / "docs")
    assert load_library(tmp_path / "docs").codes() == load_library(sample_library_dir()).codes()


def test_result_before_approval(tmp_path):
    text = procedure_text().replace("    unit: PHONG\n", "    unit: PHONG\n    approval: true\n", 1)
    text = text.replace("    unit: MOTCUA\n    allotted: {amount: 1", "    unit: MOTCUA\n    result: true\n    allotted: {amount: 1", 1)
    write(tmp_path, "p.yaml", text)
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:13: steps[0].result:")


def test_units_are_checked_against_the_workspace(tmp_path):
    (tmp_path / "qms.yaml").write_text(
        "organisation: {name: {vi: Trung tâm}}\nunits:\n  MOTCUA: {vi: Một cửa}\n  PHONG: {vi: Phòng}\n", encoding="utf-8"
    )
    docs = tmp_path / "process_docs"
    write(docs, "p.yaml", procedure_text())
    assert problems_of(docs) == []
    write(docs, "p.yaml", procedure_text().replace("unit: PHONG", "unit: PHONGG"))
    message = only_problem(docs)
    assert message.startswith(f"{docs / 'p.yaml'}:16: steps[1].unit: unit 'PHONGG' is not among the units of {tmp_path / 'qms.yaml'}")


@pytest.mark.parametrize(
    "text, line",
    [
        ("kind: [procedure]\n", 1),
        ("kind: procedure\neffective_from: 2025-13-01\n", 2),
        ("? [a, b]\n: 1\n", 1),
        ("kind: procedure\n1: x\ncode: 5\n", 2),
        ("a: &x 1\nb: *y\n", 2),
        ("kind: checklist\ncode: C\nissue: 1\neffective_from: 2024-01-01\ntitle: {vi: t}\nitems: {a: 1}\n", 6),
        ("kind: procedure\n---\nkind: ruleset\n", 2),
        ("kind: procedure\ntitle: !!python/object:os.system x\n", 2),
        ("kind: procedure\ntitle: 'unterminated\n", 3),
    ],
)
def test_odd_files_give_located_messages_not_tracebacks(tmp_path, text, line):
    write(tmp_path, "odd.yaml", text)
    found = problems_of(tmp_path)
    assert found
    assert any(p.startswith(f"{tmp_path / 'odd.yaml'}:{line}:") for p in found), found


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms.library.loader import read_document

_SAMPLE_TEXT = (sample_library_dir() / "procedures" / "QT-CT-01" / "issue-1.yaml").read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(_SAMPLE_TEXT)),
    insert=st.sampled_from(["\t", ":", "- ", "{", "]", "'", "&a", "*b", "!!", "\x00", "\n  x: 1\n", "é", "#"]),
)
def test_any_corruption_of_a_real_file_is_reported_not_raised(tmp_path, cut, insert):
    path = tmp_path / "fuzzed.yaml"
    path.write_bytes((_SAMPLE_TEXT[:cut] + insert + _SAMPLE_TEXT[cut:]).encode("utf-8"))
    loaded, problems = read_document(path)
    assert loaded is not None or problems
    for problem in problems:
        assert str(problem).startswith(f"{path}:")


def test_checklist_items_name_existing_procedures(tmp_path):
    write(tmp_path, "p.yaml", procedure_text())
    write(
        tmp_path,
        "c.yaml",
        """\
        kind: checklist
        code: CL
        issue: 1
        effective_from: 2024-01-01
        title: {vi: Danh mục}
        items:
          - {id: a, clause: "8.1", question: {vi: Câu một}, procedures: [QT-T-01]}
          - {id: b, clause: "8.1", question: {vi: Câu hai}, procedures: [QT-T-01, QT-T-10]}
        """,
    )
    message = only_problem(tmp_path)
    assert message.startswith(f"{tmp_path / 'c.yaml'}:8: items[1].procedures[1]:") and "QT-T-10" in message


def test_lifecycle_fields_change_only_through_the_successors_approval(tmp_path):
    """status and effective_to are outside the hash; what they may be is checked (issue 11 §9)."""
    text = approved(procedure_text())
    write(tmp_path, "p.yaml", text + "effective_to: 2030-12-31\n")
    assert "effective_to: the current approved issue has no last day" in only_problem(tmp_path)
    write(tmp_path, "p.yaml", text.replace("status: approved", "status: obsolete") + "effective_to: 2030-12-31\n")
    assert "no later approved issue supersedes it" in only_problem(tmp_path)
    write(tmp_path, "p.yaml", text.replace("status: approved", "status: draft"))
    assert "cannot go back to draft" in only_problem(tmp_path)
