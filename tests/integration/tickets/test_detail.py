"""The ticket page: fields, cards, SLA targets in words, the conversation fetched when stale, sanitised."""

import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.tickets.models import Ticket, TicketThread

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def a_ticket_with_threads(world) -> Ticket:
    return Ticket.objects.filter(connection=world.connection, thread_count__gt=0).order_by("desk_id").first()


def test_opening_a_stale_ticket_fetches_its_conversation_then_not_again(world, member, agent_user):
    ticket = a_ticket_with_threads(world)
    client = member(agent_user)
    # The page opens from the mirror at once (0 calls) and asks for Desk's copy in the background.
    page = client.get(reverse("tickets:detail", args=[ticket.desk_id]))
    assert page.status_code == 200 and page.context["conversation_loading"]
    assert world.api_calls() == 0
    response = client.post(
        reverse("tickets:conversation_refresh", args=[ticket.desk_id]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert world.api_calls() > 0
    assert response.context["conversation"], "the conversation was mirrored"
    ticket.refresh_from_db()
    assert ticket.conversation_synced_at is not None
    # Threads come as summaries in Desk's list; the newest ones are fetched in full.
    threads = TicketThread.objects.filter(ticket=ticket)
    assert threads.exists()
    assert not threads.filter(content__isnull=True).exists()
    desk_thread = world.org.tickets.get(pk=int(ticket.desk_id)).threads.order_by("-created_time").first()
    assert desk_thread.content.split()[0] in response.content.decode()
    world.clear_log()
    again = client.get(reverse("tickets:detail", args=[ticket.desk_id]))
    assert again.status_code == 200
    assert world.api_calls() == 0


def test_detail_shows_sla_targets_with_words_not_colour_alone(world, member, agent_user):
    ticket = a_ticket_with_threads(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        response_due_date=timezone.now() - timezone.timedelta(hours=2), conversation_synced_at=timezone.now()
    )
    response = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id]))
    html = response.content.decode()
    assert "First response" in html
    assert "Resolution" in html
    targets = response.context["sla"]
    assert {t.label for t in targets} == {"First response", "Resolution"}
    assert all(t.text for t in targets)


def test_thread_html_is_sanitised(world, member, agent_user):
    ticket = a_ticket_with_threads(world)
    Ticket.objects.filter(pk=ticket.pk).update(conversation_synced_at=timezone.now())
    TicketThread.objects.create(
        connection=world.connection,
        desk_id="999000111",
        ticket=ticket,
        direction="in",
        content='<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:x()">link</a></p>',
        content_type="html",
        created_time=timezone.now(),
    )
    html = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert "Hello" in html
    assert "<script>alert(1)" not in html
    assert "onclick" not in html
    assert "javascript:x()" not in html


def test_ticket_of_an_org_the_user_cannot_see_is_not_found(world, agent_user):
    from tests.integration.tickets.conftest import signed_in

    ticket = a_ticket_with_threads(world)
    response = signed_in(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id]))
    assert response.status_code == 404
    assert world.api_calls() == 0


def test_unknown_or_malformed_ticket_id_is_not_found(world, member, agent_user):
    client = member(agent_user)
    assert client.get(reverse("tickets:detail", args=["12345"])).status_code == 404
    assert client.get(reverse("tickets:detail", args=["abc"])).status_code == 404


def test_every_element_id_on_the_ticket_page_is_unique(world, member, admin_user):
    # Several forms share the page (reply and comment both have a content field, all carry "seen"),
    # so each form prefixes its ids; a label must point at one field only.
    ticket = a_ticket_with_threads(world)
    Ticket.objects.filter(pk=ticket.pk).update(conversation_synced_at=timezone.now())
    html = member(admin_user).get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert repeated == []
    assert 'for="reply-content"' in html and 'for="comment-content"' in html
    # Each field is wrapped once, by the form renderer's field group.
    assert '<div class="form-field"><div class="form-field' not in html
