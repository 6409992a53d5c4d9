"""Which dates are public holidays and which weekend days are worked, year by year.

The source is the `holidays` package's calendar for the settings' country (for
Vietnam it carries the Tết block, Hùng Kings' day, substitute days off and the
Saturdays worked in exchange), corrected by the calendar document's per-year
overrides. An override marked `complete` replaces the package for that year.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..model.calendar import CalendarSettings, YearOverride


@dataclass(frozen=True)
class DayName:
    vi: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.vi


@dataclass(frozen=True)
class HolidayYear:
    """The holiday data of one year: days off and worked weekend days, with names."""

    year: int
    days_off: dict[dt.date, DayName]
    worked_days: dict[dt.date, DayName]
    has_data: bool  # False: neither the package nor a complete override knows this year


class HolidayBook:
    """Holiday data per year, loaded on first use and kept."""

    def __init__(self, settings: CalendarSettings):
        self.country = (settings.country or "").strip() or None
        self.overrides: dict[int, YearOverride] = {override.year: override for override in settings.overrides}
        self._years: dict[int, HolidayYear] = {}

    @cached_property
    def _package(self) -> tuple[str, range] | None:
        """(the holidays package's version, the years it covers), or None when no
        country is set. Importing the package's country calendars takes 0.3-0.5 s of
        a command's start-up, so what they give is kept in the user cache, keyed by
        the installed package (a new version is a new key)."""
        if self.country is None:
            return None
        found = json.loads(self._cached("coverage", self._probe))
        return found["version"], range(found["start"], found["end"] + 1)

    def _cached(self, what: str, derive) -> bytes:
        from importlib.util import find_spec

        from ..core.user_cache import cached_bytes

        spec = find_spec("holidays")
        if spec is None or not spec.origin:
            return derive()
        init = Path(spec.origin)
        key = f"{init} {init.stat().st_mtime_ns} {init.parent.stat().st_mtime_ns} {self.country} {what}"
        return cached_bytes("holidays", key, derive)

    def _probe(self) -> bytes:
        import holidays

        try:
            probe = holidays.country_holidays(self.country)
        except NotImplementedError:
            from ..core.errors import QmsError
            from ..core.i18n import _

            raise QmsError(
                _("calendar: the holidays package has no calendar for country {country!r}").format(country=self.country)
            ) from None
        return json.dumps({"version": holidays.__version__, "start": probe.start_year, "end": probe.end_year}).encode()

    def package_covers(self, year: int) -> bool:
        return self._package is not None and year in self._package[1]

    def year(self, year: int) -> HolidayYear:
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    def _load(self, year: int) -> HolidayYear:
        override = self.overrides.get(year)
        days_off: dict[dt.date, DayName] = {}
        worked: dict[dt.date, DayName] = {}
        from_package = self.package_covers(year) and not (override and override.complete)
        if from_package:
            days_off, worked = self._from_package(year)
        if override is not None:
            for day in override.remove:
                days_off.pop(day, None)
            for named in override.add:
                days_off[named.date] = DayName(named.name.vi, named.name.en or named.name.vi)
            for named in override.worked:
                worked[named.date] = DayName(named.name.vi, named.name.en or named.name.vi)
        has_data = from_package or bool(override and override.complete)
        return HolidayYear(year, days_off, worked, has_data)

    def _from_package(self, year: int) -> tuple[dict[dt.date, DayName], dict[dt.date, DayName]]:
        found = json.loads(self._cached(f"year {year}", lambda: self._year_from_package(year)))
        return ({dt.date.fromisoformat(day): DayName(vi, en) for day, vi, en in found["days_off"]},
                {dt.date.fromisoformat(day): DayName(vi, en) for day, vi, en in found["worked"]})

    def _year_from_package(self, year: int) -> bytes:
        import holidays

        in_vi = holidays.country_holidays(self.country, years=year, language="vi")
        in_en = holidays.country_holidays(self.country, years=year, language="en_US")
        days_off = {day: DayName(name, in_en.get(day, name)) for day, name in in_vi.items()}
        worked = {}
        for day in getattr(in_vi, "weekend_workdays", ()):
            if day.year != year:
                continue
            # The package names the day off ("substituted from 26/04/2025"), not the
            # worked day: find the day off that names this one.
            mark = day.strftime("%d/%m/%Y")
            swapped = next((other for other, name in in_vi.items() if mark in name), None)
            if swapped is not None:
                worked[day] = DayName(
                    f"Làm việc bù cho ngày nghỉ {swapped:%d/%m/%Y}", f"Worked in exchange for {swapped:%d %b %Y} off"
                )
            else:
                worked[day] = DayName("Làm việc bù", "Worked in exchange for a day off")
        return json.dumps({name: [[day.isoformat(), named.vi, named.en] for day, named in days.items()]
                           for name, days in (("days_off", days_off), ("worked", worked))}).encode()

    def describe(self) -> str:
        """One line for manifests: where the holiday data comes from."""
        parts = []
        if self._package is not None:
            parts.append(f"holidays {self._package[0]} ({self.country})")
        else:
            parts.append("no holidays package (country not set)")
        for year in sorted(self.overrides):
            override = self.overrides[year]
            if override.complete:
                parts.append(f"override {year}: complete list ({len(override.add)} days off, {len(override.worked)} worked)")
            else:
                parts.append(
                    f"override {year}: +{len(override.add)} −{len(override.remove)} days off, {len(override.worked)} worked"
                )
        return "; ".join(parts)
