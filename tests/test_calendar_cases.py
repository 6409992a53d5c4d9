"""Hand-computed cases on the sample calendar (office 07:30–11:30 and 13:30–17:00,
Monday to Friday: 450 working minutes a day; Vietnamese public holidays).

Every case is checked through the scalar methods and through their `_array` twins.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from qms.calendar import WorkCalendar
from qms.model.calendar import CalendarSettings, OfficeSession, Weekday

VN = dt.timezone(dt.timedelta(hours=7))
UTC = dt.timezone.utc
CUTOFF = dt.time(15, 0)


def at(text: str) -> dt.datetime:
    """A moment in Vietnam time written as 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


def as_array(*moments: dt.datetime) -> np.ndarray:
    return np.array([m.astimezone(UTC).replace(tzinfo=None) for m in moments], dtype="datetime64[us]")


def from_array(values: np.ndarray) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(str(v)).replace(tzinfo=UTC).astimezone(VN) for v in values]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.sample()


def check_start(calendar, received, expected, cutoff=None, unit=None):
    assert calendar.counting_start(at(received), cutoff, unit=unit) == at(expected)
    [vectorised] = from_array(calendar.counting_start_array(as_array(at(received)), cutoff, unit=unit))
    assert vectorised == at(expected)


def check_add(calendar, start, amount, unit, expected, office_unit=None):
    assert calendar.add(at(start), amount, unit, office_unit=office_unit) == at(expected)
    [vectorised] = from_array(calendar.add_array(as_array(at(start)), amount, unit, office_unit=office_unit))
    assert vectorised == at(expected)


def check_minutes(calendar, start, end, expected, pauses=(), office_unit=None):
    scalar_pauses = [(at(a), at(b)) for a, b in pauses]
    assert calendar.working_minutes_between(at(start), at(end), scalar_pauses, office_unit=office_unit) == expected
    array_pauses = [(as_array(at(a)), as_array(at(b))) for a, b in pauses]
    [vectorised] = calendar.working_minutes_between_array(
        as_array(at(start)), as_array(at(end)), array_pauses, office_unit=office_unit
    )
    assert vectorised == expected


# ---- where the clock starts -----------------------------------------------------------


def test_receipt_on_a_weekend_starts_on_monday_opening(calendar):
    check_start(calendar, "2025-03-08 10:00", "2025-03-10 07:30")  # Saturday
    check_start(calendar, "2025-03-09 23:59", "2025-03-10 07:30")  # Sunday night
    # counted from Monday's opening, 3 working days end at Wednesday's close (the same
    # instant of working time as Thursday's opening, named as the slip shows it)
    check_add(calendar, "2025-03-08 10:00", 3, "working_days", "2025-03-12 17:00")


def test_receipt_on_a_holiday_waits_for_the_whole_block(calendar):
    # 30 Apr (Wed), 1 May (Thu), 2 May 2025 (Fri, swapped for Saturday 26 Apr), weekend
    check_start(calendar, "2025-04-30 09:00", "2025-05-05 07:30")


def test_receipt_after_office_hours_and_before_opening(calendar):
    check_start(calendar, "2025-03-11 17:30", "2025-03-12 07:30")
    check_start(calendar, "2025-03-11 17:00", "2025-03-12 07:30")  # the close itself is not working time
    check_start(calendar, "2025-03-11 06:00", "2025-03-11 07:30")
    check_start(calendar, "2025-03-11 16:59", "2025-03-11 16:59")


def test_receipt_at_lunch_starts_at_the_afternoon_session(calendar):
    check_start(calendar, "2025-03-11 12:00", "2025-03-11 13:30")
    check_add(calendar, "2025-03-11 12:00", 1, "working_days", "2025-03-12 13:30")


