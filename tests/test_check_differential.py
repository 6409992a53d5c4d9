"""The vectorised engine and the per-dossier reference checker agree exactly."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from check_support import calendar_settings, events_frame, make_calendar, simple_procedure, simple_ruleset
from qms.check.documents import CheckDocuments
from qms.check.engine import check_events
from qms.check.reference import reference_tables

STEPS = ["received", "appraise", "approve", "issue_result", "processed", "returned", "supplement_requested",
         "supplement_received", "apology_issued", "refused", "withdrawn", "stray_step"]
BASE = dt.datetime(2024, 3, 1, 7, 0)


def documents(method="appointment", lead=0.0, cutoff=None, rules=None):
    procedures = [
        simple_procedure(issue=1, effective_to=dt.date(2024, 3, 10), cutoff=cutoff),
        simple_procedure(issue=2, effective_from=dt.date(2024, 3, 11), limit_days=4),
        simple_procedure(code="QT-CAL", issue=1, time_limit={"amount": 10, "unit": "calendar_days"}),
        simple_procedure(code="QT-LATE", issue=1, effective_from=dt.date(2024, 4, 1)),
    ]
    rulesets = [simple_ruleset(classification_method=method, apology_lead_working_days=lead, rules=rules or {}),
                simple_ruleset(issue=2, effective_from=dt.date(2024, 3, 8), classification_method="working_time",
                               max_supplement_requests=2, count_repeated_supplement_as_late=False)]
    return CheckDocuments(procedures, rulesets, make_calendar(), calendar_settings())


event = st.tuples(st.sampled_from(STEPS), st.integers(0, 60 * 24 * 20), st.sampled_from(["MC", "CM", None]))
dossier = st.tuples(
    st.sampled_from(["QT-01", "QT-CAL", "QT-LATE", "NOPE", None]),
    st.lists(event, min_size=1, max_size=9),
    st.one_of(st.none(), st.integers(0, 60 * 24 * 14)),  # appointment offset (minutes)
    st.booleans(),  # received_at column set
    st.one_of(st.none(), st.integers(0, 60 * 24 * 20)),  # step due offset
)


def build_log(dossiers) -> pl.DataFrame:
    rows = []
    for number, (code, evs, appointment, has_received_col, step_due) in enumerate(dossiers):
        start = BASE + dt.timedelta(days=number % 9, minutes=37 * number)
        for kind, offset, unit in evs:
            at = start + dt.timedelta(minutes=offset)
            row = dict(dossier_id=f"D{number:03d}", procedure_code=code, step=kind, unit=unit, officer="x", at=at,
                       appointment_at=start + dt.timedelta(minutes=appointment) if appointment is not None else None,
                       received_at=start if has_received_col else None,
                       step_due_at=start + dt.timedelta(minutes=step_due) if step_due is not None else None)
            if kind == "apology_issued":
                row["appointment_at"] = at + dt.timedelta(days=3)
            rows.append(row)
    return events_frame(rows)


def assert_same(events, docs, as_of):
    engine_dossiers, engine_findings = check_events(events, docs, as_of)
    ref_dossiers, ref_findings = reference_tables(events, docs, as_of)
    # minutes are whole seconds / 60: equal up to float rounding (a second is 0.0167)
    assert_frame_equal(engine_dossiers, ref_dossiers.select(engine_dossiers.columns), check_dtypes=True,
                       rel_tol=0, abs_tol=1e-9)
    assert_frame_equal(engine_findings, ref_findings.select(engine_findings.columns))
    return engine_dossiers, engine_findings


AS_OF = dt.datetime(2024, 3, 20, 3, 0, tzinfo=dt.timezone.utc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dossier, min_size=1, max_size=12), st.sampled_from(["appointment", "working_time"]),
       st.sampled_from([0.0, 1.0]), st.sampled_from([None, dt.time(15, 0)]))
def test_engine_equals_reference_on_random_logs(dossiers, method, lead, cutoff):
    docs = documents(method=method, lead=lead, cutoff=cutoff)
    assert_same(build_log(dossiers), docs, AS_OF)


def interleaved(log: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The same events with the dossiers interleaved at random (each dossier's own
    events keep their order) and ids that do not follow the order of the log."""
    import random

    rng = random.Random(seed)
    rows = log.with_row_index("row")
    queues = {d: list(g["row"]) for (d,), g in rows.group_by("dossier_id", maintain_order=True)}
    draws = [d for d, queue in queues.items() for _ in queue]
    rng.shuffle(draws)
    order = [queues[d].pop(0) for d in draws]
    renamed = {f"D{n:03d}": f"D{(7 * n) % 100:03d}" for n in range(100)}
    return log[order].with_columns(pl.col("dossier_id").replace(renamed))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dossier, min_size=2, max_size=12), st.integers(0, 1000))
