"""How values read in the language of the run: counts with the language's grouping,
instants in the office's zone, and the names of NC states, severities, sources,
roles and workflow steps instead of their codes."""

from __future__ import annotations

import datetime as dt

from ..core.i18n import _, get_language, translations
from ..core.timezone import DEFAULT_TIMEZONE

OFFICE_ZONE = DEFAULT_TIMEZONE  # the register's instants are shown in the office's zone


def count(number: int | None) -> str:
    """27375 -> "27.375" in Vietnamese, "27,375" in English."""
    from ..core.formatting import Formatter

    return "-" if number is None else Formatter(get_language()).integer(number)


def local_moment(value: str | dt.datetime | None, zone: str = OFFICE_ZONE) -> str:
    """A stored UTC instant ("2026-12-04T17:18:15.256654Z") as the office reads it:
    "2026-12-05 00:18 (Asia/Ho_Chi_Minh)" — minutes, local time, the zone named."""
    from zoneinfo import ZoneInfo

    if value is None:
        return "-"
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def _label(table: dict[str, str], key: str | None) -> str:
    if key is None:
        return "-"
    text = table.get(key)
    return translations(get_language()).gettext(text) if text else key


def nc_state(key: str | None) -> str:
    from ..model.labels import NC_STATE

    return _label(NC_STATE, key)


def severity(key: str | None) -> str:
    from ..model.labels import SEVERITY

    return _label(SEVERITY, key)


def nc_source(key: str | None) -> str:
    from ..model.labels import NC_SOURCE

    return _label(NC_SOURCE, key)


def classification_method(key: str) -> str:
    names = {"appointment": _("against the appointment"), "working_time": _("by working time used")}
    return names.get(key, key)


def history_action(action: str) -> str:
    """A history entry's action in words (`qms nc show`); imported when used: the capa
    package brings SQLAlchemy, which a help screen must not load."""
    from ..capa.wording import history_action as in_words

    return in_words(action)


def data_quality_kind(kind: str) -> str:
    """"Unknown procedure code (unknown_procedure_code)": the name, then the stable code."""
    from ..model.labels import DATA_QUALITY

    return f"{_label(DATA_QUALITY, kind)} ({kind})" if kind in DATA_QUALITY else kind


def reject_reason(reason: str) -> str:
    """"Unparseable timestamp (unparseable_timestamp)": the name, then the stable code."""
    from ..model.labels import REJECT_REASON

    return f"{_label(REJECT_REASON, reason)} ({reason})" if reason in REJECT_REASON else reason


def document_kind(kind: str) -> str:
    from ..model.labels import DOCUMENT_KIND

    return _label(DOCUMENT_KIND, kind)


def channel(key: str) -> str:
    from ..model.labels import CHANNEL

    return _label(CHANNEL, key)


def status_step(step: str) -> str:
    """A canonical status step ("received") in words, its code kept in brackets; other steps as they are."""
    names = {"received": _("Received"), "supplement_requested": _("Supplement requested"),
             "supplement_received": _("Supplement received"), "apology_issued": _("Apology issued"),
             "processed": _("Processed"), "returned": _("Result returned"), "refused": _("Refused"),
             "withdrawn": _("Withdrawn"), "stopped": _("Processing stopped")}
    return f"{names[step]} ({step})" if step in names else step
