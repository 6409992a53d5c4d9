"""What finishes a dossier, per procedure issue (`finish:`): the model refuses a
finish step the procedure lacks, the approval hash covers the setting, and the
engine and the reference checker finish every dossier the same way for each option."""

from __future__ import annotations

import datetime as dt
import textwrap

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from check_support import calendar_settings, events_frame, make_calendar, simple_procedure, simple_ruleset
from qms.check.documents import CheckDocuments
from qms.library import validate_library
from qms.library.hashing import content_hash
from qms.model.procedure import FinishRule, FinishStep, Procedure
from test_check_differential import AS_OF as RANDOM_AS_OF
from test_check_differential import assert_same, build_log, dossier


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    from qms.core import i18n

    monkeypatch.setattr(i18n, "_current_language", "en")


# ----- the setting in the procedure model --------------------------------------------------

PROCEDURE = """\
kind: procedure
code: QT-F-01
issue: 1
status: draft
effective_from: 2024-01-01
title: {vi: Thủ tục thử, en: Test procedure}
field: {vi: Thử nghiệm}
time_limit: {amount: 5, unit: working_days}
steps:
  - id: received
    name: {vi: Tiếp nhận}
    unit: MOTCUA
  - id: decide
    name: {vi: Quyết định}
    unit: PHONG
  - id: paid
    name: {vi: Nộp phí}
    unit: MOTCUA
"""


def problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "p.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    library, found = validate_library(tmp_path)
    assert (library is None) == bool(found)
    return [str(p) for p in found]


@pytest.mark.parametrize("setting, expected", [
    ("", FinishRule.default),
    ("finish: default\n", FinishRule.default),
    ("finish: last_event\n", FinishRule.last_event),
    ("finish: {step: decide}\n", FinishStep(step="decide", occurrence="first")),
    ("finish: {step: decide, occurrence: last}\n", FinishStep(step="decide", occurrence="last")),
])
def test_each_form_of_the_setting_loads(tmp_path, setting, expected):
    assert problems(tmp_path, PROCEDURE + setting) == []
    assert Procedure.model_validate(yaml.safe_load(PROCEDURE + setting)).finish == expected


def test_a_finish_step_the_procedure_lacks_is_refused_at_its_line(tmp_path):
    found = problems(tmp_path, PROCEDURE + "finish: {step: settled}\n")
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'p.yaml'}:19: finish.step: no step has the id 'settled'")
    assert "received, decide, paid" in found[0]


@pytest.mark.parametrize("setting, message", [
    ("finish: lastevent\n", "finish: expected default, last_event or {step: ID, occurrence: first|last} (got 'lastevent')"),
    ("finish: [decide]\n", "finish: expected default, last_event or {step: ID, occurrence: first|last} (got ['decide'])"),
    ("finish: {step: decide, occurrence: second}\n", "finish.occurrence: expected one of: 'first', 'last' (got 'second')"),
    ("finish: {stp: decide}\n", "finish.step: required field is missing"),
])
def test_a_malformed_setting_is_refused_at_its_line_with_one_message(tmp_path, setting, message):
    """The message speaks of the form written (a name or a step), not of both."""
    found = problems(tmp_path, PROCEDURE + setting)
    assert found[0] == f"{tmp_path / 'p.yaml'}:19: {message}", found
    assert all(":19: finish" in p for p in found)


def test_a_bad_finish_does_not_hide_the_other_problems_of_the_file(tmp_path):
    text = PROCEDURE.replace("  - id: paid", "  - id: decide") + "finish: last_evnt\n"
    found = problems(tmp_path, text)
    assert any(":16: steps[2].id:" in p for p in found) and any(":19: finish" in p for p in found)


def test_the_approval_hash_covers_the_finish():
    base = Procedure.model_validate(yaml.safe_load(PROCEDURE))
    hashes = {content_hash(base.model_copy(update={"finish": finish})) for finish in (
        FinishRule.last_event, FinishStep(step="decide"), FinishStep(step="decide", occurrence="last"),
        FinishStep(step="paid"))}
    assert len(hashes) == 4 and content_hash(base) not in hashes
    # the default, written out or not, is the same content (approved issues stay valid)
    assert content_hash(base.model_copy(update={"finish": FinishRule.default})) == content_hash(base)


