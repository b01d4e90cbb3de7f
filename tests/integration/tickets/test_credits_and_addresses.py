"""Spending credits like an expert: From addresses from the mirror, credits in the audit log, bulk costs
shown (and refused) before they start, and a clear message when the day's credits are spent."""

import json

import pytest
from django.urls import reverse

from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.desk.budget import api_usage
from apps.team.models import SupportAddress
from apps.team.services import support_addresses_refresh
from apps.tickets.models import BulkJob, Ticket
from apps.tickets.services.bulk import bulk_job_execute
from apps.tickets.services.stale import ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}
WORLD_DAILY_CREDITS = 10_000_000  # what the world fixture gives its org


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


def sandbox_addresses(world, department_desk_id: str):
    from apps.sandbox.api.ticket_extras import reply_addresses

    return list(reply_addresses(world.org).filter(department_id=int(department_desk_id)).order_by("pk"))


def leave_credits(world, left: int) -> None:
    """Make the sandbox org have ``left`` credits for the rest of the day, and let the console see it."""
    from apps.sandbox.models import Org

    known_left = api_usage(world.connection.org_id).credits_left
    assert known_left is not None, "the sync's answers told the console what is left"
    used = WORLD_DAILY_CREDITS - known_left
    Org.objects.filter(pk=world.org.pk).update(daily_limit=used + left + 1)
    ticket = Ticket.objects.filter(connection=world.connection).first()
    with desk_client_for(world.connection) as client:
        client.ticket_get(ticket.desk_id)  # 1 credit; its answer carries what is left
    assert api_usage(world.connection.org_id).credits_left == left


# --- From addresses ---------------------------------------------------------------------------------------


def test_support_addresses_refresh_mirrors_what_desk_lists(world):
    from apps.sandbox.models import MailReplyAddress

    ticket = open_ticket(world)
    in_desk = sandbox_addresses(world, ticket.department_desk_id)
    assert in_desk, "the seeded department has From addresses"
    world.clear_log()
    with desk_client_for(world.connection) as client:
        calls = support_addresses_refresh(world.connection, client)
    assert calls == 1
    assert world.api_paths() == ["GET /mailReplyAddress"]
    mirrored = SupportAddress.objects.filter(connection=world.connection, is_deleted=False)
    assert {a.address for a in mirrored} >= {a.address for a in in_desk}

    # Desk deactivates one and deletes another: the next refresh says so.
    first = in_desk[0]
    MailReplyAddress.objects.filter(pk=first.pk).update(is_active=False)
    if len(in_desk) > 1:
        MailReplyAddress.objects.filter(pk=in_desk[1].pk).delete()
    with desk_client_for(world.connection) as client:
        support_addresses_refresh(world.connection, client)
    assert SupportAddress.objects.get(connection=world.connection, desk_id=str(first.pk)).is_active is False
    if len(in_desk) > 1:
        assert SupportAddress.objects.get(connection=world.connection, desk_id=str(in_desk[1].pk)).is_deleted


def test_a_newly_connected_org_gets_its_addresses_once(world):
    from apps.team.tasks import support_addresses_fill

    SupportAddress.objects.filter(connection=world.connection).delete()
    world.clear_log()
    assert support_addresses_fill.call(world.connection.pk)["api_calls"] == 1
    assert world.api_paths() == ["GET /mailReplyAddress"]
    assert SupportAddress.objects.filter(connection=world.connection, is_deleted=False).exists()
    # Already mirrored: the sync's team refresh keeps them fresh, the fill costs nothing.
    assert support_addresses_fill.call(world.connection.pk)["api_calls"] == 0
    assert world.api_calls() == 1


def test_reply_form_offers_the_departments_addresses_default_first_without_a_call(world, member, agent_user):
    ticket = open_ticket(world)
    department = ticket.department_desk_id
    SupportAddress.objects.filter(connection=world.connection, department_desk_id=department).delete()
    for desk_id, address, default in (
        ("91", "billing@zylker.example", False),
        ("92", "help@zylker.example", True),
        ("93", "old@zylker.example", False),
    ):
        SupportAddress.objects.create(
            connection=world.connection,
            desk_id=desk_id,
            address=address,
            display_name="Zylker",
            department_desk_id=department,
            is_department_default=default,
            is_active=address != "old@zylker.example",
        )
    SupportAddress.objects.create(
        connection=world.connection, desk_id="94", address="other@zylker.example", department_desk_id="1"
    )
    world.clear_log()
    response = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id]))
    assert world.api_calls() == 0
    form = response.context["reply_form"]
    assert [value for value, _ in form.fields["from_address"].choices] == [
        "help@zylker.example",
        "billing@zylker.example",
    ]
    assert form.initial["from_address"] == "help@zylker.example"
    html = response.content.decode()
    assert "Zylker &lt;help@zylker.example&gt; (default)" in html
    assert "data-no-from-address" not in html


