"""Holiday data: the `holidays` package's Vietnam calendar checked against the
government's announcements for 2024–2026, per-year overrides, and years without data."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from qms.calendar import HolidayDataMissing, WorkCalendar
from qms.model.calendar import CalendarSettings

D = dt.date


def weekday_days_off(calendar: WorkCalendar, year: int) -> set[dt.date]:
    shown, _counts = calendar.show(year)
    return {item.date for item in shown if item.kind == "holiday"}


def worked_weekend_days(calendar: WorkCalendar, year: int) -> set[dt.date]:
    shown, _counts = calendar.show(year)
    return {item.date for item in shown if item.kind == "worked_weekend"}


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.sample()


def test_2024_matches_the_official_schedule(calendar):
    # Tết Giáp Thìn: Thu 8 – Wed 14 Feb (weekdays 8, 9, 12, 13, 14); Giỗ Tổ Thu 18 Apr;
    # Mon 29 Apr off in exchange for Sat 4 May (Official Dispatch 2450/VPCP-KGVX);
    # 30 Apr, 1 May; National Day Mon 2 + Tue 3 Sep
    assert weekday_days_off(calendar, 2024) == {
        D(2024, 1, 1),
        D(2024, 2, 8), D(2024, 2, 9), D(2024, 2, 12), D(2024, 2, 13), D(2024, 2, 14),
        D(2024, 4, 18), D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1),
        D(2024, 9, 2), D(2024, 9, 3),
    }
    assert worked_weekend_days(calendar, 2024) == {D(2024, 5, 4)}


def test_2025_matches_the_official_schedule(calendar):
    # Tết Ất Tỵ: Sat 25 Jan – Sun 2 Feb (weekdays 27–31 Jan, Announcement 6150/TB-BLĐTBXH);
    # Giỗ Tổ Mon 7 Apr; Fri 2 May off in exchange for Sat 26 Apr; National Day Mon 1 + Tue 2 Sep
    assert weekday_days_off(calendar, 2025) == {
        D(2025, 1, 1),
        D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31),
        D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2),
        D(2025, 9, 1), D(2025, 9, 2),
    }
    assert worked_weekend_days(calendar, 2025) == {D(2025, 4, 26)}


def test_2026_as_the_package_carries_it(calendar):
    # Tết Bính Ngọ: Sat 14 – Sun 22 Feb (weekdays 16–20 Feb); Giỗ Tổ falls on Sun 26 Apr,
    # observed Mon 27 Apr; 30 Apr, 1 May; Mon 31 Aug off in exchange for Sat 22 Aug, with
    # 1–2 Sep; Vietnam Culture Day 24 Nov (new from 2026). Check against the official
    # notices before relying on 2026 (see docs/calendar.md).
    assert weekday_days_off(calendar, 2026) == {
        D(2026, 1, 1),
        D(2026, 2, 16), D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19), D(2026, 2, 20),
        D(2026, 4, 27), D(2026, 4, 30), D(2026, 5, 1),
        D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2),
        D(2026, 11, 24),
    }
    assert worked_weekend_days(calendar, 2026) == {D(2026, 8, 22)}


def test_show_names_days_in_vietnamese_by_default_and_in_english_on_request(calendar):
    shown, counts = calendar.show(2025)
    names = {item.date: item.name for item in shown}
    assert names[D(2025, 1, 29)] == "Tết Nguyên Đán"
    assert "26/04/2025" in names[D(2025, 5, 2)]
    assert names[D(2025, 4, 26)].startswith("Làm việc bù")
    english = {item.date: item.name for item in calendar.show(2025, language="en")[0]}
    assert english[D(2025, 4, 30)] == "Liberation Day/Reunification Day"
    # 2025: 261 weekdays − 12 weekday holidays + 1 worked Saturday
    assert counts["working_days"] == 250
    assert counts["working_minutes"] == 250 * 450


def settings_with(**changes) -> CalendarSettings:
    base = dict(code="TEST", issue=1, effective_from=D(2020, 1, 1), title={"vi": "Lịch thử"})
    base.update(changes)
    return CalendarSettings.model_validate(base)


def test_override_adds_removes_and_works_days():
    settings = settings_with(overrides=[{
        "year": 2025,
        "add": [{"date": "2025-03-12", "name": {"vi": "Ngày nghỉ của tỉnh"}}],
        "remove": ["2025-05-02"],
        "worked": [{"date": "2025-03-15", "name": {"vi": "Làm bù"}}],
    }])
    calendar = WorkCalendar.from_settings(settings)
    vn = dt.timezone(dt.timedelta(hours=7))
    assert not calendar.is_working_time(dt.datetime(2025, 3, 12, 9, tzinfo=vn))
    assert calendar.is_working_time(dt.datetime(2025, 5, 2, 9, tzinfo=vn))
    assert calendar.is_working_time(dt.datetime(2025, 3, 15, 9, tzinfo=vn))  # a Saturday
    assert "override 2025" in calendar.holiday_source


def test_complete_override_replaces_the_package_for_its_year():
    settings = settings_with(overrides=[{
        "year": 2025, "complete": True,
        "add": [{"date": "2025-01-01", "name": {"vi": "Tết Dương lịch"}}],
    }])
    calendar = WorkCalendar.from_settings(settings)
    days_off = weekday_days_off(calendar, 2025)
    assert days_off == {D(2025, 1, 1)}  # Tết and the rest are gone: the list is the whole year
    assert calendar.has_holiday_data(2025)


def test_year_without_holiday_data_warns_once_and_is_reported():
    settings = settings_with(country=None, overrides=[{"year": 2024, "complete": True}])
    calendar = WorkCalendar.from_settings(settings)
    vn = dt.timezone(dt.timedelta(hours=7))
    with pytest.warns(HolidayDataMissing, match="2025"):
        calendar.add(dt.datetime(2025, 1, 24, 9, tzinfo=vn), 3, "working_days")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time stays quiet
        calendar.add(dt.datetime(2025, 2, 24, 9, tzinfo=vn), 3, "working_days")
        calendar.add(dt.datetime(2024, 2, 24, 9, tzinfo=vn), 3, "working_days")  # 2024 has a complete override
    assert calendar.years_without_holiday_data == [2025]
    assert "no holidays package" in calendar.holiday_source
    # without holiday data, Tết 2025 is ordinary working time
    assert calendar.is_working_time(dt.datetime(2025, 1, 29, 9, tzinfo=vn))


def test_vectorised_use_reports_missing_years_too():
    import numpy as np

    calendar = WorkCalendar.from_settings(settings_with(country=None))
    with pytest.warns(HolidayDataMissing):
        calendar.add_array(np.array(["2027-03-01T02:00"], dtype="datetime64[us]"), 1, "working_days")
    assert calendar.years_without_holiday_data == [2027]


def test_sample_calendar_has_package_data_for_the_years_in_use(calendar):
    assert calendar.years_without_holiday_data == []
    assert calendar.holiday_source.startswith("LICH-LV issue 1; holidays ")
    assert "(VN)" in calendar.holiday_source


def test_the_holiday_source_line_reads_in_each_language_whatever_the_count():
    """'1 days off added' was the English line for one added day: counts follow their label."""
    from qms.core.i18n import translations
    from qms.report.labels import holiday_source

    source = "LICH-LV issue 1; holidays 0.60 (VN); override 2025: +1 −0 days off, 2 worked"
    english = holiday_source(source, translations("en"))
    assert "days off added 1, removed 0, Saturdays worked 2" in english and "1 days" not in english
    vietnamese = holiday_source(source, translations("vi"))
    assert "thêm 1 ngày nghỉ, bỏ 0 ngày, 2 ngày thứ Bảy làm bù" in vietnamese