def test_an_approved_issue_cannot_change_its_finish(tmp_path):
    document = Procedure.model_validate(yaml.safe_load(PROCEDURE) | {"approved_by": {"name": "A"}})
    approved = (PROCEDURE.replace("status: draft", "status: approved")
                + f"approved_by: {{name: A}}\ncontent_sha256: {content_hash(document)}\n")
    assert problems(tmp_path, approved) == []
    found = problems(tmp_path, approved + "finish: last_event\n")
    assert len(found) == 1 and ": content_sha256:" in found[0]


def test_docs_show_says_what_finishes_a_dossier_unless_it_is_the_default(monkeypatch):
    from qms.core import i18n
    from qms.library.render import render_text

    base = Procedure.model_validate(yaml.safe_load(PROCEDURE))
    assert "finishes" not in render_text(base)
    shown = [render_text(base.model_copy(update={"finish": finish})).splitlines()[-1] for finish in (
        FinishRule.last_event, FinishStep(step="decide"), FinishStep(step="decide", occurrence="last"))]
    assert shown == ["A dossier finishes at: its last event",
                                    "A dossier finishes at: the first event of step decide",
                                    "A dossier finishes at: the last event of step decide"]
    monkeypatch.setattr(i18n, "_current_language", "vi")
    assert render_text(base.model_copy(update={"finish": FinishStep(step="decide", occurrence="last")})) \
        .endswith("Hồ sơ kết thúc tại: lần cuối cùng của bước decide")


# ----- the engine and the reference, option by option ---------------------------------------

MODES = {
    "QT-DEF": FinishRule.default,
    "QT-LAST": FinishRule.last_event,
    "QT-FIRST": FinishStep(step="approve", occurrence="first"),
    "QT-LASTOCC": FinishStep(step="approve", occurrence="last"),
}
# Received Monday 4 March 2024 08:00: 5 working days, due (the appointment) Monday 11 March 08:00.
DOSSIERS = {
    "twice": [("received", "03-04 08:00"), ("appraise", "03-04 10:00"), ("approve", "03-05 09:00"),
              ("appraise", "03-06 09:00"), ("approve", "03-13 09:00"), ("returned", "03-13 10:00")],
    "no_step": [("received", "03-04 08:00"), ("appraise", "03-04 10:00"), ("processed", "03-05 09:00")],
    "refused": [("received", "03-04 08:00"), ("appraise", "03-04 10:00"), ("refused", "03-06 09:00")],
    "withdrawn": [("received", "03-04 08:00"), ("withdrawn", "03-05 09:00")],
    "open": [("received", "03-04 08:00"), ("appraise", "03-05 09:00")],
    "step_then_withdrawn": [("received", "03-04 08:00"), ("approve", "03-05 09:00"), ("withdrawn", "03-06 09:00")],
}
# (status, finish_kind, local finish) per procedure's setting and dossier
EXPECTED = {
    "QT-DEF": {
        "twice": ("late", "returned", "03-13 10:00"),
        "no_step": ("early", "processed", "03-05 09:00"),
        "refused": ("early", "stopped_or_refused", "03-06 09:00"),
        "withdrawn": ("not_assessable", "withdrawn", "03-05 09:00"),
        "open": ("open_overdue", None, None),
        "step_then_withdrawn": ("not_assessable", "withdrawn", "03-06 09:00"),
    },
    "QT-LAST": {  # every dossier ends at its last event, except one only withdrawn
        "twice": ("late", "last_event", "03-13 10:00"),
        "no_step": ("early", "last_event", "03-05 09:00"),
        "refused": ("early", "last_event", "03-06 09:00"),
        "withdrawn": ("not_assessable", "withdrawn", "03-05 09:00"),
        "open": ("early", "last_event", "03-05 09:00"),
        "step_then_withdrawn": ("not_assessable", "withdrawn", "03-06 09:00"),
    },
    "QT-FIRST": {  # the step's first occurrence; without it only a stop or refusal ends the dossier
        "twice": ("early", "finish_step", "03-05 09:00"),
        "no_step": ("open_overdue", None, None),
        "refused": ("early", "stopped_or_refused", "03-06 09:00"),
        "withdrawn": ("not_assessable", "withdrawn", "03-05 09:00"),
        "open": ("open_overdue", None, None),
        "step_then_withdrawn": ("early", "finish_step", "03-05 09:00"),
    },
}
EXPECTED["QT-LASTOCC"] = EXPECTED["QT-FIRST"] | {"twice": ("late", "finish_step", "03-13 09:00")}
AS_OF = dt.datetime(2024, 3, 20, 3, 0, tzinfo=dt.timezone.utc)


