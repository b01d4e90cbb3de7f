"""Collision presence (who else is on a ticket, from the cache, 0 Desk calls, never across orgs) and the
stale-write guard that stops a reply sent after someone else's reply or comment."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import OrgMembership
from apps.core.roles import Role
from apps.tickets.models import Ticket
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.services.presence import presence_entries, presence_heartbeat, ttl_seconds
from apps.tickets.services.stale import ticket_seen_token
from tests.integration.tickets.conftest import signed_in

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

HX = {"HX-Request": "true"}


def a_ticket(world) -> Ticket:
    ticket = (
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")
        .first()
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def beat(client, ticket: Ticket, state: str = "viewing"):
    return client.post(reverse("tickets:presence", args=[ticket.desk_id]), {"state": state}, headers=HX)


@pytest.fixture
def colleague(make_user):
    return make_user("sam", Role.AGENT, email="sam@deskadmin.local", first_name="Sam", last_name="Rivera")


def test_two_agents_on_a_ticket_see_each_other_by_name(world, member, agent_user, colleague):
    ticket = a_ticket(world)
    alex, sam = member(agent_user), member(colleague)
    first = beat(alex, ticket)
    assert first.status_code == 200
    assert "Nobody else is on this ticket." in first.content.decode()
    html = beat(sam, ticket).content.decode()
    assert "alex" in html and "is viewing" in html  # no full name: the username
    back = beat(alex, ticket, "replying").content.decode()
    assert "Sam Rivera" in back and "sam</" not in back  # the full name, not the username
    assert "Nobody else" not in back
    # Sam sees that Alex is replying now.
    assert "is replying" in beat(sam, ticket).content.decode()
    # The page itself shows who is there before its first beat.
    page = sam.get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert f'data-presence-person="{agent_user.pk}"' in page
    assert world.api_calls() == 0, "presence never costs a Desk call"


def test_leaving_and_silence_remove_a_viewer(world, member, agent_user, colleague):
    ticket = a_ticket(world)
    alex, sam = member(agent_user), member(colleague)
    beat(alex, ticket)
    assert beat(alex, ticket, "left").status_code == 204
    assert "Nobody else" in beat(sam, ticket).content.decode()
    # A viewer whose browser stopped beating is gone after ttl_seconds() (40 s by default).
    presence_heartbeat(ticket=ticket, user=agent_user, state="viewing", now=1_000_000.0)
    assert agent_user.pk not in presence_entries(ticket, now=1_000_000.0 + ttl_seconds() + 1)
    assert agent_user.pk in presence_entries(ticket, now=1_000_000.0 + ttl_seconds() - 1)


def test_presence_never_crosses_orgs(world, member, agent_user, colleague):
    ticket = a_ticket(world)
    sam = member(colleague)
    beat(sam, ticket)
    # Alex has no access to the org: the ticket is not found, and Alex's beat is never recorded.
    outsider = signed_in(agent_user)
    assert beat(outsider, ticket).status_code == 404
    assert agent_user.pk not in presence_entries(ticket)
    # Someone whose access is taken away drops out of the list at once.
    alex = member(agent_user)
    beat(alex, ticket)
    assert "alex" in beat(sam, ticket).content.decode()
    OrgMembership.objects.filter(user=agent_user).delete()
    assert "alex" not in beat(sam, ticket).content.decode()


def test_presence_is_a_post(world, member, agent_user):
    ticket = a_ticket(world)
    assert member(agent_user).get(reverse("tickets:presence", args=[ticket.desk_id])).status_code == 405


def _reply(client, ticket: Ticket, seen: str, content: str, **extra):
    address = department_addresses(
        connection=ticket.connection, department_desk_id=ticket.department_desk_id
    )[0]
    return client.post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        {
            "from_address": address.address,
            "to": "customer@example.com",
            "cc": "",
            "content_type": "plainText",
            "content": content,
            "seen": seen,
            **extra,
        },
        headers=HX,
    )


def test_a_reply_after_someone_elses_reply_asks_to_confirm_and_shows_it(world, member, agent_user, colleague):
    ticket = a_ticket(world)
    alex, sam = member(agent_user), member(colleague)
    alex_saw = ticket_seen_token(ticket)  # Alex opens the ticket
    sent = _reply(sam, ticket, ticket_seen_token(ticket), "Sam here: a fix is on its way.")
    assert "Reply sent." in sent.headers.get("HX-Trigger", ""), sent.content.decode()[:1500]
    world.clear_log()
    stopped = _reply(alex, ticket, alex_saw, "Alex here: have you tried turning it off and on?")
    html = stopped.content.decode()
    assert stopped.status_code == 200
    assert world.api_calls() == 0, "nothing was sent"
    assert "data-stale" in html and "Someone else wrote on this ticket since you opened it" in html
    assert "replied" in html and "a fix is on its way" in html
    assert "turning it off and on" in html, "the draft is kept"
    # Confirming sends it.
    confirmed = stopped.context["reply_form"].data
    again = _reply(alex, ticket, confirmed["seen"], confirmed["content"], confirm_stale="on")
    assert "Reply sent." in again.headers.get("HX-Trigger", "")


def test_a_reply_after_a_colleagues_comment_asks_to_confirm(world, member, agent_user, colleague):
    ticket = a_ticket(world)
    alex, sam = member(agent_user), member(colleague)
    alex_saw = ticket_seen_token(ticket)
    sam.post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "I am calling them now.", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    stopped = _reply(alex, ticket, alex_saw, "Hello!")
    html = stopped.content.decode()
    assert "added a private comment" in html or "commented" in html
    assert "I am calling them now." in html


def test_a_reply_with_nothing_new_is_sent(world, member, agent_user):
    ticket = a_ticket(world)
    response = _reply(member(agent_user), ticket, ticket_seen_token(ticket), "All good.")
    assert "Reply sent." in response.headers.get("HX-Trigger", "")
