"""Core reads: the audit log and the orgs a user may see."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from apps.core.models import AuditEntry, OrgMembership
from apps.core.roles import Role, user_role


def org_ids_for_user(*, user: User | AnonymousUser) -> list[str] | None:
    """The Desk orgIds a user may act in; None means every org (admins)."""
    if user_role(user) == Role.ADMIN:
        return None
    if not user.is_authenticated:
        return []
    return list(OrgMembership.objects.filter(user_id=user.pk).values_list("org_id", flat=True))


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
