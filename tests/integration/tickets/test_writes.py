"""Writes on a ticket: one Desk call each, the mirror updated from Desk's answer, an audit entry, a toast."""

import json

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.team.models import Agent, Team
from apps.tickets.models import Ticket, TicketComment, TicketThread
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.services.stale import ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}


def open_ticket(world) -> Ticket:
    from django.utils import timezone

    ticket = (
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")
        .first()
    )
    # Mark the conversation fresh so opening the page costs nothing in these tests.
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def seen(ticket: Ticket) -> str:
    return ticket_seen_token(ticket)


def toast_of(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_status_change_is_one_call_updates_mirror_and_audit(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    response = client.post(
        reverse("tickets:status", args=[ticket.desk_id]),
        {"status": "On Hold", "seen": seen(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    assert toast_of(response)["toast"]["message"] == "Status changed to On Hold."
    assert world.api_paths() == [f"PATCH /tickets/{ticket.desk_id}"]
    ticket.refresh_from_db()
    assert ticket.status == "On Hold"
    assert world.sandbox_ticket(ticket.desk_id).status == "On Hold"
    entry = AuditEntry.objects.get(action="ticket.status")
    assert entry.outcome == "success" and entry.target_id == ticket.desk_id and entry.api_calls == 1


def test_close_with_resolution(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    client.post(
        reverse("tickets:status", args=[ticket.desk_id]),
        {"status": "Closed", "resolution": "Reset the password.", "seen": seen(ticket)},
        headers=HX,
    )
    desk_ticket = world.sandbox_ticket(ticket.desk_id)
    assert desk_ticket.status == "Closed"
    assert desk_ticket.resolution == "Reset the password."
    ticket.refresh_from_db()
    assert ticket.status_type == "Closed"
    assert AuditEntry.objects.filter(action="ticket.close", outcome="success").exists()


def test_priority_change(world, member, agent_user):
    ticket = open_ticket(world)
    new = "Urgent" if ticket.priority != "Urgent" else "Low"
    member(agent_user).post(
        reverse("tickets:priority", args=[ticket.desk_id]),
        {"priority": new, "seen": seen(ticket)},
        headers=HX,
    )
    ticket.refresh_from_db()
    assert ticket.priority == new
    assert world.sandbox_ticket(ticket.desk_id).priority == new


def test_assign_to_agent_and_team(world, member, agent_user):
    from apps.sandbox.models import Agent as SandboxAgent

    ticket = open_ticket(world)
    active = set(SandboxAgent.objects.filter(status="ACTIVE", is_deleted=False).values_list("id", flat=True))
    agent = next(
        a
        for a in Agent.objects.filter(connection=world.connection).exclude(desk_id=ticket.assignee_desk_id)
        if int(a.desk_id) in active
    )
    team = Team.objects.filter(connection=world.connection).first()
    response = member(agent_user).post(
        reverse("tickets:assign", args=[ticket.desk_id]),
        {"assignee": agent.desk_id, "team": team.desk_id, "seen": seen(ticket)},
        headers=HX,
    )
    assert toast_of(response)["toast"]["message"] == "Assignment saved."
    ticket.refresh_from_db()
    assert (ticket.assignee_desk_id, ticket.team_desk_id) == (agent.desk_id, team.desk_id)
    assert world.api_calls() == 1


def test_private_comment_is_added_in_desk_and_mirror(world, member, agent_user):
    ticket = open_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "Checked the logs: nothing odd.", "seen": seen(ticket)},
        headers=HX,
    )
    assert toast_of(response)["toast"]["message"] == "Comment added."
    assert world.api_calls() == 1
    comment = TicketComment.objects.get(ticket=ticket, content="Checked the logs: nothing odd.")
    assert comment.is_public is False
    assert "Checked the logs" in response.content.decode()


def test_reply_by_email_from_a_department_address(world, member, agent_user):

    ticket = open_ticket(world)
    addresses = department_addresses(
        connection=world.connection, department_desk_id=ticket.department_desk_id
    )
    assert addresses, "the seeded department has support addresses"
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": addresses[0].address,
            "to": "customer@example.com",
            "cc": "",
            "content_type": "plainText",
            "content": "We have fixed it.",
            "seen": seen(ticket),
        },
        headers=HX,
    )
    assert toast_of(response)["toast"]["message"] == "Reply sent.", response.content.decode()[:2000]
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/sendReply"]
    assert TicketThread.objects.filter(ticket=ticket, to__icontains="customer@example.com").exists()


def test_reply_with_a_bad_address_is_refused_before_any_call(world, member, agent_user):
    ticket = open_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {"to": "not an email", "content": "Hi", "content_type": "plainText", "seen": seen(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    assert world.api_calls() == 0
    assert "Enter a valid email address." in response.content.decode()
    assert "Hi</textarea>" in response.content.decode()


def test_rate_limit_keeps_the_draft_and_says_when_it_retries(world, member, agent_user, settings):
    from apps.sandbox.models import Org

    settings.DESK_MAX_ATTEMPTS = 1
    ticket = open_ticket(world)
    Org.objects.filter(pk=world.org.pk).update(burst_429_remaining=5)
    response = member(agent_user).post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "A long careful note", "seen": seen(ticket)},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Desk is rate-limiting, retrying at" in html
    assert "A long careful note</textarea>" in html
    assert "data-retry-in" in html
    assert AuditEntry.objects.filter(action="ticket.comment", outcome="failure").exists()


def test_agent_may_not_edit_fields_or_trash(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    assert client.get(reverse("tickets:edit", args=[ticket.desk_id])).status_code == 403
    assert client.post(reverse("tickets:trash", args=[ticket.desk_id])).status_code == 403
    assert world.api_calls() == 0


def test_manager_moves_a_ticket_to_trash(world, member, manager_user):
    ticket = open_ticket(world)
    client = member(manager_user)
    confirm = client.get(reverse("tickets:trash", args=[ticket.desk_id]))
    assert b"Move to trash" in confirm.content
    response = client.post(reverse("tickets:trash", args=[ticket.desk_id]))
    assert response.status_code == 302
    assert world.api_paths() == ["POST /tickets/moveToTrash"]
    ticket.refresh_from_db()
    assert ticket.is_deleted
    assert world.sandbox_ticket(ticket.desk_id).is_trashed
    queue = client.get(reverse("tickets:queue"), {"per_page": 100})
    assert ticket.desk_id not in [row.ticket.desk_id for row in queue.context["rows"]]


def test_manager_edits_fields(world, member, manager_user):
    ticket = open_ticket(world)
    client = member(manager_user)
    page = client.get(reverse("tickets:edit", args=[ticket.desk_id]))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["subject"] = "Edited subject"
    response = client.post(reverse("tickets:edit", args=[ticket.desk_id]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.subject == "Edited subject"
    assert world.sandbox_ticket(ticket.desk_id).subject == "Edited subject"
    assert world.api_calls() == 1


def test_without_javascript_a_write_redirects_back_with_a_message(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    response = client.post(
        reverse("tickets:priority", args=[ticket.desk_id]),
        {"priority": "High", "seen": seen(ticket)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.desk_id])
    assert "Priority changed." in response.content.decode()


def test_desk_outage_keeps_the_draft(world, member, agent_user, settings):
    from apps.sandbox.models import Org

    settings.DESK_MAX_ATTEMPTS = 1
    ticket = open_ticket(world)
    Org.objects.filter(pk=world.org.pk).update(error_rate=1.0)
    response = member(agent_user).post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "Typed during an outage", "seen": seen(ticket)},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Typed during an outage</textarea>" in html
    assert "Desk" in json.loads(response.headers["HX-Trigger"])["alert"]["message"]
