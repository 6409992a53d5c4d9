"""The conformance check: every dossier judged against the procedure issue and the
rule set in force when it was received (see docs/check.md).

    from qms.check import run_check, write_outputs, merge_summaries
"""

from .api import CheckResult, run_check, write_outputs
from .rules import RULE_IDS, RULES, RULES_BY_ID, Rule
from .summary import merge_summaries

__all__ = ["RULES", "RULES_BY_ID", "RULE_IDS", "CheckResult", "Rule", "merge_summaries", "run_check", "write_outputs"]