def test_cutoff_moves_the_start_to_the_next_working_days_opening(calendar):
    check_start(calendar, "2025-03-11 15:10", "2025-03-12 07:30", CUTOFF)
    check_start(calendar, "2025-03-11 15:00", "2025-03-11 15:00", CUTOFF)  # "after 15:00": 15:00 itself is in time
    check_start(calendar, "2025-03-11 15:10", "2025-03-11 15:10")  # no cut-off for this procedure
    check_start(calendar, "2025-03-14 15:30", "2025-03-17 07:30", CUTOFF)  # Friday → Monday
    check_start(calendar, "2025-03-11 17:30", "2025-03-12 07:30", CUTOFF)


def test_cutoff_false_overrides_a_calendar_default():
    settings = WorkCalendar.sample().settings.model_copy(update={"receipt_cutoff": dt.time(15)})
    calendar = WorkCalendar.from_settings(settings)
    assert calendar.counting_start(at("2025-03-11 15:10")) == at("2025-03-12 07:30")
    assert calendar.counting_start(at("2025-03-11 15:10"), cutoff=False) == at("2025-03-11 15:10")


# ---- right before Tết --------------------------------------------------------------------


def test_received_friday_before_tet_2025(calendar):
    # Tết Ất Tỵ: Mon 27 – Fri 31 Jan 2025 off; weekends either side; back on Mon 3 Feb
    check_start(calendar, "2025-01-24 16:30", "2025-01-24 16:30")
    check_add(calendar, "2025-01-24 16:30", 3, "working_days", "2025-02-05 16:30")
    check_start(calendar, "2025-01-24 16:30", "2025-02-03 07:30", CUTOFF)
    check_add(calendar, "2025-02-03 07:30", 3, "working_days", "2025-02-05 17:00")
    check_minutes(calendar, "2025-01-24 16:30", "2025-02-03 08:30", 90)


def test_received_friday_before_tet_2026(calendar):
    # Tết Bính Ngọ: Mon 16 – Fri 20 Feb 2026 off; back on Mon 23 Feb
    check_start(calendar, "2026-02-13 10:00", "2026-02-13 10:00")
    check_add(calendar, "2026-02-13 10:00", 3, "working_days", "2026-02-25 10:00")
    check_add(calendar, "2026-02-13 10:00", 8, "working_hours", "2026-02-23 10:30")  # 1.5 + 3.5 h on Fri, 3 h on Mon
    check_minutes(calendar, "2026-02-13 16:00", "2026-02-23 08:00", 90)


# ---- swap days and worked Saturdays --------------------------------------------------------


def test_worked_saturday_2025_counts_and_swap_friday_does_not(calendar):
    # Saturday 26 Apr 2025 is worked in exchange for Friday 2 May
    check_add(calendar, "2025-04-25 09:00", 1, "working_days", "2025-04-26 09:00")
    check_add(calendar, "2025-04-25 09:00", 3, "working_days", "2025-04-29 09:00")
    check_add(calendar, "2025-04-29 10:00", 2, "working_days", "2025-05-06 10:00")
    check_minutes(calendar, "2025-04-25 17:00", "2025-04-28 07:30", 450)


def test_worked_saturday_2024(calendar):
    # Monday 29 Apr 2024 off, Saturday 4 May worked in exchange
    check_add(calendar, "2024-04-26 14:00", 2, "working_days", "2024-05-03 14:00")
    check_add(calendar, "2024-04-26 14:00", 3, "working_days", "2024-05-04 14:00")
    check_minutes(calendar, "2024-05-03 17:00", "2024-05-06 07:30", 450)
    assert calendar.is_working_time(at("2024-05-04 10:00"))
    assert not calendar.is_working_time(at("2024-04-29 10:00"))


# ---- year ends and leap days ------------------------------------------------------------


def test_across_year_ends(calendar):
    check_add(calendar, "2025-12-31 16:00", 1, "working_days", "2026-01-02 16:00")  # 1 Jan off
    check_add(calendar, "2025-12-31 16:00", 2, "working_days", "2026-01-05 16:00")
    check_minutes(calendar, "2024-12-31 16:00", "2025-01-02 08:00", 90)
    check_add(calendar, "2024-12-31 16:30", 1, "working_hours", "2025-01-02 08:00")


