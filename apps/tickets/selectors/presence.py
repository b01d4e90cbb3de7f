"""Presence reads: the other console users on a ticket now, by name, only those who may see its org."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from apps.connections.selectors import connections_for_user
from apps.tickets.models import Ticket
from apps.tickets.services.presence import presence_entries


@dataclass
class Presence:
    user_id: int
    name: str
    state: str  # "viewing" or "replying"

    @property
    def initial(self) -> str:
        return (self.name[:1] or "?").upper()


def presence_others(*, ticket: Ticket, user: User) -> list[Presence]:
    """Everyone else on the ticket now, replying first, then by name (0 Desk calls).

    A user whose access to the org was taken away since their last beat is left out at once.
    """
    entries = presence_entries(ticket)
    entries.pop(user.pk, None)
    if not entries:
        return []
    others = []
    for person in User.objects.filter(pk__in=entries, is_active=True):
        if not connections_for_user(user=person).filter(pk=ticket.connection_id).exists():
            continue
        name = person.get_full_name().strip() or person.get_username()
        others.append(Presence(user_id=person.pk, name=name, state=entries[person.pk]["state"]))
    others.sort(key=lambda p: (p.state != "replying", p.name.lower()))
    return others
