"""Rules and time arithmetic on small hand-built logs, one behaviour per test."""

from __future__ import annotations

import datetime as dt

import polars as pl

from check_support import calendar_settings, events_frame, make_calendar, simple_procedure, simple_ruleset
from qms.check.api import run_check
from qms.check.documents import CheckDocuments
from qms.check.rules import REGISTRY, known_rule_ids, rule_module_names

HANOI = dt.timezone(dt.timedelta(hours=7))


def docs(procedure=None, **ruleset):
    return CheckDocuments([procedure or simple_procedure()], [simple_ruleset(**ruleset)], make_calendar(),
                          calendar_settings())


def row(d, step, at, **extra):
    return dict(dossier_id=d, procedure_code="QT-01", step=step, unit="MC", officer="x", at=at, **extra)


def clean(d="A", start="2024-03-04 08:00", appointment="2024-03-11 16:00"):
    """Mon 4 March 2024 → an ordinary five-working-day dossier, finished Thursday."""
    return [
        row(d, "received", start, appointment_at=appointment),
        row(d, "appraise", "2024-03-05 10:00"),
        row(d, "approve", "2024-03-06 10:00"),
        row(d, "issue_result", "2024-03-07 10:00"),
        row(d, "processed", "2024-03-07 11:00"),
        row(d, "returned", "2024-03-07 15:00"),
    ]


def check(rows, as_of="2024-03-20", **kw):
    return run_check(events_frame(rows), docs(**kw), as_of=as_of)


def rules_of(result, dossier="A"):
    return sorted(result.findings.filter(pl.col("dossier_id") == dossier)["rule"].to_list())


def test_catalogue_is_complete_and_documented():
    expected = {
        "unknown_procedure", "no_issue_in_force", "missing_step", "unexpected_step", "step_out_of_order",
        "repeated_step", "no_result_step", "step_overrun", "step_due_exceeded", "finished_late",
        "appointment_beyond_limit", "appointment_missing", "late_without_apology",
        "appointment_rescheduled_more_than_once", "too_many_supplement_requests", "returned_before_approval",
        "event_after_return", "open_overdue"}
    assert set(REGISTRY) == expected
    # a rule is the module named after it; ids are known without importing the rules
    assert rule_module_names() == sorted(expected) and known_rule_ids() == expected
    for rule in REGISTRY.values():
        assert rule.title.vi and rule.title.en and rule.description.vi and rule.description.en
        assert rule.clause in {"4.4", "7.5", "8.1", "8.5.1", "8.7", "9.1", "9.2", "10.2"}


def test_a_clean_dossier_has_no_finding_and_is_early():
    result = check(clean())
    assert rules_of(result) == []
    d = result.dossiers.row(0, named=True)
    assert d["status"] == "early"
    assert d["procedure_issue"] == 1 and d["allowed_minutes"] == 5 * 8 * 60
    assert d["finished_at"] == dt.datetime(2024, 3, 7, 11, 0, tzinfo=HANOI)  # processed, not returned


def test_finishing_on_the_appointment_day_is_on_time_and_after_it_late():
    rows = clean()
    rows[4] = row("A", "processed", "2024-03-11 15:00")
    rows[5] = row("A", "returned", "2024-03-11 15:30")
    assert check(rows).dossiers["status"].to_list() == ["on_time"]
    rows[4] = row("A", "processed", "2024-03-11 16:30")
    rows[5] = row("A", "returned", "2024-03-11 16:45")
    result = check(rows)
    assert result.dossiers["status"].to_list() == ["late"]
    assert {"finished_late", "late_without_apology"} <= set(rules_of(result))


def test_a_timely_apology_answers_late_without_apology():
    rows = clean()
    rows[4] = row("A", "processed", "2024-03-12 10:00")
    rows[5] = row("A", "returned", "2024-03-12 11:00")
    rows.insert(3, row("A", "apology_issued", "2024-03-06 15:00", new_appointment_at="2024-03-13 16:00"))
    result = check(rows, apology_lead_working_days=1)
    assert "finished_late" in rules_of(result) and "late_without_apology" not in rules_of(result)
    result = check(rows, apology_lead_working_days=4)  # issued less than four working days before
    assert "late_without_apology" in rules_of(result)


def test_supplement_time_is_paused_and_used_time_excludes_it():
    rows = clean()
    rows.insert(1, row("A", "supplement_requested", "2024-03-04 10:00"))
    rows.insert(2, row("A", "supplement_received", "2024-03-05 10:00"))
    d = check(rows, classification_method="working_time").dossiers.row(0, named=True)
    # paused from Monday 10:00 to Tuesday 10:00: one day of office hours
    clock = make_calendar()
    paused = clock.working_minutes_between(dt.datetime(2024, 3, 4, 10, tzinfo=HANOI),
                                           dt.datetime(2024, 3, 5, 10, tzinfo=HANOI))
    assert paused > 0 and d["paused_minutes"] == paused
    total = clock.working_minutes_between(d["counting_start_at"], d["finished_at"])
    assert d["used_minutes"] == total - paused


