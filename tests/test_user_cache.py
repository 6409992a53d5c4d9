"""The per-user cache of derived data (qms.core.user_cache) and its users: the
compiled message catalog and the holiday data of each year."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from qms.core import i18n
from qms.core.user_cache import cache_dir, cached_bytes


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QMS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_an_entry_is_derived_once_per_key(cache):
    calls = []

    def derive(value: bytes):
        return lambda: calls.append(value) or value

    assert cached_bytes("thing", "key 1", derive(b"one")) == b"one"
    assert cached_bytes("thing", "key 1", derive(b"other")) == b"one"  # read back, not derived
    assert cached_bytes("thing", "key 2", derive(b"two")) == b"two"  # a new key is a new entry
    assert calls == [b"one", b"two"]
    assert len(list(cache.iterdir())) == 2 and not [p for p in cache.iterdir() if p.name.startswith(".")]


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("QMS_CACHE_DIR", str(blocker / "cache"))
    assert cached_bytes("thing", "key", lambda: b"derived") == b"derived"


def test_the_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("QMS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "qms"


def test_the_catalog_is_compiled_again_when_a_po_file_changes(cache, tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    (locale / "vi").mkdir(parents=True)
    po = locale / "vi" / "area.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Checked"\nmsgstr "Đã kiểm tra"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "locale_dir", lambda: locale)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("vi").gettext("Checked") == "Đã kiểm tra"
        assert len(list(cache.glob("messages-vi.mo-*"))) == 1
        po.write_text(po.read_text(encoding="utf-8").replace("Đã kiểm tra", "Đã xét"), encoding="utf-8")
        os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns + 1_000_000_000))
        i18n.translations.cache_clear()
        assert i18n.translations("vi").gettext("Checked") == "Đã xét"
    finally:
        i18n.translations.cache_clear()


def test_holiday_data_read_from_the_cache_equals_the_package(cache):
    from qms.calendar.holiday_days import HolidayBook
    from qms.model.calendar import CalendarSettings

    settings = CalendarSettings.model_validate({
        "kind": "calendar", "code": "LICH", "issue": 1, "title": {"vi": "Lịch"}, "status": "approved",
        "effective_from": "2025-01-01", "timezone": "Asia/Ho_Chi_Minh", "country": "VN"})
    first = HolidayBook(settings)
    derived = first.year(2025)
    assert len(list(cache.iterdir())) == 2  # the package's years, and 2025
    again = HolidayBook(settings)
    assert again.year(2025) == derived
    assert derived.days_off[dt.date(2025, 9, 2)].vi  # national day
    assert derived.worked_days  # 2025 had weekend days worked in exchange
    assert again.describe() == first.describe() and again.describe().startswith("holidays ")
