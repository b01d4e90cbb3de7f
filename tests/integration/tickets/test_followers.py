"""Followers: shown from the mirror, follow/unfollow yourself and add/remove an agent, one Desk call each."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry, OrgMembership
from apps.team.models import Agent
from apps.tickets.models import Ticket
from apps.tickets.services.stale import ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}


def open_ticket(world) -> Ticket:
    ticket = Ticket.objects.filter(connection=world.connection, is_deleted=False).order_by("desk_id").first()
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def sandbox_followers(world, ticket) -> list[str]:
    from apps.sandbox import models as sm

    return sorted(str(f.agent_id) for f in sm.TicketFollower.objects.filter(ticket_id=int(ticket.desk_id)))


def test_follow_myself_and_add_another_agent_then_remove(world, member, agent_user):
    ticket = open_ticket(world)
    me, other = Agent.objects.filter(connection=world.connection, is_deleted=False).order_by("desk_id")[:2]
    client = member(agent_user)
    OrgMembership.objects.filter(user=agent_user, org_id=world.connection.org_id).update(
        desk_agent_id=me.desk_id
    )
    panel = client.get(reverse("tickets:followers", args=[ticket.desk_id]))
    assert b"data-follow-me" in panel.content and b">Follow<" in panel.content

    world.clear_log()
    response = client.post(
        reverse("tickets:follower_add", args=[ticket.desk_id]),
        {"agent": me.desk_id, "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/addFollowers"]
    assert b">Unfollow<" in response.content
    client.post(
        reverse("tickets:follower_add", args=[ticket.desk_id]),
        {"agent": other.desk_id, "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    ticket.refresh_from_db()
    assert sorted(f["id"] for f in ticket.followers) == sorted([me.desk_id, other.desk_id])
    assert sandbox_followers(world, ticket) == sorted([me.desk_id, other.desk_id])

    client.post(
        reverse("tickets:follower_remove", args=[ticket.desk_id]),
        {"agent": other.desk_id, "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    ticket.refresh_from_db()
    assert [f["id"] for f in ticket.followers] == [me.desk_id]
    assert sandbox_followers(world, ticket) == [me.desk_id]
    assert AuditEntry.objects.filter(action="ticket.follower_add", outcome="success").count() == 2
    assert AuditEntry.objects.filter(action="ticket.follower_remove", outcome="success").count() == 1


def test_unknown_agent_is_refused_without_a_call(world, member, agent_user):
    ticket = open_ticket(world)
    world.clear_log()
    response = member(agent_user).post(
        reverse("tickets:follower_add", args=[ticket.desk_id]), {"agent": "999", "seen": ""}, headers=HX
    )
    assert response.status_code == 200 and "alert" in response.headers["HX-Trigger"]
    assert world.api_calls() == 0
