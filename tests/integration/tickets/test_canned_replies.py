"""Canned replies: agents keep personal ones, managers/admins the shared ones; the reply box's list fills in
a ticket's placeholders; another org's replies are never shown (404)."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.tickets.models import CannedReply
from tests.integration.tickets.test_writes import open_ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_agent_creates_a_personal_reply_and_cannot_share_it(world, member, agent_user):
    client = member(agent_user)
    page = client.get(reverse("tickets:canned_new"))
    assert page.status_code == 200 and 'name="is_shared"' not in page.content.decode()
    response = client.post(
        reverse("tickets:canned_new"),
        {"title": "Thanks", "body": "<p>Hi {{contact.first_name}}</p>", "is_shared": "on"},
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(title="Thanks")
    assert reply.owner == agent_user and not reply.is_shared and reply.connection == world.connection
    assert AuditEntry.objects.filter(action="canned_reply.create", org_id=world.connection.org_id).exists()
    listing = client.get(reverse("tickets:canned_list")).content.decode()
    assert "Thanks" in listing and "Hi {{contact.first_name}}" in listing
    assert world.api_calls() == 0


def test_empty_title_or_body_gets_a_message_and_keeps_the_input(world, member, agent_user):
    response = member(agent_user).post(reverse("tickets:canned_new"), {"title": "Kept title", "body": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html and 'value="Kept title"' in html


def test_shared_replies_are_for_managers_to_edit(world, member, agent_user, manager_user):
    manager = member(manager_user)
    manager.post(reverse("tickets:canned_new"), {"title": "Closing", "body": "<p>Bye</p>", "is_shared": "on"})
    shared = CannedReply.objects.get(title="Closing")
    assert shared.is_shared
    agent = member(agent_user)
    assert "Closing" in agent.get(reverse("tickets:canned_list")).content.decode()
    assert agent.get(reverse("tickets:canned_edit", args=[shared.pk])).status_code == 403
    assert agent.post(reverse("tickets:canned_delete", args=[shared.pk])).status_code == 403
    edited = manager.post(
        reverse("tickets:canned_edit", args=[shared.pk]),
        {"title": "Closing 2", "body": "<p>Bye!</p>", "is_shared": "on"},
    )
    assert edited.status_code == 302
    shared.refresh_from_db()
    assert shared.title == "Closing 2" and shared.body == "<p>Bye!</p>"
    assert manager.post(reverse("tickets:canned_delete", args=[shared.pk])).status_code == 302
    assert not CannedReply.objects.filter(pk=shared.pk).exists()


def test_personal_replies_are_private(world, member, agent_user, manager_user):
    mine = CannedReply.objects.create(connection=world.connection, owner=manager_user, title="Mine", body="x")
    agent = member(agent_user)
    assert "Mine" not in agent.get(reverse("tickets:canned_list")).content.decode()
    assert agent.get(reverse("tickets:canned_edit", args=[mine.pk])).status_code == 404


def test_the_reply_box_list_fills_in_the_ticket(world, member, agent_user):
    from apps.customers.models import Contact

    ticket = open_ticket(world)
    contact = Contact.objects.get(connection=world.connection, desk_id=ticket.contact_desk_id)
    CannedReply.objects.create(
        connection=world.connection,
        owner=agent_user,
        title="Greeting",
        body="<p>Hi {{contact.first_name}}, #{{ticket.number}} {{ticket.subject}} — {{agent.name}} {{x.y}}</p>",
    )
    data = member(agent_user).get(reverse("tickets:canned_for_ticket", args=[ticket.desk_id])).json()
    (item,) = data["replies"]
    assert item["title"] == "Greeting"
    assert f"Hi {contact.first_name}, #{ticket.ticket_number}" in item["html"]
    assert agent_user.get_full_name() in item["html"]
    assert item["unknown"] == ["x.y"] and "{{x.y}}" in item["html"]
    assert world.api_calls() == 0


def test_another_orgs_replies_are_not_found(world, member, agent_user):
    from apps.connections.models import DeskConnection

    other = DeskConnection.objects.create(
        org_id="99999",
        org_name="Other",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="http://127.0.0.1:9",
        client_id="x",
    )
    theirs = CannedReply.objects.create(
        connection=other, owner=None, title="Elsewhere", body="x", is_shared=True
    )
    agent = member(agent_user)
    assert agent.get(reverse("tickets:canned_edit", args=[theirs.pk])).status_code == 404
    assert agent.post(reverse("tickets:canned_delete", args=[theirs.pk])).status_code == 404
    assert "Elsewhere" not in agent.get(reverse("tickets:canned_list")).content.decode()
