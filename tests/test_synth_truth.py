"""The truth written by the generator equals an independent per-dossier reading of
the documented semantics (docs/generate.md), and every defect kind shows up."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from qms.calendar import WorkCalendar
from qms.library import load_library
from qms.synth import generate_log
from qms.check.rules import REGISTRY
from qms.synth.scenarios import DEFECT_KINDS, KIND_BY_NAME

from test_synth_semantics import reference_findings


# Rules the generator never triggers: its procedures are always in force.
NOT_GENERATED = {"no_issue_in_force"}


@pytest.fixture(scope="session")
def sample_library():
    """The bundled sample library (every issue approved, with its hash)."""
    return load_library(None)


@pytest.fixture(scope="session")
def generated(sample_library):
    return generate_log(sample_library, 2500, seed=20250101, defect_rate=0.25)


def _as_of(meta) -> dt.datetime:
    return dt.datetime.fromisoformat(meta["as_of"].replace("Z", "+00:00"))


@pytest.mark.slow
def test_truth_equals_an_independent_reading_of_the_semantics(generated, sample_library):
    calendar = WorkCalendar.from_settings(sample_library.calendar(dt.date(2025, 1, 1)))
    expected = reference_findings(generated.events, sample_library, calendar, _as_of(generated.meta))
    truth: dict[str, set[str]] = {}
    for row in generated.truth.iter_rows(named=True):
        truth.setdefault(row["dossier_id"], set()).add(row["rule"])
    differences = {
        dossier: (truth.get(dossier, set()), rules)
        for dossier, rules in expected.items()
        if truth.get(dossier, set()) != rules
    }
    assert not differences, f"{len(differences)} dossiers differ (truth, reference): {list(differences.items())[:5]}"
    assert set(truth) <= set(expected)


def test_every_defect_kind_is_injected_and_recorded(generated):
    kinds = set(generated.truth["defect"].unique().to_list())
    missing = {kind.name for kind in DEFECT_KINDS} - kinds
    assert not missing, f"defect kinds without a truth row: {missing}"
    rules = set(generated.truth["rule"].unique().to_list())
    # every rule of the check's registry, except those the generator does not make
    assert rules >= set(REGISTRY) - NOT_GENERATED


def test_defect_kinds_are_named_after_the_rules_they_trigger(generated):
    for kind in DEFECT_KINDS:
        assert kind.rule in REGISTRY, kind.name
    for kind, rules in generated.truth.group_by("defect").agg(pl.col("rule")).iter_rows():
        assert KIND_BY_NAME[kind].rule in rules, kind


def test_each_defect_carries_its_structural_rules(generated):
    by_dossier = generated.truth.group_by("dossier_id").agg(pl.col("defect").first(), pl.col("rule"))
    for row in by_dossier.iter_rows(named=True):
        implied = set(KIND_BY_NAME[row["defect"]].rules)
        assert implied <= set(row["rule"]), row


def test_late_dossiers_list_their_consequences(generated):
    truth = generated.truth
    for kind, must in {
        "late_without_apology": {"finished_late", "late_without_apology"},
        "late_without_apology.apology_after_appointment": {"finished_late", "late_without_apology"},
        "finished_late": {"finished_late"},
        "appointment_rescheduled_more_than_once": {"finished_late", "appointment_rescheduled_more_than_once"},
    }.items():
        rows = truth.filter(pl.col("defect") == kind).group_by("dossier_id").agg(pl.col("rule"))
        assert rows.height > 0, kind
        for rules in rows["rule"].to_list():
            assert must <= set(rules), (kind, rules)
            if kind == "finished_late":
                assert "late_without_apology" not in rules


def test_about_95_percent_of_finished_dossiers_on_time(sample_library):
    log = generate_log(sample_library, 3000, seed=3)
    late = log.truth.filter(pl.col("rule") == "finished_late")["dossier_id"].n_unique()
    finished = log.events.filter(pl.col("step") == "processed")["dossier_id"].n_unique()
    assert 0.93 <= 1 - late / finished <= 0.985


@pytest.mark.slow
@pytest.mark.parametrize("seed, start, end", [
    (11, dt.date(2024, 1, 2), dt.date(2024, 6, 30)),   # first issues only, Tết 2024
    (12, dt.date(2025, 5, 1), dt.date(2025, 9, 30)),   # across the 1 July 2025 change of issues
])
def test_truth_equals_the_reference_in_other_periods(sample_library, seed, start, end):
    log = generate_log(sample_library, 700, seed=seed, period_from=start, period_to=end, defect_rate=0.6)
    calendar = WorkCalendar.from_settings(sample_library.calendar(start))
    expected = reference_findings(log.events, sample_library, calendar, _as_of(log.meta))
    truth: dict[str, set[str]] = {}
    for row in log.truth.iter_rows(named=True):
        truth.setdefault(row["dossier_id"], set()).add(row["rule"])
    assert {d: r for d, r in expected.items() if r} == truth