def test_reply_form_without_addresses_says_what_to_configure_in_desk(world, member, agent_user):
    ticket = open_ticket(world)
    SupportAddress.objects.filter(connection=world.connection).update(is_active=False)
    world.clear_log()
    html = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert world.api_calls() == 0
    assert "data-no-from-address" in html
    assert "no active From address in Desk" in html
    assert "Setup › Channels › Email" in html


def test_an_admin_checks_desk_for_addresses_from_the_ticket(world, member, agent_user, admin_user):
    ticket = open_ticket(world)
    SupportAddress.objects.filter(connection=world.connection).delete()
    refresh = reverse("tickets:from_addresses_refresh", args=[ticket.desk_id])
    assert member(agent_user).post(refresh).status_code == 403
    admin = member(admin_user)
    assert "Check Desk now" in admin.get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    world.clear_log()
    response = admin.post(refresh, follow=True)
    assert world.api_paths() == ["GET /mailReplyAddress"]
    html = response.content.decode()
    assert "From address" in html and "data-no-from-address" not in html
    entry = AuditEntry.objects.get(action="team.from_addresses.refresh")
    assert (entry.outcome, entry.api_calls, entry.credits) == ("success", 1, 3)


def test_reply_from_an_address_desk_refuses_shows_desks_field_error_and_keeps_the_draft(
    world, member, agent_user
):
    ticket = open_ticket(world)
    # The mirror still offers an address Desk no longer accepts (changed in Desk since the last refresh).
    SupportAddress.objects.create(
        connection=world.connection,
        desk_id="999",
        address="gone@zylker.example",
        department_desk_id=ticket.department_desk_id,
        is_department_default=True,
    )
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": "gone@zylker.example",
            "to": "customer@example.com",
            "content_type": "plainText",
            "content": "Here is the fix you asked for.",
            "seen": ticket_seen_token(ticket),
        },
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/sendReply"]
    form = response.context["reply_form"]
    assert form.errors.get("from_address"), form.errors
    assert "gone@zylker.example" in form.errors["from_address"][0]
    assert "Here is the fix you asked for.</textarea>" in html
    entry = AuditEntry.objects.get(action="ticket.reply")
    assert entry.outcome == "failure" and entry.detail["error_code"] == "INVALID_DATA"


# --- credits in the audit log -------------------------------------------------------------------------------