def test_receipt_after_the_cutoff_counts_from_the_next_working_day():
    procedure = simple_procedure(cutoff=dt.time(15, 0))
    rows = [row("A", "received", "2024-03-08 16:00")]  # a Friday, after 15:00
    d = run_check(events_frame(rows), docs(procedure), as_of="2024-03-08").dossiers.row(0, named=True)
    assert d["counting_start_at"].astimezone(HANOI).date() == dt.date(2024, 3, 11)


def test_working_time_method_and_repeated_supplements_counted_late():
    rows = clean()
    for hour in (9, 10, 11):  # three supplement rounds on Monday
        rows.insert(1, row("A", "supplement_received", f"2024-03-04 {hour:02d}:30"))
        rows.insert(1, row("A", "supplement_requested", f"2024-03-04 {hour:02d}:00"))
    rows.sort(key=lambda r: r["at"])
    result = check(rows, classification_method="working_time")
    assert result.dossiers["status"].to_list() == ["late"]  # the portal's formula
    assert rules_of(result) == ["too_many_supplement_requests"]  # late only by the formula: no finished_late
    assert result.summary.manifest.method.id == "working_time"
    relaxed = check(rows, classification_method="working_time", count_repeated_supplement_as_late=False)
    assert relaxed.dossiers["status"].to_list() == ["early"]


def test_structure_rules():
    rows = clean()
    rows[1], rows[2] = dict(rows[1], step="approve"), dict(rows[2], step="appraise")  # swapped
    rows.append(row("A", "appraise", "2024-03-07 09:00"))  # a second appraisal
    rows.append(row("A", "site_visit", "2024-03-07 09:30"))  # not a step of the procedure
    rows.append(row("A", "processed", "2024-03-08 09:00"))  # after the return
    found = [r for r in rules_of(check(rows)) if r != "step_overrun"]  # the swap also stretches a step
    # appraisal after approval is out of order; the second appraisal (right after the
    # first) is a repetition, not a second breach of order
    assert found == ["event_after_return", "repeated_step", "step_out_of_order", "unexpected_step"]


def test_missing_step_only_when_the_dossier_went_past_it():
    rows = [r for r in clean() if r["step"] != "approve"]
    result = check(rows)
    assert {"missing_step", "returned_before_approval"} <= set(rules_of(result))
    assert result.findings.filter(pl.col("rule") == "missing_step")["step"].to_list() == ["approve"]
    open_rows = clean()[:2]  # still at appraisal: nothing is missing yet
    assert "missing_step" not in rules_of(check(open_rows, as_of="2024-03-06"))


def test_declared_loop_allows_going_back():
    rows = clean()
    rows.insert(2, row("A", "received", "2024-03-05 11:00"))  # appraise → received is a declared loop
    rows.insert(3, row("A", "appraise", "2024-03-05 15:00"))
    assert rules_of(check(rows)) == []


def test_open_dossiers_as_of_a_date():
    rows = clean()[:2]
    assert check(rows, as_of="2024-03-08").dossiers["status"].to_list() == ["open_within_time"]
    result = check(rows, as_of="2024-03-15")
    assert result.dossiers["status"].to_list() == ["open_overdue"]
    assert "open_overdue" in rules_of(result)


def test_unknown_code_and_no_issue_in_force_are_not_assessable():
    rows = [dict(r, procedure_code="QT-99") for r in clean("A")] + clean("B", start="2019-06-03 08:00")
    result = check(rows)
    assert rules_of(result, "A") == ["unknown_procedure"]
    assert rules_of(result, "B") == ["no_issue_in_force"]
    reasons = dict(result.dossiers.select("dossier_id", "not_assessable_reason").iter_rows())
    assert reasons == {"A": "unknown_procedure", "B": "no_issue_in_force"}


def test_the_rule_set_in_force_at_receipt_decides():
    rules = {"appointment_missing": {"enabled": False}}
    documents = CheckDocuments(
        [simple_procedure()],
        [simple_ruleset(effective_to=dt.date(2024, 3, 5)),
         simple_ruleset(issue=2, effective_from=dt.date(2024, 3, 6), rules=rules)],
        make_calendar(), calendar_settings())
    rows = [dict(r, appointment_at=None) for r in clean("A") + clean("B", start="2024-03-06 08:00")]
    result = run_check(events_frame(rows), documents, as_of="2024-03-20")
    assert "appointment_missing" in rules_of(result, "A")
    assert "appointment_missing" not in rules_of(result, "B")
    assert dict(result.dossiers.select("dossier_id", "ruleset_issue").iter_rows()) == {"A": 1, "B": 2}
