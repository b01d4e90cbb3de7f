"""0 requests reach Desk (the sandbox) while a manager and an agent browse the Overview and search every org."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.customers.models import Contact
from apps.tickets.models import Ticket
from tests.integration.tickets.conftest import World, member, world

__all__ = ["World", "member", "world"]
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_overview_cards_and_search_make_no_desk_request(world, member, manager_user, agent_user):
    ticket = Ticket.objects.filter(connection=world.connection, is_deleted=False).exclude(email="").first()
    contact = Contact.objects.filter(connection=world.connection, is_deleted=False).exclude(email="").first()
    for client in (member(manager_user), member(agent_user)):
        page = client.get(reverse("core:dashboard"))
        html = page.content.decode()
        assert f'data-org-card="{world.connection.org_id}"' in html and 'id="overview-q"' in html
        cards = next(s.context for s in page.context["sections"] if "cards" in s.context)
        assert client.get(reverse("insights:overview_cards"), {"stamp": "old"}).status_code == 200
        for figure in cards["cards"][0].figures:
            if figure.url:
                assert client.get(figure.url).context["count"].value >= 0
        for query in (
            ticket.ticket_number,
            f"#{ticket.ticket_number}",
            ticket.subject.split()[0],
            ticket.email,
        ):
            found = client.get(reverse("insights:search"), {"q": query})
            assert found.status_code == 200 and found.context["found_any"], query
        found = client.get(reverse("insights:search"), {"q": contact.email})
        assert contact.desk_id in [hit.desk_id for hit, _ in found.context["groups"][0].contacts]
        assert client.get(reverse("insights:search"), {"q": "%%%"}).status_code == 200
    assert world.api_calls() == 0, world.api_paths()
