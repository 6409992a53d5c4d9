"""NCs raised from a real check name the units a late dossier is attributed to
(check/units.py), not the receiving desk, and group by them."""

from __future__ import annotations

import polars as pl

from check_support import events_frame
from qms.capa import list_ncs, raise_from_check, show_nc
from qms.check.api import run_check, write_outputs
from test_check_units import docs, three_dossiers


def test_ncs_from_a_check_group_late_dossiers_by_the_units_whose_steps_overran(db, workspace_config, tmp_path):
    rows = three_dossiers()
    # a fourth dossier late because of LD as well, and one late because of CM and LD together
    rows += [dict(r, dossier_id="L3") for r in rows if r["dossier_id"] == "L1"]
    split = [dict(r, dossier_id="L4") for r in rows if r["dossier_id"] == "L1"]
    split[1] = dict(split[1], at="2024-03-06 17:00")  # appraisal: 22 working hours for CM's 16
    result = run_check(events_frame(rows + split), docs(), as_of="2024-03-20")
    write_outputs(result, tmp_path / "check")
    raised = raise_from_check(db, workspace_config, "lan", tmp_path / "check").raised
    late = {(r.unit, r.period): r.dossiers for r in raised if r.rule == "finished_late"}
    assert late == {("LD", "2024-03"): 3, ("MC", "2024-03"): 1, ("CM", "2024-03"): 1}
    ld = next(nc for nc in list_ncs(db) if nc.rule == "finished_late" and nc.unit == "LD")
    assert [e.ref for e in show_nc(db, ld.code).evidence_items] == ["L1", "L3", "L4"]
    # the receiving desk (MC) is named only for the dossier no overrunning step explains
    mc = next(nc for nc in list_ncs(db) if nc.rule == "finished_late" and nc.unit == "MC")
    assert [e.ref for e in show_nc(db, mc.code).evidence_items] == ["L2"]
    assert result.findings.filter(pl.col("rule") == "finished_late").height == 5  # L4 twice: CM and LD


def test_ncs_from_a_check_name_the_rule_in_words_in_vietnamese(db, workspace_config, tmp_path):
    """Officers read the NC's title and description: the rule by its Vietnamese name, the id only in its field."""
    from qms.core.i18n import use_language

    result = run_check(events_frame(three_dossiers()), docs(), as_of="2024-03-20")
    write_outputs(result, tmp_path / "check")
    with use_language("vi"):
        raise_from_check(db, workspace_config, "lan", tmp_path / "check")
    nc = next(nc for nc in list_ncs(db) if nc.rule == "finished_late")
    shown = show_nc(db, nc.code)
    assert shown.title.startswith("Giải quyết quá hạn: ")
    assert "finished_late" not in shown.title and "finished_late" not in shown.description
    assert "“Giải quyết quá hạn”" in shown.description
