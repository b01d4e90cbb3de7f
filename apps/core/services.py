"""Core writes: the audit log, and users with roles."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from apps.core.models import AuditEntry, OrgMembership
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
    """Create a console user in one role, with access to the given Desk orgs."""
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    role_assign(user=user, role=role)
    for org_id in org_ids or []:
        OrgMembership.objects.get_or_create(user=user, org_id=org_id)
    if actor is not None:
        audit_record(
            actor=actor,
            action="user.create",
            target_type="user",
            target_id=user.pk,
            detail={"role": role.value},
        )
    return user


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
