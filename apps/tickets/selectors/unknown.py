"""Reads for writes whose answer was lost: one of the user's own, in an org they may work in."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.connections.selectors import connections_for_user
from apps.tickets.models import UnknownWrite


def unknown_write_for_user(*, user: User, pk: int) -> UnknownWrite | None:
    """The user's own write (never someone else's, never another org's)."""
    return (
        UnknownWrite.objects.filter(pk=pk, actor=user, connection__in=connections_for_user(user=user))
        .select_related("connection")
        .first()
    )
