"""Follower reads from the mirror: the agents one may add, and whether the user follows a ticket."""

from __future__ import annotations

from django.contrib.auth.models import User

from apps.team.models import Agent
from apps.tickets.models import Ticket
from apps.tickets.selectors.queue import agent_id_for_user


def follower_candidates(*, ticket: Ticket) -> list[tuple[str, str]]:
    """The org's active agents who do not follow the ticket yet, by name."""
    following = {f.get("id") for f in ticket.followers}
    agents = Agent.objects.filter(connection=ticket.connection, is_deleted=False).order_by("name", "desk_id")
    return [(a.desk_id, str(a)) for a in agents if a.desk_id not in following]


def agent_name(*, ticket: Ticket, agent_id: str) -> str:
    agent = Agent.objects.filter(connection=ticket.connection, desk_id=agent_id).first()
    return str(agent) if agent else agent_id


def my_agent_id(*, ticket: Ticket, user: User) -> str:
    return agent_id_for_user(connection=ticket.connection, user=user)
