"""Creating a ticket (Desk's field errors on the form) and the stale-write guard."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.team.models import Agent, Department
from apps.tickets.models import Ticket, TicketThread
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.services.stale import ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}


def test_create_ticket_with_a_new_contact(world, member, manager_user):
    department = Department.objects.filter(connection=world.connection).first()
    client = member(manager_user)
    response = client.post(
        reverse("tickets:new"),
        {
            "contact_email": "new.person@example.com",
            "contact_last_name": "Person",
            "subject": "Printer on fire",
            "description": "It is on fire.",
            "department_id": department.desk_id,
            "priority": "High",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket = Ticket.objects.get(connection=world.connection, subject="Printer on fire")
    assert response["Location"] == reverse("tickets:detail", args=[ticket.desk_id])
    assert world.api_paths() == ["POST /tickets"]
    assert ticket.priority == "High"
    assert AuditEntry.objects.filter(action="ticket.create", outcome="success").exists()


def test_desk_validation_error_is_shown_on_the_field(world, member, manager_user):
    from apps.sandbox.models import Agent as SandboxAgent

    department = Department.objects.filter(connection=world.connection).first()
    agent = Agent.objects.filter(connection=world.connection).first()
    # Desk no longer accepts this agent; the mirror does not know yet.
    SandboxAgent.objects.filter(pk=int(agent.desk_id)).update(status="DISABLED")
    response = member(manager_user).post(
        reverse("tickets:new"),
        {
            "contact_email": "someone@example.com",
            "contact_last_name": "Someone",
            "subject": "Needs an agent",
            "department_id": department.desk_id,
            "assignee_id": agent.desk_id,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.get("assignee_id"), form.errors
    assert "Needs an agent" in response.content.decode()  # the draft is kept
    assert world.api_calls() == 1


def test_create_form_is_validated_before_any_call(world, member, manager_user):
    response = member(manager_user).post(reverse("tickets:new"), {"contact_email": "nope", "subject": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"contact_email", "subject", "department_id"}
    assert world.api_calls() == 0


def changed_in_desk_meanwhile(ticket: Ticket, **fields) -> None:
    """What a webhook or sync does to the mirror while the agent has the page open."""
    later = (ticket.desk_modified_time or timezone.now()) + timezone.timedelta(minutes=1)
    Ticket.objects.filter(pk=ticket.pk).update(desk_modified_time=later, **fields)


def a_ticket(world) -> Ticket:
    ticket = Ticket.objects.filter(connection=world.connection, status="Open").order_by("desk_id").first()
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def test_stale_write_shows_what_changed_and_waits_for_confirmation(world, member, agent_user):
    ticket = a_ticket(world)
    token = ticket_seen_token(ticket)
    changed_in_desk_meanwhile(ticket, priority="Urgent" if ticket.priority != "Urgent" else "Low")
    client = member(agent_user)
    response = client.post(
        reverse("tickets:status", args=[ticket.desk_id]), {"status": "On Hold", "seen": token}, headers=HX
    )
    html = response.content.decode()
    assert "changed in Desk since you opened it" in html
    assert "Priority" in html
    assert world.api_calls() == 0
    # The re-rendered form carries the confirmation; sending it performs the write.
    form = response.context["status_form"]
    confirmed = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    assert confirmed["confirm_stale"]
    response = client.post(reverse("tickets:status", args=[ticket.desk_id]), confirmed, headers=HX)
    assert world.api_calls() == 1
    ticket.refresh_from_db()
    assert ticket.status == "On Hold"


def test_reply_never_ignores_a_new_customer_message(world, member, agent_user):

    ticket = a_ticket(world)
    token = ticket_seen_token(ticket)
    now = timezone.now()
    TicketThread.objects.create(
        connection=world.connection,
        desk_id="888000111",
        ticket=ticket,
        direction="in",
        summary="Actually it works now, never mind!",
        content="Actually it works now, never mind!",
        created_time=now,
    )
    changed_in_desk_meanwhile(ticket, customer_response_time=now, thread_count=ticket.thread_count + 1)
    addresses = department_addresses(
        connection=world.connection, department_desk_id=ticket.department_desk_id
    )
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": addresses[0].address if addresses else "",
            "to": "customer@example.com",
            "content_type": "plainText",
            "content": "Here is the fix",
            "seen": token,
        },
        headers=HX,
    )
    html = response.content.decode()
    assert "never mind" in html
    assert "Here is the fix</textarea>" in html
    assert world.api_calls() == 0


def test_unchanged_ticket_writes_without_asking(world, member, agent_user):
    ticket = a_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:priority", args=[ticket.desk_id]),
        {"priority": "Low", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    assert "changed in Desk" not in response.content.decode()
    assert world.api_calls() == 1


def test_our_own_reply_echoed_back_does_not_block_the_next_reply(world, member, agent_user):
    """A webhook for the agent's own reply bumps the ticket, but nothing a customer wrote: no question.

    The page re-rendered after the agent's reply carries a note that includes it (a reply the note does
    not include is someone else's: test_presence.py asks about those)."""

    ticket = a_ticket(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        customer_response_time=None, thread_count=ticket.thread_count + 1
    )
    TicketThread.objects.create(
        connection=world.connection,
        desk_id="777000111",
        ticket=ticket,
        direction="out",
        summary="Our earlier reply",
        created_time=timezone.now(),
    )
    ticket.refresh_from_db()
    token = ticket_seen_token(ticket)
    changed_in_desk_meanwhile(ticket, thread_count=ticket.thread_count)
    addresses = department_addresses(
        connection=world.connection, department_desk_id=ticket.department_desk_id
    )
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": addresses[0].address if addresses else "",
            "to": "customer@example.com",
            "content_type": "plainText",
            "content": "One more thing",
            "seen": token,
        },
        headers=HX,
    )
    assert "changed in Desk" not in response.content.decode()
    assert world.api_calls() == 1
