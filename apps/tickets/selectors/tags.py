"""Tag reads, all from the mirror: the names known in an org (suggestions) and tickets with a tag."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.connections.models import DeskConnection
from apps.tickets.models import Ticket, TicketTag


def tags_known(*, connection: DeskConnection, prefix: str = "", limit: int = 10) -> list[str]:
    """Tag names on the org's mirrored tickets, those starting with ``prefix`` first, then containing it."""
    key = " ".join(prefix.split()).lower()[:50]
    rows = TicketTag.objects.filter(connection=connection)
    starting = list(
        rows.filter(key__startswith=key).order_by("key").values_list("key", "name").distinct()[: limit * 3]
    )
    names = dict(starting)
    if key and len(names) < limit:
        more = (
            rows.filter(key__contains=key).order_by("key").values_list("key", "name").distinct()[: limit * 3]
        )
        for k, name in more:
            names.setdefault(k, name)
    return list(names.values())[:limit]


def tickets_with_tag(tickets: QuerySet[Ticket], *, connection: DeskConnection, tag: str) -> QuerySet[Ticket]:
    """Narrow ``tickets`` to those carrying ``tag`` (any case): one indexed lookup in TicketTag."""
    ids = TicketTag.objects.filter(connection=connection, key=tag.strip().lower()).values("ticket_id")
    return tickets.filter(id__in=ids)
