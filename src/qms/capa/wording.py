"""The register's history in words, for the command line and the web pages alike."""

from __future__ import annotations

from ..core.i18n import _


def history_action(action: str) -> str:
    """A history entry's action ("contain", "complete_action:2") in words."""
    name, _sep, number = action.partition(":")
    names = {"raise": _("raised"), "contain": _("contained"), "analyse": _("cause analysed"),
             "plan": _("actions planned"), "approve": _("plan approved"), "implement": _("actions implemented"),
             "verify": _("effectiveness verified"), "add_evidence": _("evidence added"),
             "complete_action": _("action {number} done")}
    text = names.get(name, action)
    return text.format(number=number) if number else text
