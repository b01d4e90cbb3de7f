"""Core reads: the audit log and the orgs a user may see."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from apps.core.models import AuditEntry, ConsoleSettings, OrgMembership
from apps.core.roles import ROLE_ORDER, Role, user_role


def org_ids_for_user(*, user: User | AnonymousUser) -> list[str] | None:
    """The Desk orgIds a user may act in; None means every org (admins)."""
    if user_role(user) == Role.ADMIN:
        return None
    if not user.is_authenticated:
        return []
    return list(OrgMembership.objects.filter(user_id=user.pk).values_list("org_id", flat=True))


def agent_desk_id_for(user: User | AnonymousUser, org_id: str) -> str | None:
    """The Desk agent (Desk's agent id) this console user is in that org ("me"), or None if not linked."""
    if not user.is_authenticated:
        return None
    linked = (
        OrgMembership.objects.filter(user_id=user.pk, org_id=str(org_id))
        .exclude(desk_agent_id="")
        .values_list("desk_agent_id", flat=True)
        .first()
    )
    return linked or None


def user_may_see_org(*, user: User | AnonymousUser, org_id: str) -> bool:
    allowed = org_ids_for_user(user=user)
    return allowed is None or str(org_id) in allowed


def memberships_by_user(users: list[User]) -> dict[int, list[OrgMembership]]:
    """Each user's org memberships (one query), by user id."""
    result: dict[int, list[OrgMembership]] = {user.pk: [] for user in users}
    for membership in OrgMembership.objects.filter(user__in=users).order_by("org_id"):
        result.setdefault(membership.user_id, []).append(membership)
    return result


def org_members(org_id: str) -> list[OrgMembership]:
    """The non-admin users given access to one org (admins see every org without a membership)."""
    memberships = (
        OrgMembership.objects.filter(org_id=str(org_id))
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("user__username")
    )
    return [m for m in memberships if user_role(m.user) != Role.ADMIN]


def users_by_role() -> dict[Role, list[User]]:
    """Every active user under their strongest role (users without a role left out), by username."""
    result: dict[Role, list[User]] = {role: [] for role in ROLE_ORDER}
    for user in User.objects.filter(is_active=True).order_by("username").prefetch_related("groups"):
        role = user_role(user)
        if role is not None:
            result[role].append(user)
    return result


def console_settings() -> ConsoleSettings:
    """The console's settings (defaults until an admin saves them)."""
    return ConsoleSettings.objects.filter(pk=1).first() or ConsoleSettings(pk=1)


def audit_entries(
    *, user: User, query: str = "", outcome: str = "", action: str = ""
) -> QuerySet[AuditEntry]:
    """Audit entries the user may see (their orgs' and the org-less ones), newest first, filtered."""
    entries = AuditEntry.objects.all()
    allowed = org_ids_for_user(user=user)
    if allowed is not None:
        entries = entries.filter(Q(org_id__in=allowed) | Q(org_id=""))
    if outcome in AuditEntry.Outcome.values:
        entries = entries.filter(outcome=outcome)
    if action:
        entries = entries.filter(action=action)
    if query:
        entries = entries.filter(
            Q(actor_name__icontains=query)
            | Q(action__icontains=query)
            | Q(target_id__icontains=query)
            | Q(message__icontains=query)
        )
    return entries


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def active_user_count() -> int:
    return User.objects.filter(is_active=True).count()


def active_users_by_role() -> list[dict[str, Any]]:
    """Active users per role group: rows of ``{"groups__name": …, "n": …}``, by group name."""
    rows = (
        User.objects.filter(is_active=True, groups__name__isnull=False)
        .values("groups__name")
        .annotate(n=Count("id"))
        .order_by("groups__name")
    )
    return [dict(row) for row in rows]
