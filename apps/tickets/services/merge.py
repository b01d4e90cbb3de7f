"""Merging tickets: one audited Desk call (mergeTicket) folds up to 4 other tickets of the same org into one;
Desk's answer updates the kept ticket in the mirror, the others are marked deleted, and the kept ticket's
conversation is marked stale so the next open fetches what moved into it."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User

from apps.tickets.mirror import mirror_apply_ticket, mirror_mark_deleted
from apps.tickets.models import Ticket
from apps.tickets.selectors.detail import ticket_reloaded
from apps.tickets.services.desk_call import desk_call_audited, desk_client

# Desk merges at most 5 tickets at a time (Ticket.json mergeTicket): the kept one and 4 others.
MERGE_MAX_OTHERS = 4


class MergeRefused(ValueError):
    """The merge asked for is not one Desk could do (nothing to merge, too many, another org's ticket)."""


def ticket_merge(
    *,
    actor: User,
    ticket: Ticket,
    others: Sequence[Ticket],
    subject_from: Ticket | None = None,
    contact_from: Ticket | None = None,
) -> Ticket:
    """Merge ``others`` into ``ticket``; the merged ticket keeps the subject and contact of ``subject_from``
    and ``contact_from`` (default: ``ticket`` itself). Returns the merged ticket as the mirror has it."""
    others = [o for o in others if o.pk != ticket.pk]
    if not others:
        raise MergeRefused("Choose at least one other ticket to merge.")
    if len(others) > MERGE_MAX_OTHERS:
        raise MergeRefused(f"Desk merges at most {MERGE_MAX_OTHERS + 1} tickets at a time.")
    involved = [ticket, *others]
    if any(o.connection_id != ticket.connection_id for o in others):
        raise MergeRefused("Only tickets of the same Desk org can be merged.")
    source: dict[str, str] = {}
    for field, chosen in (("subject", subject_from), ("contactId", contact_from)):
        if chosen is not None and chosen.pk != ticket.pk:
            if chosen.pk not in {t.pk for t in involved}:
                raise MergeRefused("Keep a value from one of the tickets being merged.")
            source[field] = chosen.desk_id
    connection = ticket.connection
    other_ids = [o.desk_id for o in others]
    with desk_client(connection) as desk:
        merged = desk_call_audited(
            actor=actor,
            action="ticket.merge",
            connection=connection,
            target_id=ticket.desk_id,
            client=desk,
            call=lambda: desk.ticket_merge(ticket.desk_id, ids=other_ids, source=source or None),
            detail={
                "subject": ticket.subject,
                "merged": [
                    {"id": o.desk_id, "number": o.ticket_number, "subject": o.subject} for o in others
                ],
                "source": source,
            },
        )
    mirror_apply_ticket(connection, merged)
    mirror_mark_deleted(connection, "tickets", other_ids)
    # Threads and comments moved in from the merged tickets: the next open fetches them (lazily).
    Ticket.objects.filter(pk=ticket.pk).update(conversation_synced_at=None)
    return ticket_reloaded(ticket)
