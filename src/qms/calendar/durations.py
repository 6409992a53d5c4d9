"""Time limits as people write them: "3 working days", "4 giờ làm việc", "15 calendar days"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..core.errors import QmsError
from ..core.i18n import _

DURATION_UNITS = ("working_days", "working_hours", "calendar_days")

# Phrases (lower case, spaces collapsed) naming each unit, English and Vietnamese.
_UNIT_WORDS = {
    "working_days": ("working days", "working day", "working_days", "wd", "ngày làm việc", "ngay lam viec"),
    "working_hours": ("working hours", "working hour", "working_hours", "wh", "giờ làm việc", "gio lam viec"),
    "calendar_days": (
        "calendar days", "calendar day", "calendar_days", "days", "day",
        "ngày theo lịch", "ngày lịch", "ngay theo lich",
    ),
}
_PHRASE_TO_UNIT = {phrase: unit for unit, phrases in _UNIT_WORDS.items() for phrase in phrases}
_SHAPE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: str  # one of DURATION_UNITS

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit.replace('_', ' ')}"


def check_amount(amount: float, unit: str) -> None:
    if unit not in DURATION_UNITS:
        raise QmsError(_("unknown duration unit {unit!r}; use one of: {units}").format(unit=unit, units=", ".join(DURATION_UNITS)))
    if not math.isfinite(amount) or amount < 0:
        raise QmsError(_("a duration must be a finite number of zero or more, not {amount!r}").format(amount=amount))


def parse_duration(text: str) -> Duration:
    """Parse "3 working days" / "3 ngày làm việc" / "4.5 working hours" / "10 calendar days"."""
    shape = _SHAPE.match(text or "")
    unit = _PHRASE_TO_UNIT.get(" ".join(shape.group(2).lower().split())) if shape else None
    if unit is None:
        raise QmsError(
            _("cannot read the duration {text!r}: write a number and a unit, e.g. \"3 working days\", "
              "\"4 working hours\" or \"10 calendar days\"").format(text=text)
        )
    amount = float(shape.group(1).replace(",", "."))
    check_amount(amount, unit)
    return Duration(amount, unit)
