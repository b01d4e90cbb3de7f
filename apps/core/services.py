"""Core writes: the audit log, users with roles, their access to Desk orgs and the console's settings."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Q

from apps.core.models import AuditEntry, ConsoleSettings, OrgMembership
from apps.core.orgs import agents_for_org, known_orgs, org_access_granted, org_names
from apps.core.roles import Role, role_assign, user_role

# Any detail key containing one of these is never stored: tokens and secrets stay out of the trail.
SECRET_KEY_PARTS = ("token", "secret", "password", "authorization", "code_verifier", "signature")
REDACTED = "[redacted]"


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret-looking key's value replaced, at any depth."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if any(p in str(key).lower() for p in SECRET_KEY_PARTS) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    org_id: str = "",
    target_type: str = "",
    target_id: str | int = "",
    outcome: str = AuditEntry.Outcome.SUCCESS,
    message: str = "",
    api_calls: int = 0,
    credits: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry. Every write in DeskAdmin calls this, whether it worked or not.

    ``credits`` is what the Desk client counted for the write; when a caller does not know it, each
    call is taken as one single-record call, which Desk charges 1 credit.
    """
    if outcome not in AuditEntry.Outcome.values:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if api_calls < 0:
        raise ValueError("api_calls cannot be negative")
    if credits is None:
        credits = api_calls
    if credits < 0:
        raise ValueError("credits cannot be negative")
    actor_obj = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_name=actor_obj.get_username() if actor_obj else "system",
        org_id=str(org_id),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        message=message[:500],
        api_calls=api_calls,
        credits=credits,
        detail=redact(dict(detail or {})),
    )


class LastAdminError(Exception):
    """Refused: the change would leave DeskAdmin without an active admin."""


def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    org_ids: list[str] | None = None,
    actor: User | None = None,
) -> User:
    """Create a console user in one role, with access to the given Desk orgs.

    Without ``org_ids`` the console's "new users get access to" setting decides: no org, or every
    connected one. Admins reach every org anyway, so they get no memberships.
    """
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    role_assign(user=user, role=role)
    if org_ids is None and role != Role.ADMIN:
        org_ids = new_user_org_ids()
    if actor is not None:
        audit_record(
            actor=actor,
            action="user.create",
            target_type="user",
            target_id=user.pk,
            detail={"role": role.value},
        )
    for org_id in org_ids or []:
        org_access_grant(user=user, org_id=org_id, actor=actor)
    return user


def new_user_org_ids() -> list[str]:
    """The orgs a new user gets by the console's setting."""
    settings_row = ConsoleSettings.objects.filter(pk=1).first()
    if settings_row is None or settings_row.new_user_org_access != ConsoleSettings.NewUserAccess.ALL:
        return []
    return [org.org_id for org in known_orgs()]


def console_settings_update(*, new_user_org_access: str, actor: User) -> ConsoleSettings:
    """Change what new users get access to ("none" or "all" connected orgs)."""
    if new_user_org_access not in ConsoleSettings.NewUserAccess.values:
        raise ValueError(f"unknown new-user access {new_user_org_access!r}")
    row, _ = ConsoleSettings.objects.get_or_create(pk=1)
    before = row.new_user_org_access
    row.new_user_org_access = new_user_org_access
    row.save(update_fields=["new_user_org_access", "updated_at"])
    audit_record(
        actor=actor,
        action="settings.new_user_access",
        target_type="settings",
        message=f"New users get access to: {row.get_new_user_org_access_display()}",
        detail={"before": before, "after": new_user_org_access},
    )
    return row


def _org_label(org_id: str) -> str:
    """The org as people know it, for audit messages (written once, read long after)."""
    name = org_names().get(org_id)
    return f"{name} (org {org_id})" if name else f"org {org_id}"


def _agent_label(org_id: str, desk_agent_id: str) -> str:
    for agent in agents_for_org(org_id):
        if agent.desk_id == desk_agent_id:
            return agent.label
    return desk_agent_id


def org_access_grant(*, user: User, org_id: str, actor: User | None) -> OrgMembership:
    """Let ``user`` see and work in one Desk org; the team app then links their Desk agent by email."""
    with transaction.atomic():
        membership, created = OrgMembership.objects.get_or_create(user=user, org_id=str(org_id))
        if created:
            audit_record(
                actor=actor,
                action="org_access.grant",
                org_id=org_id,
                target_type="user",
                target_id=user.pk,
                message=f"{user.get_username()} can now see {_org_label(str(org_id))}",
            )
    if created:
        org_access_granted.send(sender=OrgMembership, membership=membership)
        membership.refresh_from_db()
    return membership


def org_access_revoke(*, user: User, org_id: str, actor: User) -> bool:
    """Take away ``user``'s access to one org; False if they had none."""
    with transaction.atomic():
        deleted, _ = OrgMembership.objects.filter(user=user, org_id=str(org_id)).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="org_access.revoke",
                org_id=org_id,
                target_type="user",
                target_id=user.pk,
                message=f"{user.get_username()} can no longer see {_org_label(str(org_id))}",
            )
    return bool(deleted)


def org_agent_link(
    *, membership: OrgMembership, desk_agent_id: str, actor: User | None, how: str = "by an admin"
) -> OrgMembership:
    """Link (or, with "", unlink) the console user to the Desk agent they are in that org ("me")."""
    before = membership.desk_agent_id
    if before == desk_agent_id:
        return membership
    membership.desk_agent_id = desk_agent_id
    membership.save(update_fields=["desk_agent_id"])
    username = membership.user.get_username()
    audit_record(
        actor=actor,
        action="org_access.agent_link",
        org_id=membership.org_id,
        target_type="user",
        target_id=membership.user_id,
        message=(
            f"{username} is Desk agent {_agent_label(membership.org_id, desk_agent_id)} ({how})"
            if desk_agent_id
            else f"{username} is linked to no Desk agent ({how})"
        ),
        detail={"before": before, "after": desk_agent_id},
    )
    return membership


def user_update(*, user: User, role: Role, is_active: bool, actor: User) -> User:
    """Change a user's role and whether they may sign in; never remove the last active admin."""

    losing_admin = user_role(user) == Role.ADMIN and (role != Role.ADMIN or not is_active)
    if losing_admin:
        other_admins = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name=Role.ADMIN.value) | Q(is_superuser=True))
            .exclude(pk=user.pk)
            .exists()
        )
        if not other_admins:
            audit_record(
                actor=actor,
                action="user.update",
                target_type="user",
                target_id=user.pk,
                outcome=AuditEntry.Outcome.DENIED,
                message="Refused: it would leave no active admin.",
            )
            raise LastAdminError("DeskAdmin needs at least one active admin.")
    previous = {"role": str(user_role(user) or ""), "is_active": user.is_active}
    role_assign(user=user, role=role)
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.update",
        target_type="user",
        target_id=user.pk,
        detail={"before": previous, "after": {"role": role.value, "is_active": is_active}},
    )
    return user
