"""Who may do what, from the roles in the workspace configuration.

Roles: quality officer (cán bộ ISO), manager (lãnh đạo), auditor, inspector
(read-only). A user with no role may still be the owner of a corrective action and
mark it done, but nothing else.
"""

from __future__ import annotations

from ..core.i18n import _
from ..model.workspace import Person, Role, WorkspaceConfig
from .errors import PermissionRefused

QO, MANAGER, AUDITOR = Role.quality_officer, Role.manager, Role.auditor

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "raise": frozenset({QO, MANAGER, AUDITOR}),
    "raise_from_check": frozenset({QO}),
    "contain": frozenset({QO, MANAGER}),
    "analyse": frozenset({QO, MANAGER}),
    "plan": frozenset({QO, MANAGER}),
    "approve": frozenset({MANAGER}),
    "complete_action": frozenset({QO, MANAGER}),  # and the action's owner
    "implement": frozenset({QO, MANAGER}),
    "verify": frozenset({MANAGER, AUDITOR}),
    "programme": frozenset({QO, MANAGER}),
    "plan_audit": frozenset({QO}),
    "record_audit": frozenset({QO, AUDITOR}),  # auditors only on their own audit team
    "run_check": frozenset({QO}),  # a check uploaded and run in the web workspace
}


def person(config: WorkspaceConfig, user: str) -> Person:
    found = config.users.get(user)
    if found is None:
        raise PermissionRefused(_("User '{user}' is not in the workspace configuration").format(user=user))
    return found


def require(config: WorkspaceConfig, user: str, permission: str, *, also_allowed: bool = False) -> Person:
    """The acting person, or PermissionRefused saying which roles the step needs.

    `also_allowed` grants the step regardless of roles (e.g. the owner of an action)."""
    who = person(config, user)
    roles = set(who.roles)
    if roles == {Role.inspector}:
        raise PermissionRefused(_("'{user}' is an inspector: inspectors have read-only access").format(user=user))
    if also_allowed or roles & PERMISSIONS[permission]:
        return who
    needed = ", ".join(sorted(role_name(role) for role in PERMISSIONS[permission]))
    has = ", ".join(sorted(role_name(role) for role in roles)) or "-"
    raise PermissionRefused(_("'{user}' may not {step}: it needs one of the roles {needed} (has: {has})").format(
        user=user, step=permission_name(permission), needed=needed, has=has))


def role_name(role: Role) -> str:
    """A role as officers call it, in the language of the run."""
    names = {Role.quality_officer: _("quality officer"), Role.manager: _("manager"), Role.auditor: _("auditor"),
             Role.inspector: _("inspector")}
    return names.get(role, role.value)


def permission_name(permission: str) -> str:
    names = {"raise": _("raise an NC"), "raise_from_check": _("raise NCs from a check"),
             "contain": _("record the containment"), "analyse": _("record the cause analysis"),
             "plan": _("plan the corrective actions"), "approve": _("approve the action plan"),
             "complete_action": _("mark an action done"), "implement": _("close the implementation"),
             "verify": _("verify effectiveness"), "programme": _("change the audit programme"),
             "plan_audit": _("plan an audit"), "record_audit": _("record audit results")}
    return names.get(permission, permission)


def is_active_user(config: WorkspaceConfig, user: str) -> bool:
    """A known user who can act (not a read-only inspector)."""
    who = config.users.get(user)
    return who is not None and set(who.roles) != {Role.inspector}
