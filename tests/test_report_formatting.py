"""Numbers and dates in the report follow the language, through Babel patterns in the catalog."""

import datetime as dt

from qms.core.formatting import Formatter


def test_vietnamese_house_style():
    vi = Formatter("vi")
    assert vi.percent(0.995) == "99,5 %"
    assert vi.long_date(dt.date(2025, 1, 29)) == "Thứ Tư, 29 tháng 1 năm 2025"
    assert vi.integer(1234567) == "1.234.567"
    assert vi.decimal(5.99) == "6,0"
    assert vi.date(dt.date(2025, 1, 9)) == "09/01/2025"
    assert vi.month("2025-03") == "Tháng 3/2025"
    assert vi.signed_points(0.012) == "+1,2 điểm phần trăm"


def test_english():
    en = Formatter("en")
    assert en.percent(0.995) == "99.5%"
    assert en.long_date(dt.date(2025, 1, 29)) == "Wednesday, January 29, 2025"
    assert en.integer(1234567) == "1,234,567"
    assert en.month("2025-03") == "March 2025"
    assert en.signed(-3) == "-3"


def test_instants_are_shown_in_the_calendar_zone():
    vi = Formatter("vi")
    late_evening_utc = dt.datetime(2025, 1, 28, 18, 30, tzinfo=dt.timezone.utc)  # 01:30 on the 29th in Hanoi
    assert vi.datetime(late_evening_utc) == "29/01/2025 01:30"
    assert vi.long_date(late_evening_utc) == "Thứ Tư, 29 tháng 1 năm 2025"
    assert vi.percent(None) == "–"
