"""Reading calendar documents: the sample is valid; mistakes name the file, line and field."""

from __future__ import annotations

import datetime as dt

import pytest

from qms.calendar import load_calendar_settings, sample_calendar_path
from qms.core.errors import QmsError, ValidationFailed


def test_sample_calendar_is_valid():
    settings = load_calendar_settings(sample_calendar_path())
    assert settings.code == "LICH-LV"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert [o.year for o in settings.overrides] == [2027]
    assert settings.saturday_counts_for("UBND_XA") is True
    assert settings.saturday_counts_for("ANY") is False


def write(tmp_path, text: str):
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "code: X\nissue: 1\neffective_from: 2025-01-01\ntitle: {vi: Lịch}\n"


def test_unquoted_clock_time_is_read_as_the_time(tmp_path):
    # YAML 1.1 would read an unquoted 17:00 as the number 1020; calendar files are
    # read like every library document, with YAML 1.2 numbers, so it stays 17:00.
    path = write(tmp_path, HEADER + "office_hours:\n  mon:\n    - {start: \"13:30\", end: 17:00}\n")
    settings = load_calendar_settings(path)
    [session] = settings.office_hours["mon"]
    assert (session.start, session.end) == (dt.time(13, 30), dt.time(17, 0))


def test_bad_clock_time_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, HEADER + "office_hours:\n  mon:\n    - {start: \"13:30\", end: 1020}\n")
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    [problem] = error.value.problems
    assert problem.startswith(f"{path}:7: office_hours.mon[0].end")
    assert "quotes" in problem


def test_unknown_field_and_bad_override_year(tmp_path):
    path = write(tmp_path, HEADER + "weekends: [sat]\noverrides:\n  - year: 2025\n    add:\n"
                 "      - {date: 2024-12-31, name: {vi: Sai năm}}\n")
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    text = str(error.value)
    assert f"{path}:5: weekends" in text
    assert "dates outside 2025: 2024-12-31" in text


def test_overlapping_sessions_and_unknown_zone(tmp_path):
    path = write(tmp_path, HEADER + "timezone: Mars/Olympus\noffice_hours:\n  mon:\n"
                 "    - {start: \"07:30\", end: \"12:00\"}\n    - {start: \"11:00\", end: \"17:00\"}\n")
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    text = str(error.value)
    assert "unknown time zone 'Mars/Olympus'" in text


def test_missing_file_and_broken_yaml(tmp_path):
    with pytest.raises(QmsError, match="absent.yaml"):
        load_calendar_settings(tmp_path / "absent.yaml")
    path = write(tmp_path, HEADER + "office_hours: [\n")
    with pytest.raises(QmsError, match=r"calendar.yaml:\d+"):
        load_calendar_settings(path)


def test_office_hours_are_whole_minutes_without_offsets(tmp_path):
    path = write(tmp_path, HEADER + "office_hours:\n  mon:\n    - {start: \"07:30:30\", end: \"11:30\"}\n"
                 "  tue:\n    - {start: \"07:30+07:00\", end: \"11:30\"}\n")
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    text = str(error.value)
    assert f"{path}:7: office_hours.mon[0]: office hours are whole minutes" in text
    assert f"{path}:9: office_hours.tue[0]" in text


ROUND_THE_CLOCK = "".join(f"  {day}:\n    - {{start: \"00:00\", end: \"24:00\"}}\n"
                          for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def test_a_round_the_clock_calendar_ends_its_sessions_at_24_00(tmp_path):
    from qms.calendar import WorkCalendar

    path = write(tmp_path, HEADER + "timezone: Asia/Ho_Chi_Minh\nworking_day_hours: 24\n"
                 "office_hours:\n" + ROUND_THE_CLOCK)
    settings = load_calendar_settings(path)
    assert settings.office_hours["mon"][0].model_dump(mode="json") == {"start": "00:00:00", "end": "24:00"}
    calendar = WorkCalendar(settings)
    vn = dt.timezone(dt.timedelta(hours=7))
    start = dt.datetime(2025, 3, 7, 22, 0, tzinfo=vn)
    # every minute counts: two hours to midnight, and on past it
    assert calendar.working_minutes_between(start, dt.datetime(2025, 3, 8, 0, 0, tzinfo=vn)) == 120
    assert calendar.add(start, 5, "working_hours") == dt.datetime(2025, 3, 8, 3, 0, tzinfo=vn)
    assert calendar.add(start, 1, "working_days") == dt.datetime(2025, 3, 8, 22, 0, tzinfo=vn)
    # whole days as the tables' grid (23:59 would force one-minute blocks): no larger than an office calendar's
    assert calendar._table_for(calendar.instant(start), calendar.instant(start)).block >= 30 * 60 * 1_000_000


def test_24_00_only_ends_a_session(tmp_path):
    path = write(tmp_path, HEADER + "office_hours:\n  mon:\n    - {start: \"24:00\", end: \"24:00\"}\n")
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    assert "office_hours.mon[0]" in str(error.value)


def test_a_calendar_the_check_could_not_compute_is_refused_at_validation(tmp_path):
    # Round the clock in a zone with daylight saving: the clocks change inside office
    # hours, which working-time arithmetic cannot count. Refused when the document is
    # validated (docs validate / approve), not first at `qms check`.
    path = write(tmp_path, HEADER + "timezone: Europe/Amsterdam\ncountry: NL\nworking_day_hours: 24\n"
                 "office_hours:\n" + ROUND_THE_CLOCK)
    with pytest.raises(ValidationFailed) as error:
        load_calendar_settings(path)
    assert "clocks of Europe/Amsterdam change during office hours on 1990-03-25" in str(error.value)
    # the same zone with day-time office hours is fine: the change is at night
    fine = write(tmp_path, HEADER + "timezone: Europe/Amsterdam\ncountry: NL\n")
    assert load_calendar_settings(fine).timezone == "Europe/Amsterdam"
