"""The ticket drawer on the queue and the first open that never waits on Desk: the mirrored conversation at
once, Desk's copy fetched in the background (POST, swapped in), failures inline."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.tickets.models import Ticket, TicketThread
from apps.tickets.services.stale import ticket_seen_read, ticket_seen_token

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

DRAWER = {"HX-Request": "true", "HX-Target": "ticket-drawer", "HX-Boosted": "true"}
HX = {"HX-Request": "true"}


def a_ticket_with_threads(world) -> Ticket:
    return Ticket.objects.filter(connection=world.connection, thread_count__gt=0).order_by("desk_id").first()


def mirrored(world, client, ticket: Ticket) -> Ticket:
    """Fetch the ticket's conversation once, as the first open does, then forget the calls it cost."""
    client.post(reverse("tickets:conversation_refresh", args=[ticket.desk_id]), headers=HX)
    world.clear_log()
    ticket.refresh_from_db()
    return ticket


def test_queue_has_the_drawer_and_boosts_row_links_into_it(world, member, agent_user):
    html = member(agent_user).get(reverse("tickets:queue")).content.decode()
    assert re.search(
        r'<aside id="ticket-drawer"[^>]*role="dialog"[^>]*aria-labelledby="drawer-title"[^>]*hidden', html
    )
    assert 'hx-boost="true" hx-target="#ticket-drawer"' in html
    assert world.api_calls() == 0


def test_drawer_request_gets_the_ticket_partial_and_a_full_page_link(world, member, agent_user):
    client = member(agent_user)
    ticket = mirrored(world, client, a_ticket_with_threads(world))
    url = reverse("tickets:detail", args=[ticket.desk_id])
    response = client.get(url, headers=DRAWER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="drawer-title" tabindex="-1">#{ticket.ticket_number}' in html
    assert f'href="{url}" data-drawer-full' in html
    assert 'id="ticket-main"' in html
    assert "data-presence" in html
    assert world.api_calls() == 0
    # The same URL, loaded directly (a reload, a shared link), is the full page.
    full = client.get(url).content.decode()
    assert "<html" in full and 'id="drawer-title"' not in full
    # A history restore of that URL is the full page too.
    restored = client.get(url, headers={**DRAWER, "HX-History-Restore-Request": "true"}).content.decode()
    assert "<html" in restored


def test_stale_mirrored_conversation_shows_at_once_then_desk_is_asked_in_the_background(
    world, member, agent_user
):
    client = member(agent_user)
    ticket = mirrored(world, client, a_ticket_with_threads(world))
    # The mirror holds the conversation but it is older than the max age: stale.
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() - timezone.timedelta(days=1)
    )
    thread = TicketThread.objects.filter(ticket=ticket, is_deleted=False).exclude(content=None).first()
    for headers in ({}, DRAWER):
        response = client.get(reverse("tickets:detail", args=[ticket.desk_id]), headers=headers)
        html = response.content.decode()
        assert response.context["conversation"], "the mirrored conversation is on the page"
        assert f'data-entry="thread-{thread.desk_id}"' in html
        assert "checking Desk for newer messages" in html
        assert (
            f'hx-post="{reverse("tickets:conversation_refresh", args=[ticket.desk_id])}" hx-trigger="load"'
            in html
        )
    assert world.api_calls() == 0, "opening never waits on Desk"
    refreshed = client.post(
        reverse("tickets:conversation_refresh", args=[ticket.desk_id]), {"order": "oldest"}, headers=HX
    )
    body = refreshed.content.decode()
    assert refreshed.status_code == 200
    assert world.api_calls() > 0
    assert body.lstrip().startswith('<div id="ticket-conversation"')
    assert 'hx-trigger="load"' not in body, "the answer does not ask again"
    assert refreshed.context["order"] == "oldest"


def test_ticket_without_a_mirrored_conversation_renders_at_once_with_a_loading_note(
    world, member, agent_user
):
    ticket = a_ticket_with_threads(world)
    TicketThread.objects.filter(ticket=ticket).delete()
    response = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Loading the conversation from Desk" in html
    assert "No messages yet." not in html
    assert world.api_calls() == 0


def test_a_failed_background_fetch_is_shown_inline_with_a_retry(world, member, agent_user):
    client = member(agent_user)
    ticket = a_ticket_with_threads(world)
    world.connection.api_domain = "http://127.0.0.1:9"  # nothing listens: Desk unreachable
    world.connection.save(update_fields=["api_domain"])
    response = client.post(reverse("tickets:conversation_refresh", args=[ticket.desk_id]), headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-conversation-error" in html
    assert "Desk is not answering right now" in html
    assert ">Try again</button>" in html


def test_a_fetch_that_only_brought_messages_hands_the_forms_a_new_note(world, member, agent_user):
    client = member(agent_user)
    ticket = a_ticket_with_threads(world)
    TicketThread.objects.filter(ticket=ticket).delete()
    ticket.refresh_from_db()
    before = ticket_seen_token(ticket)
    response = client.post(
        reverse("tickets:conversation_refresh", args=[ticket.desk_id]), {"seen": before}, headers=HX
    )
    token = response.context["seen_update"]
    assert token and token != before
    assert ticket_seen_read(token)["l"], "the note now covers the fetched conversation"
    assert f'data-seen-before="{before}"' in response.content.decode()
    # A ticket whose fields changed meanwhile keeps the old note: the guard must still show the change.
    Ticket.objects.filter(pk=ticket.pk).update(subject="Changed elsewhere")
    again = client.post(
        reverse("tickets:conversation_refresh", args=[ticket.desk_id]), {"seen": before}, headers=HX
    )
    assert again.context["seen_update"] == ""


def test_refresh_without_htmx_goes_back_to_the_page(world, member, agent_user):
    ticket = a_ticket_with_threads(world)
    response = member(agent_user).post(reverse("tickets:conversation_refresh", args=[ticket.desk_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.desk_id])


def test_writes_in_the_drawer_answer_with_the_main_partial(world, member, agent_user):
    client = member(agent_user)
    ticket = mirrored(world, client, a_ticket_with_threads(world))
    response = client.post(
        reverse("tickets:priority", args=[ticket.desk_id]),
        {"priority": "High" if ticket.priority != "High" else "Low", "seen": ticket_seen_token(ticket)},
        headers={**HX, "HX-Target": "ticket-main"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ticket-main"')


def test_queue_and_drawer_together_have_unique_element_ids(world, member, admin_user):
    client = member(admin_user)
    ticket = mirrored(world, client, a_ticket_with_threads(world))
    queue = client.get(reverse("tickets:queue")).content.decode()
    drawer = client.get(reverse("tickets:detail", args=[ticket.desk_id]), headers=DRAWER).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', queue) + re.findall(r'\sid="([^"]+)"', drawer)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []


def test_the_background_fetch_also_updates_attachments_and_tells_the_tags_and_followers_cards(
    world, member, agent_user
):
    ticket = a_ticket_with_threads(world)
    client = member(agent_user)
    response = client.post(reverse("tickets:conversation_refresh", args=[ticket.desk_id]), headers=HX)
    body = response.content.decode()
    assert 'id="ticket-attachments"' in body and 'hx-swap-oob="true"' in body
    assert response["HX-Trigger-After-Settle"] == "ticket-refreshed"
    page = client.get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert 'hx-swap-oob="true"' not in page  # only the refresh's answer swaps out of band
    assert page.count("ticket-refreshed from:body") == 2  # the tags and followers cards listen