def finish_documents(extra_procedures=()) -> CheckDocuments:
    procedures = [simple_procedure(code=code, finish=finish) for code, finish in MODES.items()]
    return CheckDocuments([*procedures, *extra_procedures], [simple_ruleset()], make_calendar(), calendar_settings())


def log_of(codes, dossiers=DOSSIERS) -> pl.DataFrame:
    return events_frame([
        dict(dossier_id=f"{code}/{name}", procedure_code=code, step=step, unit="MC", officer="x", at=f"2024-{at}")
        for code in codes for name, events in dossiers.items() for step, at in events])


def test_each_finish_option_in_the_engine_and_the_reference():
    dossiers, _findings = assert_same(log_of(MODES), finish_documents(), AS_OF)
    local = pl.col("finished_at").dt.convert_time_zone("Asia/Ho_Chi_Minh").dt.strftime("%m-%d %H:%M")
    got = {row["dossier_id"]: (row["status"], row["finish_kind"], row["finished"])
           for row in dossiers.with_columns(local.alias("finished")).iter_rows(named=True)}
    expected = {f"{code}/{name}": outcome for code, by_name in EXPECTED.items() for name, outcome in by_name.items()}
    assert got == expected


def test_the_clock_stops_at_the_chosen_occurrence():
    dossiers, _ = assert_same(log_of(["QT-FIRST", "QT-LASTOCC"], {"twice": DOSSIERS["twice"]}), finish_documents(),
                              AS_OF)
    used = dict(zip(dossiers["dossier_id"], dossiers["used_minutes"]))
    assert used["QT-FIRST/twice"] == 8 * 60 + 30  # Monday 08:00 to Tuesday 09:00: 8 h of one working day and 1 h
    assert used["QT-LASTOCC/twice"] > 5 * 8 * 60


def test_no_result_step_judges_only_the_default_finish():
    """`processed` with no result is a finding when `processed` finishes the dossier."""
    _, findings = assert_same(log_of(MODES, {"no_step": DOSSIERS["no_step"]}), finish_documents(), AS_OF)
    assert findings.filter(pl.col("rule") == "no_result_step")["dossier_id"].to_list() == ["QT-DEF/no_step"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dossier, min_size=1, max_size=12), st.sampled_from(list(MODES.values())),
       st.sampled_from([None, ["refused", "withdrawn", "issue_result"]]))
def test_engine_equals_reference_on_random_logs_for_each_option(dossiers, finish, terminal_outcomes):
    """The random logs of test_check_differential, their QT-01 judged with the option
    (and, in turn, a step listed as a terminal outcome)."""
    outcomes = {"terminal_outcomes": terminal_outcomes} if terminal_outcomes else {}
    procedures = [simple_procedure(issue=1, effective_to=dt.date(2024, 3, 10), finish=finish, **outcomes),
                  simple_procedure(issue=2, effective_from=dt.date(2024, 3, 11), limit_days=4),
                  simple_procedure(code="QT-CAL", issue=1, time_limit={"amount": 10, "unit": "calendar_days"},
                                   finish=finish)]
    docs = CheckDocuments(procedures, [simple_ruleset()], make_calendar(), calendar_settings())
    assert_same(build_log(dossiers), docs, RANDOM_AS_OF)


# ----- other closings (paid, settled, closed) -------------------------------------------------

CLOSINGS_PROFILE = """\
profile: claims
timestamp_formats: [iso]
fields:
  dossier_id: Case
  procedure_code: {constant: QT-CLAIM}
  at: Timestamp
  step:
    column: Activity
    unmapped: keep
    values:
      Register: received
      Assess: assess
      Claim settled: processed        # the agency's answer: judged against the appointment
      Rejected: refused               # an answer too: a late refusal is late
      Paid by applicant: withdrawn    # ended by the applicant: not assessable, out of the rates
      Case closed: closed             # a step listed in terminal_outcomes
"""
CLOSINGS_LOG = """\
Case,Activity,Timestamp
A,Register,2024-03-04T08:00:00+07:00
A,Assess,2024-03-05T09:00:00+07:00
A,Claim settled,2024-03-06T09:00:00+07:00
A,Case closed,2024-03-19T09:00:00+07:00
B,Register,2024-03-04T08:00:00+07:00
B,Paid by applicant,2024-03-15T09:00:00+07:00
C,Register,2024-03-04T08:00:00+07:00
C,Rejected,2024-03-12T09:00:00+07:00
D,Register,2024-03-04T08:00:00+07:00
D,Case closed,2024-03-07T09:00:00+07:00
E,Register,2024-03-04T08:00:00+07:00
E,Archived,2024-03-07T09:00:00+07:00
"""


