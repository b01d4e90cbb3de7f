"""Contact and account lists and 360° pages: every filter, search and sort from the mirror, with 0 Desk calls."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.customers.models import Account, Contact
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def _rows(html: str, kind: str = "contact") -> int:
    return html.count(f'data-{kind}="')


def _contact_list(world, member, agent_user):
    client = member(agent_user)
    url = reverse("customers:contacts")
    contacts = Contact.objects.filter(connection=world.connection, is_deleted=False)
    total = contacts.count()
    page = client.get(url).content.decode()
    assert f"{total} contacts" in page and "synced" in page and _rows(page) == min(total, 25)

    someone = contacts.exclude(account_desk_id="").order_by("desk_id").first()
    account = Account.objects.get(connection=world.connection, desk_id=someone.account_desk_id)
    # Search: a name, an email, a phone number and the account's name each find the contact.
    for query in (someone.last_name, someone.email, someone.phone, account.account_name):
        html = client.get(url, {"q": query}).content.decode()
        assert f'data-contact="{someone.desk_id}"' in html, query
    # Full-text: a word's start finds it; search syntax in the box is just text.
    html = client.get(url, {"q": someone.last_name[:3], "per_page": "100"}).content.decode()
    assert f'data-contact="{someone.desk_id}"' in html
    assert client.get(url, {"q": '"NEAR( x* OR -:^'}).status_code == 200
    assert "No contacts match" in client.get(url, {"q": "zzqx-nobody"}).content.decode()
    # Filters: account, owner, open tickets, created range, a custom field.
    html = client.get(url, {"account": account.desk_id}).content.decode()
    assert _rows(html) == contacts.filter(account_desk_id=account.desk_id).count()
    html = client.get(url, {"owner": someone.owner_desk_id, "per_page": "100"}).content.decode()
    assert _rows(html) == min(100, contacts.filter(owner_desk_id=someone.owner_desk_id).count())
    with_open = set(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .values_list("contact_desk_id", flat=True)
    )
    html = client.get(url, {"open": "yes", "per_page": "100"}).content.decode()
    assert _rows(html) == min(100, contacts.filter(desk_id__in=with_open).count()) > 0
    day = someone.created_time.date()
    html = client.get(url, {"created_from": day.isoformat(), "created_to": day.isoformat()}).content.decode()
    assert f'data-contact="{someone.desk_id}"' in html
    Contact.objects.filter(pk=someone.pk).update(cf={"cf_tier": "Gold"})
    html = client.get(url, {"cf": "cf_tier", "cf_value": "Gold"}).content.decode()
    assert _rows(html) == 1
    # Sort by every column, both ways; paging; and bad input is a note, never a 500.
    for column in ("name", "email", "phone", "account", "owner", "created", "modified"):
        for sort in (column, f"-{column}"):
            assert client.get(url, {"sort": sort}).status_code == 200
    # The open-ticket column sorts too: the contact with the most open tickets first, and none last.
    open_counts = Counter(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .exclude(contact_desk_id="")
        .values_list("contact_desk_id", flat=True)
    )
    assert open_counts[_ids(client.get(url, {"sort": "-open"}).content.decode())[0]] == max(
        open_counts.values()
    )
    assert open_counts[_ids(client.get(url, {"sort": "open"}).content.decode())[0]] == 0
    first = client.get(url, {"sort": "email", "per_page": "25"}).content.decode()
    second = client.get(url, {"sort": "email", "per_page": "25", "page": "2"}).content.decode()
    assert set(_ids(first)).isdisjoint(_ids(second))
    html = client.get(
        url, {"sort": "bogus", "created_from": "not-a-date", "per_page": "7", "cf": "x;drop"}
    ).content
    assert b"Cannot sort by" in html and b"is not a date" in html
    assert world.api_calls() == 0


def _ids(html: str) -> list[str]:
    import re

    return re.findall(r'data-contact="(\d+)"', html)


def _account_list(world, member, agent_user):
    client = member(agent_user)
    url = reverse("customers:accounts")
    accounts = Account.objects.filter(connection=world.connection, is_deleted=False)
    html = client.get(url).content.decode()
    assert _rows(html, "account") == min(accounts.count(), 25)
    one = accounts.order_by("desk_id").first()
    assert f'data-account="{one.desk_id}"' in client.get(url, {"q": one.account_name}).content.decode()
    plan = one.cf["cf_plan"]
    html = client.get(url, {"cf": "cf_plan", "cf_value": plan, "per_page": "100"}).content.decode()
    assert _rows(html, "account") == min(100, sum(1 for a in accounts if a.cf.get("cf_plan") == plan))
    for column in ("name", "email", "phone", "website", "industry", "owner", "created", "modified", "open"):
        assert client.get(url, {"sort": f"-{column}", "open": "no"}).status_code == 200
    assert world.api_calls() == 0


def _contact_360(world, member, agent_user):
    tickets = Ticket.objects.filter(connection=world.connection, is_deleted=False).exclude(contact_desk_id="")
    contact_id = tickets.values_list("contact_desk_id", flat=True).first()
    mine = tickets.filter(contact_desk_id=contact_id)
    first = mine.first()
    # One open and overdue, one closed: the open one is listed first, and counted overdue.
    Ticket.objects.filter(pk=first.pk).update(
        status="Open", status_type="Open", due_date=timezone.now() - timedelta(hours=2)
    )
    closed = Ticket.objects.create(
        connection=world.connection,
        desk_id="990001",
        ticket_number="99001",
        subject="Old closed question",
        status="Closed",
        status_type="Closed",
        contact_desk_id=contact_id,
        modified_time=timezone.now(),
    )
    html = member(agent_user).get(reverse("customers:contact", args=[contact_id])).content.decode()
    assert html.index(f'data-ticket="{first.desk_id}"') < html.index(f'data-ticket="{closed.desk_id}"')
    assert reverse("tickets:detail", args=[first.desk_id]) in html
    assert f"data-count-total>{mine.count()}<" in html
    assert "data-count-overdue>" in html and "Overdue" in html
    assert "Recent conversation" in html
    # Agents may not create tickets: no "New ticket for this contact" for them; a manager gets it pre-filled.
    assert "data-new-ticket" not in html
    assert world.api_calls() == 0


def _account_360(world, member, manager_user):
    tickets = Ticket.objects.filter(connection=world.connection, is_deleted=False).exclude(account_desk_id="")
    account_id = tickets.values_list("account_desk_id", flat=True).first()
    mine = tickets.filter(account_desk_id=account_id)
    client = member(manager_user)
    url = reverse("customers:account", args=[account_id])
    html = client.get(url).content.decode()
    assert html.count('data-ticket="') == min(mine.count(), 25)
    assert "data-open-chart" in html and "Show the numbers" in html and "open now; at most" in html
    assert "Contacts" in html and "New contact" in html
    status = mine.first().status
    html = client.get(url, {"status": status}).content.decode()
    assert html.count('data-ticket="') == min(mine.filter(status=status).count(), 25)
    html = client.get(url, {"status": "No such status", "sort": "-subject"}).content.decode()
    assert "matches these filters" in html
    assert world.api_calls() == 0


def _browse_ten(world, member, agent_user):
    """Ten contact/account pages with different searches and filters: the sandbox sees 0 requests."""
    client = member(agent_user)
    contact = Contact.objects.filter(connection=world.connection).exclude(account_desk_id="").first()
    pages = [
        (reverse("customers:contacts"), {}),
        (reverse("customers:contacts"), {"q": contact.last_name}),
        (reverse("customers:contacts"), {"open": "yes", "sort": "-modified"}),
        (reverse("customers:contacts"), {"account": contact.account_desk_id, "per_page": "50"}),
        (reverse("customers:contact", args=[contact.desk_id]), {}),
        (reverse("customers:accounts"), {}),
        (reverse("customers:accounts"), {"q": "example", "sort": "industry"}),
        (reverse("customers:account", args=[contact.account_desk_id]), {}),
        (reverse("customers:account", args=[contact.account_desk_id]), {"overdue": "1"}),
        (reverse("customers:contacts"), {"owner": "none", "created_from": "2020-01-01"}),
    ]
    for url, params in pages:
        assert client.get(url, params).status_code == 200
    # A filter change from the page is an HTMX request: only the results come back (no page shell).
    partial = client.get(pages[1][0], pages[1][1], headers={"HX-Request": "true"}).content.decode()
    assert "data-count" in partial and "<html" not in partial
    assert world.api_calls() == 0


def _ticket_links(world, member, agent_user):
    ticket = (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(contact_desk_id="")
        .exclude(account_desk_id="")
        .first()
    )
    html = member(agent_user).get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert reverse("customers:contact", args=[ticket.contact_desk_id]) in html
    assert reverse("customers:account", args=[ticket.account_desk_id]) in html


# One seeded, synced org per test costs seconds: each test walks several pages of the same world.


def test_lists_search_filter_sort_and_page_from_the_mirror_with_no_desk_call(world, member, agent_user):
    """Contacts: search (name, email, phone, account), every filter, every sort, paging, bad input as notes;
    accounts likewise; then ten pages browsed with different searches and filters: 0 API requests."""
    _contact_list(world, member, agent_user)
    _account_list(world, member, agent_user)
    world.clear_log()
    _browse_ten(world, member, agent_user)


def test_360_pages_show_tickets_counts_and_link_both_ways(world, member, agent_user, manager_user):
    """Contact: tickets open first with SLA state and counts; account: the queue's filters scoped, the chart
    with its numbers; the ticket page links to both. No Desk call."""
    _contact_360(world, member, agent_user)
    _account_360(world, member, manager_user)
    _ticket_links(world, member, agent_user)