def test_leap_day(calendar):
    check_add(calendar, "2024-02-28 10:00", 1, "working_days", "2024-02-29 10:00")
    check_add(calendar, "2024-02-29 10:00", 1, "working_days", "2024-03-01 10:00")
    check_add(calendar, "2024-01-29 10:00", 31, "calendar_days", "2024-02-29 10:00")
    check_add(calendar, "2024-02-29 10:00", 365, "calendar_days", "2025-02-28 10:00")
    check_minutes(calendar, "2024-02-28 17:00", "2024-03-01 07:30", 450)


def test_calendar_days_ending_on_a_day_off_run_to_the_next_working_days_close(calendar):
    check_add(calendar, "2025-03-03 10:00", 5, "calendar_days", "2025-03-10 17:00")  # Saturday → Monday close
    check_add(calendar, "2025-01-20 10:00", 8, "calendar_days", "2025-02-03 17:00")  # lands in Tết


# ---- working hours and fractions -------------------------------------------------------------


def test_working_hours_run_across_the_night_and_stop_at_a_close(calendar):
    check_add(calendar, "2025-03-11 16:00", 4, "working_hours", "2025-03-12 10:30")
    check_add(calendar, "2025-03-11 09:30", 2, "working_hours", "2025-03-11 11:30")
    check_add(calendar, "2025-03-11 12:15", 1, "working_hours", "2025-03-11 14:30")
    check_add(calendar, "2025-03-08 10:00", 0, "working_hours", "2025-03-10 07:30")


def test_fraction_of_a_working_day_is_working_day_hours(calendar):
    # 0.5 day = 4 h (working_day_hours 8): Wed 09:00 + 2.5 h to 11:30 + 1.5 h from 13:30
    check_add(calendar, "2025-03-11 09:00", 1.5, "working_days", "2025-03-12 15:00")
    assert calendar.duration_minutes(3, "working_days") == 3 * 8 * 60
    assert calendar.duration_minutes(4, "working_hours") == 240


# ---- pauses --------------------------------------------------------------------------------


def test_pauses_straddling_non_working_time(calendar):
    # Thu 6 Mar 09:00 → Wed 12 Mar 10:00: 360 + 450 + 450 + 450 + 150 minutes
    start, end = "2025-03-06 09:00", "2025-03-12 10:00"
    check_minutes(calendar, start, end, 1860)
    # Fri 16:00 → Mon 09:00 across the weekend: 60 + 90
    check_minutes(calendar, start, end, 1860 - 150, [("2025-03-07 16:00", "2025-03-10 09:00")])
    # an overlapping second pause is not counted twice: union Fri 16:00 → Mon 14:00 = 60 + 240 + 30
    check_minutes(calendar, start, end, 1860 - 330,
                  [("2025-03-07 16:00", "2025-03-10 09:00"), ("2025-03-10 08:00", "2025-03-10 14:00")])
    # a pause wholly in the weekend, and one reaching outside [start, end], are clipped
    check_minutes(calendar, start, end, 1860, [("2025-03-08 08:00", "2025-03-09 18:00")])
    check_minutes(calendar, start, end, 1860 - 150 - 60,
                  [("2025-03-05 08:00", "2025-03-06 11:30"), ("2025-03-12 09:00", "2025-03-13 09:00")])


def test_missing_pause_end_is_ignored(calendar):
    scalar = calendar.working_minutes_between(at("2025-03-06 09:00"), at("2025-03-07 09:00"), [(at("2025-03-06 10:00"), None)])
    assert scalar == 450
    nat = np.array(["NaT"], dtype="datetime64[us]")
    [vectorised] = calendar.working_minutes_between_array(
        as_array(at("2025-03-06 09:00")), as_array(at("2025-03-07 09:00")), [(as_array(at("2025-03-06 10:00")), nat)]
    )
    assert vectorised == 450


