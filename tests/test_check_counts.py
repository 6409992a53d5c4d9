"""Counting dossiers, not only findings: an event rule can find one dossier many
times, and a report of how many dossiers a rule touched must not count it twice."""

from __future__ import annotations

from check_support import events_frame
from qms.check import merge_summaries, run_check
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
