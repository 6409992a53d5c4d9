"""Human names of statuses, rules, ISO clauses and columns, as gettext msgids.

The English text is the msgid; `report.po` gives the Vietnamese. `label()` looks
a key up here and translates it; an unknown key (a rule added to the check engine
later) falls back to the key itself, so nothing is hidden.
"""

from __future__ import annotations

import re

from babel.support import NullTranslations

from ..model.labels import (  # noqa: F401  (the tables' one home; re-exported here)
    CHANNEL, CLAUSE, DATA_QUALITY, DOCUMENT_KIND, EVENT, NC_SOURCE, NC_STATE, NOT_ASSESSABLE_REASON, REJECT_REASON,
    SEVERITY, STATUS,
)

# Classification methods named in the rule set (qms.check); the id stays in manifest.json.
METHOD = {
    "appointment": "Finish compared with the appointment date",
    "working_time": "Working time used compared with the legal time limit",
}


def label(table: dict[str, str], key: str | None, catalog: NullTranslations) -> str:
    if key is None:
        return ""
    text = table.get(key)
    return catalog.gettext(text) if text else key


def all_msgids() -> list[str]:
    return [message for _pattern, message in _HOLIDAY_SOURCE_PARTS] + [
        text for table in (STATUS, SEVERITY, CHANNEL, EVENT, DATA_QUALITY, CLAUSE, REJECT_REASON, NOT_ASSESSABLE_REASON,
                           DOCUMENT_KIND, NC_STATE, NC_SOURCE, METHOD) for text in table.values()]



def rule_names(language: str, catalog: NullTranslations) -> dict[str, str]:
    """Rule id -> title in `language`: check rules from their catalogue, data-quality
    kinds from the gettext catalog."""
    from ..check.rules import REGISTRY

    names = {rule.id: rule.title.in_language(language) for rule in REGISTRY.values()}
    names.update({key: catalog.gettext(text) for key, text in DATA_QUALITY.items()})
    return names


# The calendar's holiday-source line (qms.calendar writes it in English, for manifests),
# pattern by pattern; a part that matches none is shown as written.
_HOLIDAY_SOURCE_PARTS = (
    (re.compile(r"^(?P<code>\S+) issue (?P<issue>\d+)$"), "%(code)s, issue %(issue)s"),
    (re.compile(r"^holidays (?P<version>[\w.]+) \((?P<country>\w+)\)$"),
     "public holidays from the holidays package %(version)s (%(country)s)"),
    (re.compile(r"^no holidays package \(country not set\)$"), "no public-holiday package (no country set)"),
    (re.compile(r"^override (?P<year>\d+): complete list \((?P<off>\d+) days off, (?P<worked>\d+) worked\)$"),
     "%(year)s set by the calendar: days off %(off)s, Saturdays worked %(worked)s"),
    (re.compile(r"^override (?P<year>\d+): \+(?P<off>\d+) −(?P<removed>\d+) days off, (?P<worked>\d+) worked$"),
     "%(year)s corrected by the calendar: days off added %(off)s, removed %(removed)s, Saturdays worked %(worked)s"),
)


def holiday_source(text: str, catalog: NullTranslations) -> str:
    """The holiday-source line in the report's language."""
    parts = []
    for part in (piece.strip() for piece in text.split(";")):
        for pattern, message in _HOLIDAY_SOURCE_PARTS:
            match = pattern.match(part)
            if match:
                parts.append(catalog.gettext(message) % match.groupdict())
                break
        else:
            parts.append(part)
    return "; ".join(part for part in parts if part)


def rule_titles() -> list[str]:
    """"rule id␟title" for every check rule's title in every language: a finding whose
    message is only its rule's title says nothing more."""
    from ..check.rules import REGISTRY

    return [f"{rule.id}\x1f{text}" for rule in REGISTRY.values()
            for text in {rule.title.in_language("vi"), rule.title.in_language("en")}]


def step_names(procedures, documents: list[dict], language: str) -> tuple[dict[str, str], list[str]]:
    """"code␟issue␟step id" -> the step's name, for the procedure issues a check used
    (`documents`, its manifest's list); and the issues left out because the library's
    copy is not the one checked (its hash differs), to be said in the report."""
    used = {(item["code"], item["issue"]): item["sha256"] for item in documents if item["kind"] == "procedure"}
    names, differing = {}, []
    for procedure in procedures or ():
        checked = used.get((procedure.code, procedure.issue))
        if checked is None:
            continue
        if procedure.content_sha256 and procedure.content_sha256 != checked:
            differing.append(f"{procedure.code} #{procedure.issue}")
            continue
        for step in procedure.steps:
            names[f"{procedure.code}\x1f{procedure.issue}\x1f{step.id}"] = step.name.in_language(language)
    return names, sorted(differing)


def indicator_reason(item, catalog: NullTranslations) -> str:
    """Why an indicator of the service-quality index cannot be measured, in the report's
    language and naming the log's fields in words only. (The check writes the reason in
    the language it ran in, with each field's column id in backticks.)"""
    from ..check.indicators import FIELD_NAMES
    from ..core.i18n import translations

    gettext = catalog.gettext
    if item.formula == "outside_the_log":
        return gettext("needs data a dossier log does not carry (the national database)")
    fields = re.findall(r"`(\w+)`", item.reason or "")
    if fields:
        return gettext("the log has no {fields} field").format(
            fields=", ".join(gettext(FIELD_NAMES.get(name, name)) for name in fields))
    if (item.reason or "") in ("no dossiers to count", translations("vi").gettext("no dossiers to count")):
        return gettext("no dossiers to count")
    return (item.reason or "").replace("`", "")


def method_parts(method_id: str, description: str, catalog: NullTranslations) -> tuple[str, str]:
    """The classification method's name and what its description adds to it (the check's
    description often starts with the name: said once, not twice)."""
    name = label(METHOD, method_id, catalog)
    rest = description[len(name):].lstrip(" :") if description.startswith(name) else description
    return name, rest
