"""The nonconformity and corrective-action register (ISO 9001 clause 10.2):
raising NCs by hand, from audits and from check findings; the workflow with role
checks; the hash-chained history; optimistic locking."""

from .errors import ConflictError, NotFound, PermissionRefused, TransitionRefused
from .from_check import group_findings, raise_from_check
from .register import list_ncs, overdue_actions, raise_nc, show_nc
from .summary import register_summary
from .workflow import PlannedAction, advance, complete_action

__all__ = [
    "ConflictError", "NotFound", "PermissionRefused", "PlannedAction", "TransitionRefused", "advance",
    "complete_action", "group_findings", "list_ncs", "overdue_actions", "raise_from_check", "raise_nc", "register_summary",
    "show_nc",
]