def test_other_closings_mapped_by_meaning_keep_the_late_count_true(tmp_path):
    """docs/log-profiles.md, "Other closings": an answer (settled, rejected) is judged
    at its moment; a closing after the answer (case closed) does not move the finish,
    and alone ends the dossier as a stop does; a closing by the applicant (paid) leaves
    the dossier out of the counts; an unmapped closing leaves the dossier open and, past
    its appointment, overdue: the one that distorts the late count."""
    from qms.ingest import read_log

    (tmp_path / "claims.yaml").write_text(CLOSINGS_PROFILE, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLOSINGS_LOG, encoding="utf-8")
    events = read_log(tmp_path / "claims.csv", tmp_path / "claims.yaml").events
    steps = [{"id": "received", "name": {"vi": "Tiếp nhận"}, "unit": "MC"},
             {"id": "assess", "name": {"vi": "Thẩm định"}, "unit": "CM"},
             {"id": "closed", "name": {"vi": "Đóng hồ sơ"}, "unit": "MC", "optional": True}]
    claim = simple_procedure(code="QT-CLAIM", steps=steps, loops=[],
                             terminal_outcomes=["refused", "withdrawn", "stopped", "closed"])
    docs = CheckDocuments([claim], [simple_ruleset()], make_calendar(), calendar_settings())
    dossiers, _ = assert_same(events, docs, AS_OF)  # due: Monday 11 March 08:00
    got = {row["dossier_id"]: (row["status"], row["finish_kind"]) for row in dossiers.iter_rows(named=True)}
    assert got == {
        "A": ("early", "processed"),  # settled on the 6th; closed on the 19th changes nothing
        "B": ("not_assessable", "withdrawn"),  # paid on the 15th, after the due: not counted late
        "C": ("late", "stopped_or_refused"),  # refused on the 12th: late
        "D": ("early", "stopped_or_refused"),  # closed on the 7th without an answer
        "E": ("open_overdue", None),  # "Archived" was not mapped: still open, overdue at as-of
    }


def test_the_json_schema_knows_the_setting():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test dependency) is not installed")
    from qms.library.schema import document_schemas

    validator = jsonschema.Draft202012Validator(document_schemas()["procedure.schema.json"])
    as_json = lambda setting: yaml.safe_load(PROCEDURE.replace("2024-01-01", '"2024-01-01"') + setting)  # noqa: E731
    for setting in ("", "finish: default\n", "finish: last_event\n", "finish: {step: decide, occurrence: last}\n"):
        validator.validate(as_json(setting))
    for setting in ("finish: lastevent\n", "finish: {step: decide, occurrence: second}\n", "finish: {stp: decide}\n"):
        assert not validator.is_valid(as_json(setting)), setting


def test_a_library_issue_with_a_finish_step_decides_run_check(tmp_path):
    """From the YAML file to the dossiers table: QT-CT-01 (1 working day) certified
    twice; by default the hand-over finishes it (late), with `finish: {step: certify}`
    the first certification does (early)."""
    import shutil

    from qms.check.api import run_check
    from qms.core.resources import sample_library_dir
    from qms.core.yaml_source import read_yaml
    from qms.library import load_library

    root = tmp_path / "process_docs"
    shutil.copytree(sample_library_dir(), root)
    path = root / "procedures" / "QT-CT-01" / "issue-1.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "finish: {step: certify}\n", encoding="utf-8")
    data = read_yaml(path).data  # re-approved: the hash of the new content (`qms docs approve` writes it so)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(data["content_sha256"], content_hash(Procedure.model_validate(data))),
                    encoding="utf-8")
    events = events_frame([
        dict(dossier_id="X", procedure_code="QT-CT-01", step=step, unit="UBND_XA", officer="x", at=at)
        for step, at in [("received", "2025-03-03 08:00"), ("certify", "2025-03-03 09:00"),
                         ("certify", "2025-03-04 09:00"), ("returned", "2025-03-04 09:30")]])
    as_of = dt.date(2025, 3, 31)
    by_default = run_check(events, sample_library_dir(), as_of=as_of).dossiers.row(0, named=True)
    by_step = run_check(events, load_library(root), as_of=as_of).dossiers.row(0, named=True)
    assert (by_default["status"], by_default["finish_kind"]) == ("late", "returned")
    assert (by_step["status"], by_step["finish_kind"]) == ("early", "finish_step")

