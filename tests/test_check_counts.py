"""Counting dossiers, not only findings: an event rule can find one dossier many
times, and a report of how many dossiers a rule touched must not count it twice."""

from __future__ import annotations

from check_support import events_frame
from qms.check import merge_summaries, run_check
from qms.ingest.profiles import load_profile
from qms.ingest.stats import describe_events
from qms.library import load_library


def test_dossiers_by_rule_counts_each_dossier_once():
    # D1 records two steps QT-CT-01 does not have: two unexpected_step findings, one dossier
    rows = [
        {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "received", "unit": "MOTCUA", "at": "2025-03-03 08:00"},
        {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "kiem_tra_ngoai", "unit": "MOTCUA", "at": "2025-03-03 09:00"},
        {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "tham_dinh_lai", "unit": "MOTCUA", "at": "2025-03-03 10:00"},
        {"dossier_id": "D2", "procedure_code": "QT-CT-01", "step": "received", "unit": "MOTCUA", "at": "2025-03-03 08:00"},
        {"dossier_id": "D2", "procedure_code": "QT-CT-01", "step": "kiem_tra_ngoai", "unit": "MOTCUA", "at": "2025-03-03 09:00"},
    ]
    library = load_library(None)
    summary = run_check(events_frame(rows), library, as_of="2025-03-03").summary
    assert summary.findings.by_rule["unexpected_step"] == 3
    assert summary.findings.dossiers_by_rule["unexpected_step"] == 2
    halves = [run_check(events_frame([r for r in rows if r["dossier_id"] == d]), library, as_of="2025-03-03").summary
              for d in ("D1", "D2")]
    assert merge_summaries(halves).findings.dossiers_by_rule["unexpected_step"] == 2


def test_log_stats_counts_the_events_carrying_each_optional_field():
    rows = [
        {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "received", "at": "2025-03-03 08:00",
         "step_due_at": "2025-03-03 09:00"},
        {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "processed", "at": "2025-03-03 10:00"},
    ]
    described = describe_events(events_frame(rows).lazy())
    assert described["fields"]["step_due_at"] == 1
    assert described["fields"]["officer"] == 0
    assert "received_at" not in described["fields"]  # the log has no such column


LATE_ROWS = [
    {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "received", "unit": "MOTCUA", "at": "2025-03-03 08:00",
     "appointment_at": "2025-03-04 17:00"},
    {"dossier_id": "D1", "procedure_code": "QT-CT-01", "step": "processed", "unit": "MOTCUA", "at": "2025-03-10 09:00",
     "appointment_at": "2025-03-04 17:00"},
]


def test_a_vietnamese_log_without_apologies_finds_late_without_apology():
    # canonical events: the apology is a legal duty, so its absence is the finding
    result = run_check(events_frame(LATE_ROWS), load_library(None))
    assert "late_without_apology" in result.findings["rule"].to_list()
    assert not any("not assessable" in w for w in result.summary.warnings)


def _write_custom_log(tmp_path, rows, concepts: str = ""):
    import csv

    profile = tmp_path / "profile.yaml"
    profile.write_text("profile: other\ntimezone: Asia/Ho_Chi_Minh\ntimestamp_formats: ['%Y-%m-%d %H:%M']\n"
                       "fields: {dossier_id: id, procedure_code: code, step: activity, unit: unit, at: time,"
                       " appointment_at: deadline}\n" + concepts, encoding="utf-8")
    log = tmp_path / "log.csv"
    with log.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "code", "activity", "unit", "time", "deadline"])
        for r in rows:
            writer.writerow([r["dossier_id"], r["procedure_code"], r["step"], r["unit"], r["at"], r["appointment_at"]])
    return log, profile


def test_a_log_whose_system_has_no_apology_concept_does_not_repeat_every_late_dossier(tmp_path):
    from qms.core import i18n

    i18n.set_language("en")
    try:
        # a profile that says nothing: no apology event in the whole log means none exists
        log, profile = _write_custom_log(tmp_path, LATE_ROWS)
        result = run_check(log, load_library(None), profile=str(profile))
        assert result.dossiers["status"].to_list() == ["late"]
        assert "finished_late" in result.findings["rule"].to_list()
        assert "late_without_apology" not in result.findings["rule"].to_list()
        assert result.dossiers["findings"].to_list() == [result.findings.height]
        assert any("late_without_apology is not assessable" in w for w in result.summary.warnings)
        # the same log under a profile that says its system records apologies: the finding stands
        log, profile = _write_custom_log(tmp_path, LATE_ROWS, "concepts: {apology: recorded}\n")
        recorded = run_check(log, load_library(None), profile=str(profile))
        assert "late_without_apology" in recorded.findings["rule"].to_list()
        # the receipt profile declares the concept absent
        assert load_profile("receipt").concepts == {"apology": "absent"}
    finally:
        i18n._current_language = None
