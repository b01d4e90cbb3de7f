"""Handing a leaving agent's open tickets to someone else, which only the tickets app can do: registered by it.

The team app may not import tickets (docs/architecture.md), so the tickets app registers one
``HandoffProvider`` from its AppConfig.ready() (``apps/tickets/team_sections.py``): it counts an agent's open
tickets in the mirror and reassigns them through its bulk machinery (a bulk job, the same credit check, the
same progress page). Without one, deactivating offers no reassignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.team.models import Agent


@dataclass(frozen=True)
class OpenTickets:
    """An agent's open tickets: how many, and the queue that lists them."""

    count: int
    queue_url: str


@dataclass(frozen=True)
class Handoff:
    """A reassignment asked for: started (its progress and outcome at ``url``) or refused (``refusal`` says
    why, e.g. not enough API credits today; nothing was changed)."""

    count: int
    url: str = ""
    refusal: str = ""

    @property
    def started(self) -> bool:
        return not self.refusal


class HandoffProvider(Protocol):
    def open_tickets(self, connection: DeskConnection, agent: Agent) -> OpenTickets: ...

    def reassign(self, *, actor: User, connection: DeskConnection, agent: Agent, to_agent_id: str) -> Handoff:
        """Reassign every open ticket of ``agent`` to ``to_agent_id`` ("" leaves them unassigned)."""
        ...


_PROVIDERS: list[HandoffProvider] = []


def register_handoff_provider(provider: HandoffProvider) -> None:
    """Called from the tickets app's AppConfig.ready()."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def handoff_provider() -> HandoffProvider | None:
    return _PROVIDERS[0] if _PROVIDERS else None