def test_end_before_start_is_negative(calendar):
    check_minutes(calendar, "2025-03-07 09:00", "2025-03-06 09:00", -450)


# ---- time zones ---------------------------------------------------------------------------


def test_inputs_in_other_zones_and_naive_inputs(calendar):
    # 09:30 UTC = 16:30 in Vietnam
    assert calendar.counting_start(dt.datetime(2025, 1, 24, 9, 30, tzinfo=UTC)) == at("2025-01-24 16:30")
    # naive = the calendar's zone
    assert calendar.counting_start(dt.datetime(2025, 1, 24, 16, 30)) == at("2025-01-24 16:30")
    # a Dutch log on the day the Netherlands moves to summer time: 10:30+02:00 = 15:30 in Vietnam (Sunday)
    from zoneinfo import ZoneInfo

    amsterdam = dt.datetime(2025, 3, 30, 10, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert calendar.counting_start(amsterdam) == at("2025-03-31 07:30")
    assert calendar.counting_start(amsterdam).tzinfo is not None


def test_polars_series_in_any_zone(calendar):
    import polars as pl

    series = pl.Series([dt.datetime(2025, 1, 24, 16, 30), None]).dt.replace_time_zone("Asia/Ho_Chi_Minh")
    result = calendar.add_array(series, 3, "working_days")
    assert from_array(result[:1]) == [at("2025-02-05 16:30")]
    assert np.isnat(result[1])


def dst_calendar() -> WorkCalendar:
    day = [OfficeSession(start=dt.time(9), end=dt.time(17))]
    settings = CalendarSettings(
        code="NL", issue=1, effective_from=dt.date(2020, 1, 1), title={"vi": "Lịch Hà Lan"},
        timezone="Europe/Amsterdam", country="NL",
        office_hours={w: day for w in (Weekday.mon, Weekday.tue, Weekday.wed, Weekday.thu, Weekday.fri)},
    )
    return WorkCalendar.from_settings(settings)


def test_calendar_zone_with_daylight_saving_time():
    calendar = dst_calendar()
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Amsterdam")
    friday = dt.datetime(2025, 3, 28, 10, 0, tzinfo=zone)  # CET, +01:00
    monday = dt.datetime(2025, 3, 31, 10, 0, tzinfo=zone)  # CEST, +02:00
    assert calendar.add(friday, 1, "working_days") == monday
    assert calendar.working_minutes_between(dt.datetime(2025, 3, 28, 16, tzinfo=zone), monday) == 120
    starts = np.array([friday.astimezone(UTC).replace(tzinfo=None)], dtype="datetime64[us]")
    [vectorised] = calendar.add_array(starts, 1, "working_days")
    assert vectorised == np.datetime64("2025-03-31T08:00", "us")


# ---- Saturday receipt, per unit ----------------------------------------------------------------


def test_saturday_receipt_counts_only_for_units_that_say_so(calendar):
    # the sample's unit UBND_XA counts its Saturday-morning receipt hours
    check_start(calendar, "2025-03-08 09:00", "2025-03-08 09:00", unit="UBND_XA")
    check_start(calendar, "2025-03-08 09:00", "2025-03-10 07:30", unit="OTHER")
    check_add(calendar, "2025-03-08 09:00", 3, "working_days", "2025-03-12 09:00", office_unit="UBND_XA")
    check_minutes(calendar, "2025-03-08 09:00", "2025-03-10 08:00", 180, office_unit="UBND_XA")
    check_minutes(calendar, "2025-03-08 09:00", "2025-03-10 08:00", 30)
    # a holiday Saturday is not receipt time (Sat 1 Feb 2025, Tết)
    check_start(calendar, "2025-02-01 09:00", "2025-02-03 07:30", unit="UBND_XA")


def test_units_array_mixes_the_rules(calendar):
    received = as_array(at("2025-03-08 09:00"), at("2025-03-08 09:00"), at("2025-03-08 09:00"))
    result = from_array(calendar.counting_start_array(received, unit=np.array(["UBND_XA", "OTHER", None], dtype=object)))
    assert result == [at("2025-03-08 09:00"), at("2025-03-10 07:30"), at("2025-03-10 07:30")]


# ---- NaT and bad input -----------------------------------------------------------------------


def test_nat_propagates(calendar):
    values = np.array(["2025-03-11T02:00", "NaT"], dtype="datetime64[us]")
    assert np.isnat(calendar.counting_start_array(values)[1])
    assert np.isnat(calendar.add_array(values, 3, "working_days")[1])
    assert np.isnat(calendar.add_array(values, np.array([np.nan, 1.0]), "working_days")).all()
    minutes = calendar.working_minutes_between_array(values, values[::-1])
    assert np.isnan(minutes).all()
    assert calendar.is_working_time_array(values).tolist() == [True, False]
    all_nat = np.array(["NaT", "NaT"], dtype="datetime64[us]")
    assert np.isnat(calendar.add_array(all_nat, 1, "working_days")).all()


def test_bad_durations_are_user_errors(calendar):
    from qms.core.errors import QmsError

    with pytest.raises(QmsError):
        calendar.add(at("2025-03-11 09:00"), -1, "working_days")
    with pytest.raises(QmsError):
        calendar.add(at("2025-03-11 09:00"), 1, "fortnights")
    with pytest.raises(QmsError):
        calendar.add_array(as_array(at("2025-03-11 09:00")), np.array([-2.0]), "working_hours")


def test_far_future_inputs_grow_the_tables(calendar):
    [result] = from_array(calendar.add_array(as_array(at("2030-12-30 09:00")), 300, "working_days"))
    assert result == calendar.add(at("2030-12-30 09:00"), 300, "working_days")
    assert result.year == 2032


def test_cutoff_per_row(calendar):
    received = as_array(at("2025-03-11 15:10"), at("2025-03-11 15:10"), at("2025-03-11 15:10"))
    per_row = np.array([15 * 60, "NaT", 16 * 60], dtype="timedelta64[m]")
    assert from_array(calendar.counting_start_array(received, per_row)) == [
        at("2025-03-12 07:30"), at("2025-03-11 15:10"), at("2025-03-11 15:10")]
    as_times = np.array([dt.time(15), None, dt.time(16)], dtype=object)
    assert from_array(calendar.counting_start_array(received, as_times)) == from_array(
        calendar.counting_start_array(received, per_row))


def test_units_per_row(calendar):
    starts = as_array(at("2025-03-11 09:00"), at("2025-03-11 09:00"), at("2025-03-03 10:00"), at("2025-03-11 09:00"))
    units = np.array(["working_days", "working_hours", "calendar_days", None], dtype=object)
    result = calendar.add_array(starts, np.array([1, 4, 5, 1.0]), units)
    assert from_array(result[:3]) == [at("2025-03-12 09:00"), at("2025-03-11 15:00"), at("2025-03-10 17:00")]
    assert np.isnat(result[3])
    from qms.core.errors import QmsError

    with pytest.raises(QmsError):
        calendar.add_array(starts, 1, np.array(["working_days", "weeks", None, None], dtype=object))


def test_manifest_names_the_calendar_and_its_holiday_source(calendar):
    manifest = calendar.manifest()
    assert manifest["code"] == "LICH-LV" and manifest["status"] == "approved"
    assert manifest["holiday_source"] == calendar.holiday_source
    assert manifest["years_without_holiday_data"] == []


def test_scalar_methods_take_numpy_instants_as_utc(calendar):
    assert calendar.counting_start(np.datetime64("2025-01-24T09:30")) == at("2025-01-24 16:30")


def test_a_working_day_boundary_is_named_as_the_close_of_the_day(calendar):
    # Mon 1 and Tue 2 Sep 2025 are National Day holidays: counting starts Wed 07:30.
    # 1 working day ends at Wednesday's close, which is the same instant of working
    # time as Thursday's opening; the slip shows the Wednesday date (DOMAIN: an
    # appointment is the close of the last working day it uses).
    check_start(calendar, "2025-09-01 09:00", "2025-09-03 07:30")
    check_add(calendar, "2025-09-01 09:00", 1, "working_days", "2025-09-03 17:00")
    check_add(calendar, "2025-09-01 09:00", 2, "working_days", "2025-09-04 17:00")
    check_add(calendar, "2025-09-03 07:30", 1, "working_days", "2025-09-03 17:00")
    check_add(calendar, "2025-09-02 16:00", 1, "working_days", "2025-09-03 17:00")


def test_neighbours_of_the_day_boundary(calendar):
    # from Friday's close: Monday's close (not Tuesday's opening)
    check_add(calendar, "2025-09-05 17:00", 1, "working_days", "2025-09-08 17:00")
    # not at a boundary: same clock time the next working day, as before
    check_add(calendar, "2025-09-03 13:30", 1, "working_days", "2025-09-04 13:30")
    check_add(calendar, "2025-09-03 07:31", 1, "working_days", "2025-09-04 07:31")
    # fractions: half a day from the opening ends at the morning's close; a day and a half
    check_add(calendar, "2025-09-03 07:30", 0.5, "working_days", "2025-09-03 11:30")
    check_add(calendar, "2025-09-03 07:30", 1.5, "working_days", "2025-09-04 11:30")
    # working hours already end at a close: a whole office day from the opening
    check_add(calendar, "2025-09-03 07:30", 7.5, "working_hours", "2025-09-03 17:00")
    # nothing to add: the counting start itself, an opening
    check_add(calendar, "2025-09-01 09:00", 0, "working_days", "2025-09-03 07:30")
    # across Tết 2025 (Mon 27 - Fri 31 Jan off): Friday 24 Jan's close + 1 day = Mon 3 Feb close
    check_add(calendar, "2025-01-24 17:00", 1, "working_days", "2025-02-03 17:00")


def test_calendar_days_due_on_a_day_off_moves_or_stays():
    moving = WorkCalendar.sample()
    # 5 calendar days from Mon 25 Aug 2025 10:00 land on Sat 30 Aug: moved to the
    # close of the next working day, Wed 3 Sep (1 and 2 Sep are National Day)
    check_add(moving, "2025-08-25 10:00", 5, "calendar_days", "2025-09-03 17:00")
    keeping = WorkCalendar(moving.settings.model_copy(update={"calendar_days_due_on_day_off": "keep"}))
    check_add(keeping, "2025-08-25 10:00", 5, "calendar_days", "2025-08-30 10:00")
    check_add(keeping, "2025-08-25 10:00", 3, "calendar_days", "2025-08-28 10:00")


def test_calendar_days_keep_the_wall_clock_across_a_dst_change():
    # Amsterdam moved its clocks from 02:00 to 03:00 on Sun 30 Mar 2025: 3 calendar
    # days from Fri 28 Mar 10:00 are Mon 31 Mar 10:00 local, 71 hours later, not 72
    settings = CalendarSettings(code="LICH-NL", issue=1, title={"vi": "Lịch NL", "en": "NL"},
                                effective_from="2025-01-01", timezone="Europe/Amsterdam", country="NL")
    amsterdam = WorkCalendar(settings)
    start = dt.datetime(2025, 3, 28, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    due = amsterdam.add(start, 3, "calendar_days")
    assert (due.year, due.month, due.day, due.hour, due.minute) == (2025, 3, 31, 10, 0)
    assert due - start == dt.timedelta(hours=71)
    [vectorised] = amsterdam.add_array(as_array(start), 3, "calendar_days")
    assert vectorised == np.datetime64(due.astimezone(UTC).replace(tzinfo=None), "us")
