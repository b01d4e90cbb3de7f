"""Saved views: a queue URL saved by name for its owner (optionally shared with the org), audited."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.core.services import audit_record
from apps.tickets.models import SavedView


def saved_view_create(
    *, actor: User, connection: DeskConnection, name: str, query: str, is_shared: bool
) -> SavedView:
    """Save (or overwrite, by name) a queue URL for the actor, optionally shared with the org."""
    view, _ = SavedView.objects.update_or_create(
        connection=connection,
        owner=actor,
        name=name.strip()[:100],
        defaults={"query": query[:2000], "is_shared": is_shared},
    )
    audit_record(
        actor=actor,
        action="ticket.view.save",
        org_id=connection.org_id,
        target_type="saved_view",
        target_id=view.pk,
        detail={"name": view.name, "shared": is_shared},
    )
    return view


def saved_view_delete(*, actor: User, view: SavedView) -> None:
    audit_record(
        actor=actor,
        action="ticket.view.delete",
        org_id=view.connection.org_id,
        target_type="saved_view",
        target_id=view.pk,
        detail={"name": view.name},
    )
    view.delete()