def test_engine_equals_reference_whatever_the_order_of_the_log(dossiers, seed):
    """Grouped logs keep their groups, interleaved ones are sorted: the tables are the same."""
    docs = documents()
    log = interleaved(build_log(dossiers), seed)
    assert_same(log, docs, AS_OF)
    # grouped again, dossiers in the interleaved log's order of first appearance
    first_seen = log.select(pl.col("dossier_id").unique(maintain_order=True)).with_row_index("first_seen")
    grouped = log.with_row_index("row").join(first_seen, on="dossier_id").sort("first_seen", "row").drop(
        "row", "first_seen")
    assert_same(grouped, docs, AS_OF)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dossier, min_size=1, max_size=8))
def test_engine_equals_reference_as_of_the_end_of_a_day(dossiers):
    """`--as-of DATE` means the day's last microsecond: open dossiers' last gaps are
    fractions of a second, rounded as the reference rounds them."""
    end_of_day = dt.datetime(2024, 3, 19, 16, 59, 59, 999999, tzinfo=dt.timezone.utc)  # 23:59:59.999999 at +07
    assert_same(build_log(dossiers), documents(method="working_time"), end_of_day)


def test_a_log_judged_before_its_first_event_has_no_dossiers():
    log = build_log([("QT-01", [("received", 0, "MC"), ("appraise", 60, "CM")], None, False, None)])
    dossiers, findings = assert_same(log, documents(), dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    assert dossiers.height == 0 and findings.height == 0


def test_rule_settings_switch_rules_off_and_change_severity():
    docs = documents(rules={"appointment_missing": {"enabled": False}, "open_overdue": {"severity": "major"}})
    log = build_log([("QT-01", [("received", 0, "MC"), ("appraise", 60, "CM")], None, False, None)])
    _, findings = assert_same(log, docs, AS_OF)
    assert "appointment_missing" not in findings["rule"].to_list()
    assert findings.filter(pl.col("rule") == "open_overdue")["severity"].to_list() == ["major"]


def test_engine_equals_reference_for_a_procedure_with_many_steps():
    """More than 62 steps: the engine leaves its bitmask shortcuts for plain joins."""
    from qms.model.procedure import Procedure

    steps = [{"id": f"s{i:02d}", "name": {"vi": f"Bước {i}"}, "unit": "CM"} for i in range(70)]
    steps[0]["id"] = "received"
    steps[-1].update(id="returned", result=True)
    steps[40]["approval"] = True
    procedure = Procedure.model_validate(dict(
        code="QT-LONG", issue=1, status="approved", effective_from=dt.date(2020, 1, 1), title={"vi": "Dài"},
        field={"vi": "Khác"}, time_limit={"amount": 20}, steps=steps))
    docs = CheckDocuments([procedure], [simple_ruleset()], make_calendar(), calendar_settings())
    names = [s["id"] for s in steps]
    rows = []
    import random

    rng = random.Random(3)
    for number in range(40):
        chosen = sorted(rng.sample(range(70), rng.randint(2, 12)))
        if rng.random() < 0.3:
            chosen.append(rng.choice(chosen))  # a repetition or a step out of order
        for position, index in enumerate(chosen):
            rows.append(dict(dossier_id=f"L{number:02d}", procedure_code="QT-LONG", step=names[index], unit="CM",
                             officer="x", at=BASE + dt.timedelta(days=number % 5, hours=position * 5)))
    assert_same(events_frame(rows), docs, AS_OF)
