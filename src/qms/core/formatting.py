"""Numbers, percentages and dates in the report's language, through Babel.

The patterns are Babel/CLDR patterns; where the agency style differs from CLDR's
default (Vietnamese writes "99,5 %" and "Thứ Tư, 29 tháng 1 năm 2025") the pattern
itself is a gettext message, so the Vietnamese catalog carries the house style and
English keeps CLDR's. Nothing here formats by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations

from .i18n import translations
from .timezone import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class Formatter:
    language: str
    timezone: str = DEFAULT_TIMEZONE

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    @property
    def catalog(self) -> NullTranslations:
        return translations(self.language)

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    # The msgids below are Babel patterns; report.po gives the Vietnamese ones.
    def integer(self, value: int | None) -> str:
        return "" if value is None else format_decimal(value, format="#,##0", locale=self.locale)

    def decimal(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        pattern = "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        return format_percent(value, format=self.gettext("#,##0.0%"), locale=self.locale)

    def signed_points(self, value: float | None) -> str:
        """A change in percentage points, e.g. "+1,2 điểm %"."""
        if value is None:
            return "–"
        return format_decimal(value * 100, format=self.gettext("+#,##0.0 pp;-#,##0.0 pp"), locale=self.locale)

    def signed(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        body = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=f"+{body};-{body}", locale=self.locale)

    def long_date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return "–"
        return format_date(self._local_date(value), format=self.gettext("EEEE, MMMM d, y"), locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return "–"
        return format_date(self._local_date(value), format=self.gettext("MMM d, y"), locale=self.locale)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return "–"
        return format_datetime(value, format=self.gettext("MMM d, y HH:mm"), tzinfo=ZoneInfo(self.timezone),
                               locale=self.locale)

    def month(self, key: str) -> str:
        """A "YYYY-MM" month key as "Tháng 1/2025" or "January 2025"."""
        try:
            year, month = (int(part) for part in key.split("-"))
            return format_date(dt.date(year, month, 1), format=self.gettext("MMMM y"), locale=self.locale)
        except ValueError:
            return key

    def _local_date(self, value: dt.date | dt.datetime) -> dt.date:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(ZoneInfo(self.timezone))
            return value.date()
        return value
