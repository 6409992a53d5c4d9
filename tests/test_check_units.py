"""A dossier's units: by-unit figures count the units that handled each step, and a
late dossier is late for the unit(s) whose steps overran (check/units.py,
check/unit_counts.py). The engine's `units` / `late_units` columns are held to the
reference checker's by the differential tests (random logs) and
test_check_generated.py (a generated log), which compare whole tables."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from check_support import calendar_settings, events_frame, make_calendar, simple_procedure, simple_ruleset
from qms.check.api import run_check, write_outputs
from qms.check.documents import CheckDocuments
from qms.check.reference import reference_tables
from qms.cli import main
from qms.library import load_library
from qms.synth import generate_log, write_events

COUNTS = ("received_total", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
          "in_progress_total", "in_progress_within_time", "in_progress_overdue", "not_assessable")


def docs():
    return CheckDocuments([simple_procedure()], [simple_ruleset()], make_calendar(), calendar_settings())


def row(d, step, at, unit, code="QT-01", **extra):
    return dict(dossier_id=d, procedure_code=code, step=step, unit=unit, officer="x", at=at, **extra)


FULL_RUN = ("received", "appraise", "approve", "issue_result", "processed", "returned")
FULL_RUN_UNITS = ("MC", "CM", "LD", "VT", "VT", "MC")


def full_run(d, appointment, times, units=FULL_RUN_UNITS):
    """A dossier through every step of simple_procedure, at `times` (local, 2024-03-…)."""
    return [row(d, step, f"2024-03-{at}", unit, **({"appointment_at": appointment} if not i else {}))
            for i, (step, at, unit) in enumerate(zip(FULL_RUN, times, units))]


def three_dossiers():
    """Steps of simple_procedure: received (MC), appraise (CM, 2 days), approve (LD, 1
    day), issue_result (VT, 1 day), returned (MC). Working days 07:30-11:30, 13:30-17:00."""
    return [
        # E: early, every step within its allotment
        *full_run("E", "2024-03-11 16:00", ("04 08:00", "05 10:00", "06 10:00", "07 10:00", "07 11:00", "07 15:00")),
        # L1: late; approval took three working days against one (the event names no
        # unit: the procedure's LD is responsible for the step)
        *full_run("L1", "2024-03-11 16:00", ("04 08:00", "05 10:00", "08 10:00", "11 08:00", "12 08:00", "12 09:00"),
                  ("MC", "CM", None, "VT", "VT", "MC")),
        # L2: late against a short appointment, no step overran: the last step's unit
        *full_run("L2", "2024-03-05 16:00", ("04 08:00", "04 10:00", "04 14:00", "05 09:00", "06 08:00", "06 09:00")),
        # N: not assessable (no procedure): counted at its desk, outside the columns
        row("N", "received", "2024-03-04 08:00", "XA", code="QT-NONE"),
        # O: still open and overdue at approval, appraisal overran (CM)
        row("O", "received", "2024-03-04 08:00", "MC", appointment_at="2024-03-11 16:00"),
        row("O", "appraise", "2024-03-12 08:00", "CM"),
    ]


@pytest.fixture(scope="module")
def result():
    return run_check(events_frame(three_dossiers()), docs(), as_of="2024-03-20")


def by_unit(summary) -> dict[str, dict[str, int]]:
    return {g.key: {c: getattr(g, c) for c in COUNTS} for g in summary.by_unit}


def test_a_late_dossier_is_late_for_the_unit_whose_step_overran(result):
    table = {r["dossier_id"]: r for r in result.dossiers.select("dossier_id", "status", "units", "late_units")
             .iter_rows(named=True)}
    assert table["E"] == {"dossier_id": "E", "status": "early", "units": ["CM", "LD", "MC", "VT"], "late_units": []}
    assert table["L1"]["status"] == "late" and table["L1"]["late_units"] == ["LD"]
    assert table["L1"]["units"] == ["CM", "LD", "MC", "VT"]
    assert table["L2"]["status"] == "late" and table["L2"]["late_units"] == ["MC"]  # returned: the last step
    assert table["N"]["units"] == ["XA"] and table["N"]["late_units"] == []
    assert table["O"]["status"] == "open_overdue" and table["O"]["late_units"] == ["CM"]
    assert table["O"]["units"] == ["CM", "MC"]


def test_by_unit_counts_each_unit_that_handled_a_step(result):
    rows = by_unit(result.summary)
    assert set(rows) == {"CM", "LD", "MC", "VT", "XA"}
    zero = dict.fromkeys(COUNTS, 0)
    # LD: early E, L2 on time for LD (its step kept to its allotment), L1 late for LD
    assert rows["LD"] == {**zero, "received_total": 3, "resolved_total": 3, "resolved_early": 1,
                          "resolved_on_time": 1, "resolved_late": 1}
    assert rows["MC"] == {**zero, "received_total": 4, "resolved_total": 3, "resolved_early": 1,
                          "resolved_on_time": 1, "resolved_late": 1, "in_progress_total": 1,
                          "in_progress_within_time": 1}
    assert rows["CM"] == {**zero, "received_total": 4, "resolved_total": 3, "resolved_early": 1,
                          "resolved_on_time": 2, "in_progress_total": 1, "in_progress_overdue": 1}
    assert rows["XA"] == {**zero, "received_total": 1, "not_assessable": 1}
    totals = result.summary.totals
    assert (totals.received_total, totals.resolved_late, totals.in_progress_overdue, totals.not_assessable) == (
        5, 2, 1, 1)
    for g in result.summary.by_unit:  # every unit row is a form 06 row
        assert g.resolved_total == g.resolved_early + g.resolved_on_time + g.resolved_late
        assert g.in_progress_total == g.in_progress_within_time + g.in_progress_overdue


def test_findings_of_lateness_name_the_units_responsible(result):
    named = result.findings.filter(pl.col("rule").is_in(["finished_late", "open_overdue", "late_without_apology"]))
    got = sorted(named.select("dossier_id", "rule", "unit").iter_rows())
    assert got == [("L1", "finished_late", "LD"), ("L1", "late_without_apology", "LD"),
                   ("L2", "finished_late", "MC"), ("L2", "late_without_apology", "MC"),
                   ("O", "late_without_apology", "CM"), ("O", "open_overdue", "CM")]
    # findings by unit count the findings naming the unit
    findings_by_unit = {g.key: g.findings for g in result.summary.by_unit}
    naming = dict(result.findings.group_by("unit").len().iter_rows())
    assert findings_by_unit == {k: naming.get(k, 0) for k in findings_by_unit}
    assert sum(findings_by_unit.values()) == result.findings.height


def test_a_late_dossier_split_between_two_overrunning_units():
    rows = [r for r in three_dossiers() if r["dossier_id"] == "L1"]
    rows[1] = row("L1", "appraise", "2024-03-06 17:00", "CM")  # 22 working hours for CM's 16
    result = run_check(events_frame(rows), docs(), as_of="2024-03-20")
    assert result.dossiers["late_units"].to_list() == [["CM", "LD"]]
    late = result.findings.filter(pl.col("rule") == "finished_late")
    assert sorted(late["unit"].to_list()) == ["CM", "LD"]
    assert result.summary.findings.dossiers_by_rule["finished_late"] == 1
    ref_dossiers, ref_findings = reference_tables(events_frame(rows), docs(), result.summary.manifest.as_of)
    assert ref_dossiers["late_units"].to_list() == result.dossiers["late_units"].to_list()
    assert sorted(ref_findings.filter(pl.col("rule") == "finished_late")["unit"].to_list()) == ["CM", "LD"]


def test_the_units_are_written_as_text_in_the_csv(result, tmp_path):
    write_outputs(result, tmp_path, csv=True)
    csv = pl.read_csv(tmp_path / "dossiers.csv", infer_schema=False).sort("dossier_id")
    assert csv.filter(pl.col("dossier_id") == "L1")["units"].item() == "CM; LD; MC; VT"
    parquet = pl.read_parquet(tmp_path / "dossiers.parquet").sort("dossier_id")
    assert_frame_equal(parquet.select("units"), result.dossiers.sort("dossier_id").select("units"))


def test_a_generated_log_by_unit_is_the_handling_units_and_exact_across_partitions(tmp_path):
    library = load_library(None)
    generated = generate_log(library, 250, seed=1414, defect_rate=0.3)
    log = tmp_path / "log.parquet"
    write_events(generated.events, log, "parquet")
    runner = CliRunner()
    for out, extra in (("one", ["--csv"]), ("three", ["--partitions", "3", "--csv"])):
        done = runner.invoke(main, ["check", str(log), "--out", str(tmp_path / out), "--format", "json", *extra])
        assert done.exit_code == 0, done.output
    one = json.loads((tmp_path / "one" / "summary.json").read_text(encoding="utf-8"))
    three = json.loads((tmp_path / "three" / "summary.json").read_text(encoding="utf-8"))
    assert three["by_unit"] == one["by_unit"]
    csv = {name: pl.read_csv(tmp_path / name / "dossiers.csv", infer_schema=False).sort("dossier_id")
           for name in ("one", "three")}
    assert_frame_equal(csv["three"].select("units", "late_units"), csv["one"].select("units", "late_units"))
    units = {g["key"] for g in one["by_unit"]}
    assert len(units) > 2 and units > {"MOTCUA", "UBND_XA"}  # not only the receiving desks
    # every late dossier counts late for at least one unit; a unit's late never exceeds the total
    assert sum(g["resolved_late"] for g in one["by_unit"]) >= one["totals"]["resolved_late"]
    assert all(g["resolved_late"] <= one["totals"]["resolved_late"] for g in one["by_unit"])
    dossiers = pl.read_parquet(tmp_path / "one" / "dossiers.parquet")
    late = dossiers.filter(pl.col("status") == "late")
    assert late.height and (late["late_units"].list.len() > 0).all()
    desks = {"MOTCUA", "UBND_XA"}
    assert late.filter(~pl.col("late_units").list.eval(pl.element().is_in(list(desks))).list.all()).height > 0


def test_more_units_than_bits_give_the_same_lists(monkeypatch):
    """Past 63 distinct units the engine groups by dossier instead of OR-ing bit masks."""
    from qms.check import units

    library = load_library(None)
    events = generate_log(library, 150, seed=77, defect_rate=0.4).events
    hand_built = events_frame(three_dossiers())
    with_bits = [run_check(events, library), run_check(hand_built, docs(), as_of="2024-03-20")]
    assert with_bits[0].dossiers["late_units"].list.len().sum() > 0
    monkeypatch.setattr(units, "MAX_BITS", 0)
    grouped = [run_check(events, library), run_check(hand_built, docs(), as_of="2024-03-20")]
    for a, b in zip(grouped, with_bits):
        assert_frame_equal(a.dossiers, b.dossiers)
        assert_frame_equal(a.findings, b.findings)


def test_the_units_blamed_are_those_of_the_control_sheet_s_late_steps():
    """The engine's per-step judgement is the process-control sheet's (dossier_timeline)."""
    from qms.check.dossier_timeline import dossier_timeline

    library = load_library(None)
    events = generate_log(library, 60, seed=9, defect_rate=0.4).events
    result = run_check(events, library)
    late = result.dossiers.filter(pl.col("status").is_in(["late", "open_overdue"]))
    overran = result.findings.filter(pl.col("rule") == "step_overrun")["dossier_id"]
    # 11 late or overdue dossiers, 8 of them with an overrunning step
    assert late.height > late.filter(pl.col("dossier_id").is_in(overran.implode())).height > 0
    for row in late.iter_rows(named=True):
        sheet = dossier_timeline(events, row["dossier_id"], library, as_of=result.summary.manifest.as_of)
        late_steps = sorted({step.unit for step in sheet.steps if step.result == "late"})
        last_step = [sheet.steps[-1].unit] if sheet.steps else []
        assert row["late_units"] == (late_steps or last_step), row["dossier_id"]


def test_the_report_s_late_list_names_the_units_the_delay_is_attributed_to(tmp_path):
    """Not the receiving desk: the units whose steps overran, by their names from qms.yaml."""
    from qms.model.workspace import WorkspaceConfig
    from qms.report.model import build_report
    from qms.report.pdf import render_html

    rows = [r for r in three_dossiers() if r["dossier_id"] == "L1"]
    rows[1] = row("L1", "appraise", "2024-03-06 17:00", "CM")  # 22 working hours for CM's 16
    write_outputs(run_check(events_frame(rows), docs(), as_of="2024-03-20"), tmp_path / "check")
    config = WorkspaceConfig.model_validate({"organisation": {"name": {"vi": "Trung tâm X"}},
                                             "units": {"CM": {"vi": "Phòng Chuyên môn"}, "LD": {"vi": "Lãnh đạo"}}})
    model = build_report(tmp_path / "check", config=config)
    [late] = model.late_dossiers_shown
    assert late["unit_name"] == "Phòng Chuyên môn, Lãnh đạo" and late["unit"] != "CM"
    assert "<th>Đơn vị để chậm</th>" in render_html(model)
