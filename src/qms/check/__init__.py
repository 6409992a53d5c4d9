"""The conformance check: every dossier judged against the procedure issue and the
rule set in force when it was received (see docs/check.md)."""

from .rules import RULES, RULES_BY_ID, Rule

__all__ = ["RULES", "RULES_BY_ID", "Rule"]
