"""What apps above the customers add to the customer lists: ticket facts (the "has open tickets" filter and
each row's open-ticket count).

The customers app may not import the tickets app (docs/architecture.md), so the tickets app registers these
from its AppConfig.ready() (``apps/tickets/customer_sections.py``), as it registers its sections on the 360°
pages through ``apps.core.shell.register_section``. With nothing registered the lists simply offer neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import QuerySet

from apps.connections.models import DeskConnection

Kind = Literal["contact", "account"]


@dataclass(frozen=True)
class TicketFacts:
    # (connection, kind) -> the open tickets of the contact/account of the outer query (correlated by
    # ``OuterRef("desk_id")``), for ``Exists(...)``: one index probe per row, not a scan of every ticket.
    open_tickets_of_row: Callable[[DeskConnection, Kind], QuerySet[Any]]
    # (connection, kind, desk ids) -> {desk id: number of open tickets} (ids with none left out).
    open_counts: Callable[[DeskConnection, Kind, list[str]], dict[str, int]]


_TICKET_FACTS: list[TicketFacts] = []


def register_ticket_facts(facts: TicketFacts) -> None:
    """Called once from the tickets app's AppConfig.ready(); a second registration replaces the first."""
    _TICKET_FACTS[:] = [facts]


def ticket_facts() -> TicketFacts | None:
    return _TICKET_FACTS[0] if _TICKET_FACTS else None