def test_audit_entry_records_the_credits_desk_charged(world, member, agent_user, admin_user):
    from apps.sandbox.models import RequestLog

    ticket = open_ticket(world)
    client = member(agent_user)
    client.post(
        reverse("tickets:priority", args=[ticket.desk_id]),
        {"priority": "High", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    entry = AuditEntry.objects.get(action="ticket.priority")
    assert entry.outcome == "success"
    assert (entry.api_calls, entry.credits) == (1, 1)
    assert RequestLog.objects.filter(kind="api", org_id=str(world.org.pk)).count() == 1

    page = member(admin_user).get(reverse("core:audit")).content.decode()
    assert '<th scope="col">Credits</th>' in page
    assert "data-credits>1</td>" in page


def test_a_write_refused_for_spent_credits_costs_no_credits(world, member, agent_user):
    ticket = open_ticket(world)
    leave_credits(world, 0)
    member(agent_user).post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "A note", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    entry = AuditEntry.objects.get(action="ticket.comment")
    assert entry.outcome == "failure" and entry.credits == 0


# --- the credits-spent message -------------------------------------------------------------------------------


def test_spent_credits_say_when_they_reset_and_keep_the_draft(world, member, agent_user):
    ticket = open_ticket(world)
    leave_credits(world, 0)
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": response_default_address(world, ticket),
            "to": "customer@example.com",
            "cc": "boss@example.com",
            "content_type": "plainText",
            "content": "A long, careful answer.",
            "seen": ticket_seen_token(ticket),
        },
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-credits-spent" in html
    assert "Today&#x27;s Desk API credits for this org are spent" in html
    assert "after the reset at" in html
    assert "A long, careful answer.</textarea>" in html
    assert 'value="boss@example.com"' in html
    # Credits come back hours later: the draft is not resent by itself.
    assert "data-retry-in" not in html
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert "reset at" in toast["message"] and "Your draft is kept." in toast["message"]


def test_spent_credits_on_the_new_ticket_form_keep_what_was_typed(world, member, manager_user):
    from apps.team.models import Department

    leave_credits(world, 0)
    department = Department.objects.filter(connection=world.connection).first()
    response = member(manager_user).post(
        reverse("tickets:new"),
        {
            "contact_email": "new.customer@example.com",
            "subject": "Printer on fire",
            "description": "Smoke everywhere.",
            "department_id": department.desk_id,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-credits-spent" in html
    assert 'value="Printer on fire"' in html
    assert "Smoke everywhere.</textarea>" in html


def response_default_address(world, ticket) -> str:
    address = (
        SupportAddress.objects.filter(
            connection=world.connection, department_desk_id=ticket.department_desk_id, is_active=True
        )
        .order_by("-is_department_default")
        .first()
    )
    assert address is not None
    return address.address


# --- bulk actions: the cost first ---------------------------------------------------------------------------


def open_ids(world, n):
    return list(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .order_by("desk_id")
        .values_list("desk_id", flat=True)[:n]
    )


def test_bulk_review_shows_the_cost_in_credits_and_what_is_left_today(world, member, manager_user):
    client = member(manager_user)
    response = client.post(reverse("tickets:bulk_create"), {"action": "close", "ticket": open_ids(world, 5)})
    world.clear_log()
    html = client.get(response["Location"]).content.decode()
    assert world.api_calls() == 0
    assert "5 tickets: about 5 API credits</strong>" in html
    assert "(1 per ticket, or 1 for a single updateMany)" in html
    left = api_usage(world.connection.org_id).credits_left
    assert f"The org has {left:,} credits left today" in html
    assert "Start: about 5 credits" in html
    assert "data-unaffordable" not in html


def test_bulk_is_refused_when_the_org_cannot_afford_it(world, member, manager_user):
    client = member(manager_user)
    response = client.post(reverse("tickets:bulk_create"), {"action": "close", "ticket": open_ids(world, 5)})
    job = BulkJob.objects.get()
    leave_credits(world, 4)
    world.clear_log()
    review = client.get(response["Location"]).content.decode()
    assert "data-unaffordable" in review
    assert "The org cannot afford this today" in review
    assert "Start: about" not in review

    started = client.post(reverse("tickets:bulk_start", args=[job.pk]), headers=HX)
    html = started.content.decode()
    assert "Not started: it needs about 5 API credits" in html
    job.refresh_from_db()
    assert job.started_at is None and job.status == "pending"
    assert world.api_calls() == 0
    denied = AuditEntry.objects.get(action="ticket.bulk.start")
    assert denied.outcome == "denied" and denied.credits == 0


def test_a_bulk_job_stops_when_credits_run_out_and_the_rest_can_be_retried(world, member, manager_user):
    from apps.sandbox.models import Org

    client = member(manager_user)
    ids = open_ids(world, 4)
    client.post(reverse("tickets:bulk_create"), {"action": "priority", "priority": "Low", "ticket": ids})
    job = BulkJob.objects.get()
    client.post(reverse("tickets:bulk_start", args=[job.pk]))  # affordable when started
    job.refresh_from_db()
    assert job.succeeded == 4
    # A second job meets spent credits in Desk after it started: it stops at the first refusal.
    client.post(reverse("tickets:bulk_create"), {"action": "priority", "priority": "High", "ticket": ids})
    second = BulkJob.objects.order_by("-pk").first()
    Org.objects.filter(pk=world.org.pk).update(daily_limit=1)
    world.clear_log()
    bulk_job_execute(second.pk)
    second.refresh_from_db()
    assert (second.succeeded, second.failed, second.status) == (0, 4, "done")
    assert world.api_calls() <= 1
    messages = list(second.items.values_list("message", flat=True))
    assert all("reset at" in message for message in messages), messages
