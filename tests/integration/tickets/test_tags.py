"""Tags on a ticket: shown and suggested from the mirror (0 calls), added and removed with one Desk call
each (mirror and audit updated), refreshed with the conversation, and the queue filters and searches by tag
with 0 Desk calls."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.tickets.models import Ticket, TicketTag
from apps.tickets.services.conversation import ticket_conversation_refresh
from apps.tickets.services.stale import ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}


def open_ticket(world, index: int = 0) -> Ticket:
    tickets = Ticket.objects.filter(connection=world.connection, is_deleted=False).exclude(
        department_desk_id=""
    )
    ticket = tickets.order_by("desk_id")[index]
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def sandbox_tags(world, ticket: Ticket) -> list[str]:
    return sorted(t.name for t in world.sandbox_ticket(ticket.desk_id).tags.all())


def test_add_and_remove_tag_one_call_each_mirror_and_audit(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    world.clear_log()
    response = client.post(
        reverse("tickets:tag_add", args=[ticket.desk_id]),
        {"tag": "  refund  request ", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Tag “refund request” added."
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/associateTag"]
    ticket.refresh_from_db()
    assert ticket.tags == ["refund request"]
    assert "refund request" in ticket.search_text
    assert sandbox_tags(world, ticket) == ["refund request"]
    assert b'data-tag="refund request"' in response.content
    assert AuditEntry.objects.get(action="ticket.tag_add").detail["tags"] == ["refund request"]

    world.clear_log()
    response = client.post(
        reverse("tickets:tag_remove", args=[ticket.desk_id]),
        {"tag": "Refund Request", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/dissociateTag"]
    ticket.refresh_from_db()
    assert ticket.tags == []
    assert not TicketTag.objects.filter(ticket=ticket).exists()
    assert sandbox_tags(world, ticket) == []
    assert AuditEntry.objects.filter(action="ticket.tag_remove", outcome="success").count() == 1


def test_bad_tag_name_is_refused_without_a_call(world, member, agent_user):
    ticket = open_ticket(world)
    world.clear_log()
    response = member(agent_user).post(
        reverse("tickets:tag_add", args=[ticket.desk_id]), {"tag": "a!", "seen": ""}, headers=HX
    )
    assert response.status_code == 200
    assert "3 to 50 letters" in json.loads(response.headers["HX-Trigger"])["alert"]["message"]
    assert world.api_calls() == 0


def test_queue_filters_and_searches_by_tag_with_no_desk_call(world, member, agent_user):
    tagged, other = open_ticket(world, 0), open_ticket(world, 1)
    client = member(agent_user)
    client.post(
        reverse("tickets:tag_add", args=[tagged.desk_id]),
        {"tag": "vip-customer", "seen": ticket_seen_token(tagged)},
        headers=HX,
    )
    world.clear_log()
    response = client.get(reverse("tickets:queue") + "?tag=VIP-Customer")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-ticket="{tagged.desk_id}"' in body or tagged.subject in body
    assert other.subject not in body or other.subject == tagged.subject
    # Suggestions come from the mirror too.
    response = client.get(reverse("tickets:tag_suggestions", args=[other.desk_id]) + "?tag=vip")
    assert b'<option value="vip-customer">' in response.content
    response = client.get(reverse("tickets:tags", args=[tagged.desk_id]))
    assert b'data-tag="vip-customer"' in response.content
    assert world.api_calls() == 0


def test_conversation_refresh_brings_tags_and_followers_from_desk(world):
    ticket = open_ticket(world)
    sandbox = world.sandbox_ticket(ticket.desk_id)
    from apps.sandbox import models as sm

    tag = sm.TicketTag.objects.create(
        id=sm.next_id(sandbox.org),
        org=sandbox.org,
        department_id=sandbox.department_id,
        name="Tagged in Desk",
    )
    tag.tickets.add(sandbox)
    agent = sm.Agent.objects.filter(org=sandbox.org, is_deleted=False).order_by("pk").first()
    sm.TicketFollower.objects.create(ticket=sandbox, agent=agent)
    ticket = ticket_conversation_refresh(ticket=ticket, force=True)
    ticket.refresh_from_db()
    assert ticket.tags == ["Tagged in Desk"]
    assert [f["id"] for f in ticket.followers] == [str(agent.pk)]
    assert TicketTag.objects.filter(ticket=ticket, key="tagged in desk").exists()
