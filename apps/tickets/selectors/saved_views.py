"""Saved-view reads: the views a user may pick in an org, and one of their own to delete."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from apps.connections.models import DeskConnection
from apps.connections.selectors import connections_for_user
from apps.tickets.models import SavedView


def saved_views_for(*, connection: DeskConnection, user: User) -> QuerySet[SavedView]:
    """The user's own saved views in this org, and those others shared."""
    return SavedView.objects.filter(connection=connection).filter(Q(owner=user) | Q(is_shared=True))


def saved_view_owned_by(*, user: User, pk: int) -> SavedView | None:
    """One of the user's own saved views, in an org they may still see (others' shared views are not theirs)."""
    return (
        SavedView.objects.select_related("connection")
        .filter(pk=pk, owner_id=user.pk, connection__in=connections_for_user(user=user))
        .first()
    )
