"""The three roles (admin, manager, agent) as Django groups, and what each may do."""

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User

from apps.core.models import RolePermissions


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Custom permissions, declared on apps.core.models.RolePermissions (app label "core").
AGENT_PERMISSIONS = (
    "view_tickets",
    "reply_tickets",
    "comment_tickets",
    "assign_tickets",
    "close_tickets",
    "view_customers",
    "edit_customers",
    "view_team",
)
MANAGER_PERMISSIONS = AGENT_PERMISSIONS + (
    "edit_tickets",
    "delete_tickets",
    "bulk_edit_tickets",
    "delete_customers",
    "view_insights",
    "view_audit_log",
)
ADMIN_PERMISSIONS = MANAGER_PERMISSIONS + (
    "manage_connections",
    "manage_webhooks",
    "manage_agents",
    "manage_users",
)

ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: ADMIN_PERMISSIONS,
    Role.MANAGER: MANAGER_PERMISSIONS,
    Role.AGENT: AGENT_PERMISSIONS,
}
# Highest first: a user in several groups holds the strongest role.
ROLE_ORDER = (Role.ADMIN, Role.MANAGER, Role.AGENT)


def permission_labels() -> dict[str, str]:
    """Each custom permission's codename and its words, as declared on RolePermissions."""

    return dict(RolePermissions._meta.permissions)


def role_abilities() -> list[tuple[Role, list[str]]]:
    """What each role may do, strongest first, in the words of its permissions (the Users page shows it).

    Each role lists only what it adds to the role below it, so the text is short and always matches
    ROLE_PERMISSIONS.
    """
    labels = permission_labels()
    rows = []
    for index, role in enumerate(ROLE_ORDER):
        below = set(ROLE_PERMISSIONS[ROLE_ORDER[index + 1]]) if index + 1 < len(ROLE_ORDER) else set()
        rows.append((role, [labels.get(c, c) for c in ROLE_PERMISSIONS[role] if c not in below]))
    return rows


def sync_role_groups(**kwargs: Any) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    permissions = {p.codename: p for p in Permission.objects.filter(content_type__app_label="core")}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = [permissions[c] for c in codenames if c in permissions]
        group.permissions.set(wanted)


_ROLE_CACHE = "_deskadmin_role"


def user_role(user: User | AnonymousUser) -> Role | None:
    """The strongest role the user holds, or None. Superusers count as admins."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    # Kept on the user object, as Django keeps its permission cache: a page asks several times (shell,
    # org scope, views) and the user is loaded afresh per request. role_assign() forgets it.
    if _ROLE_CACHE in user.__dict__:
        cached: Role | None = user.__dict__[_ROLE_CACHE]
        return cached
    names = {g.name for g in user.groups.all()}  # type: ignore[union-attr]
    role = next((role for role in ROLE_ORDER if role.value in names), None)
    user.__dict__[_ROLE_CACHE] = role
    return role


def role_assign(*, user: User, role: Role) -> None:
    """Put the user in exactly one role group."""
    groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.__dict__.pop(_ROLE_CACHE, None)
    user.groups.remove(*groups)
    user.groups.add(Group.objects.get(name=role.value))
