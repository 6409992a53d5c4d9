"""Human names of statuses, rules, ISO clauses and columns, as gettext msgids.

The English text is the msgid; `report.po` gives the Vietnamese. `label()` looks
a key up here and translates it; an unknown key (a rule added to the check engine
later) falls back to the key itself, so nothing is hidden.
"""

from __future__ import annotations

from babel.support import NullTranslations

from ..model.labels import (  # noqa: F401  (the tables' one home; re-exported here)
    CHANNEL, CLAUSE, DATA_QUALITY, DOCUMENT_KIND, EVENT, NC_SOURCE, NC_STATE, REJECT_REASON, SEVERITY, STATUS,
)


def label(table: dict[str, str], key: str | None, catalog: NullTranslations) -> str:
    if key is None:
        return ""
    text = table.get(key)
    return catalog.gettext(text) if text else key


def all_msgids() -> list[str]:
    return [text for table in (STATUS, SEVERITY, CHANNEL, EVENT, DATA_QUALITY, CLAUSE, REJECT_REASON, DOCUMENT_KIND,
                               NC_STATE, NC_SOURCE) for text in table.values()]



def rule_names(language: str, catalog: NullTranslations) -> dict[str, str]:
    """Rule id -> title in `language`: check rules from their catalogue, data-quality
    kinds from the gettext catalog."""
    from ..check.rules import REGISTRY

    names = {rule.id: rule.title.in_language(language) for rule in REGISTRY.values()}
    names.update({key: catalog.gettext(text) for key, text in DATA_QUALITY.items()})
    return names
