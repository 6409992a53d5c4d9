"""The generator on procedures unlike the samples: a first step that is not
`received`, a result step with another id, no result step at all, an optional step,
a rule set with other limits. The truth must still equal the reference reading."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from qms.calendar import WorkCalendar
from qms.core.errors import QmsError
from qms.model.procedure import Procedure
from qms.model.ruleset import RuleSet
from qms.synth import generate_log

from test_synth_semantics import reference_findings


def _procedure(code: str, steps: list[dict], limit_days: float, **extra) -> Procedure:
    return Procedure.model_validate({
        "code": code, "issue": 1, "status": "approved", "effective_from": "2024-01-01",
        "title": {"vi": f"Quy trình thử {code}"}, "field": {"vi": "Thử nghiệm"},
        "time_limit": {"amount": limit_days, "unit": "working_days"},
        "steps": [dict(step, name={"vi": step["id"]}) for step in steps], **extra,
    })


class StandInLibrary:
    """The part of qms.library.Library the generator uses, over documents built here."""

    def __init__(self, procedures, ruleset, calendar_settings):
        self._procedures = procedures
        self._ruleset = ruleset
        self._calendar = calendar_settings

    def codes(self, kind):
        return sorted({p.code for p in self._procedures})

    def procedure(self, code, at):
        day = at if isinstance(at, dt.date) and not isinstance(at, dt.datetime) else at.astimezone(
            WorkCalendar.from_settings(self._calendar).zone).date()
        for procedure in self._procedures:
            if procedure.code == code and procedure.in_force_on(day):
                return procedure
        raise QmsError(f"no issue of {code} in force on {day}")

    def ruleset(self, at):
        return self._ruleset

    def calendar(self, at=None):
        return self._calendar


@pytest.fixture(scope="module")
def stand_in():
    desk = [{"id": "tiep_nhan", "unit": "MOTCUA", "allotted": {"amount": 2, "unit": "working_hours"}}]
    first = _procedure("QT-THU-01", desk + [
        {"id": "tham_dinh", "unit": "PHONG_A", "allotted": {"amount": 2, "unit": "working_days"}},
        {"id": "kiem_tra", "unit": "PHONG_A", "allotted": {"amount": 1, "unit": "working_days"}, "optional": True},
        {"id": "xac_minh", "unit": "PHONG_B"},
        {"id": "phe_duyet", "unit": "LANH_DAO", "allotted": {"amount": 1, "unit": "working_days"}, "approval": True},
        {"id": "tra_ket_qua", "unit": "MOTCUA", "allotted": {"amount": 4, "unit": "working_hours"}, "result": True},
    ], 6)
    second = _procedure("QT-THU-02", [
        {"id": "received", "unit": "MOTCUA", "allotted": {"amount": 2, "unit": "working_hours"}},
        {"id": "xu_ly", "unit": "PHONG_B", "allotted": {"amount": 3, "unit": "working_days"}},
        {"id": "soan_thao", "unit": "PHONG_B", "allotted": {"amount": 1, "unit": "working_days"}},
        {"id": "ky_duyet", "unit": "LANH_DAO", "allotted": {"amount": 1, "unit": "working_days"}, "approval": True},
    ], 6, receipt_cutoff="16:00")
    ruleset = RuleSet.model_validate({
        "code": "RS-THU", "issue": 1, "status": "approved", "effective_from": "2024-01-01",
        "title": {"vi": "Quy tắc thử"}, "apology_lead_working_days": 0.5, "max_supplement_requests": 2,
        "max_reschedules": 1, "rules": {"repeated_step": {"enabled": False}},
    })
    return StandInLibrary([first, second], ruleset, WorkCalendar.sample().settings)


@pytest.mark.slow
def test_truth_equals_the_reference_on_other_procedures(stand_in):
    log = generate_log(stand_in, 1200, seed=77, defect_rate=0.5, period_from=dt.date(2025, 3, 1),
                       period_to=dt.date(2025, 9, 30))
    events = log.events
    # The status events the procedures lack are there.
    second = events.filter(pl.col("procedure_code") == "QT-THU-02")
    assert "returned" in set(second["step"]) and "processed" in set(second["step"])
    first = events.filter(pl.col("procedure_code") == "QT-THU-01")
    assert first.group_by("dossier_id", maintain_order=True).first()["step"].unique().to_list() == ["received"]
    assert "tra_ket_qua" in set(first["step"])
    calendar = WorkCalendar.from_settings(stand_in.calendar())
    as_of = dt.datetime.fromisoformat(log.meta["as_of"].replace("Z", "+00:00"))
    expected = reference_findings(events, stand_in, calendar, as_of)
    truth: dict[str, set[str]] = {}
    for row in log.truth.iter_rows(named=True):
        truth.setdefault(row["dossier_id"], set()).add(row["rule"])
    differences = {d: (truth.get(d, set()), rules) for d, rules in expected.items() if truth.get(d, set()) != rules}
    assert not differences, list(differences.items())[:5]
    # A rule the rule set disables never appears; the others do.
    rules = set(log.truth["rule"])
    assert "repeated_step" not in rules
    assert {"too_many_supplement_requests", "returned_before_approval", "missing_step", "step_out_of_order",
            "late_without_apology", "finished_late", "open_overdue"} <= rules


def test_procedures_counting_calendar_days_are_left_out_and_said_so(stand_in):
    from qms.model.procedure import DurationUnit

    by_calendar = _procedure("QT-LICH-01", [
        {"id": "received", "unit": "MOTCUA", "allotted": {"amount": 2, "unit": "working_hours"}},
        {"id": "xu_ly", "unit": "PHONG_B"},
        {"id": "returned", "unit": "MOTCUA", "result": True},
    ], 15)
    by_calendar = by_calendar.model_copy(update={"time_limit": by_calendar.time_limit.model_copy(
        update={"unit": DurationUnit.calendar_days})})
    mixed = StandInLibrary([*stand_in._procedures, by_calendar], stand_in._ruleset, stand_in._calendar)
    log = generate_log(mixed, 100, seed=1)
    assert "QT-LICH-01" not in set(log.events["procedure_code"])
    assert log.meta["skipped_procedures"] == ["QT-LICH-01 issue 1"]
    alone = StandInLibrary([by_calendar], stand_in._ruleset, stand_in._calendar)
    with pytest.raises(QmsError, match="QT-LICH-01 issue 1"):
        generate_log(alone, 10, seed=1)
