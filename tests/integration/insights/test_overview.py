"""The Overview's org cards and cross-org search on a hand-built mirror: figures by hand (a time-zone day
boundary included), the queue behind each number, who sees which org, search grouped by org, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.connections.selectors import SESSION_KEY
from apps.core.models import OrgMembership
from apps.core.roles import Role
from apps.customers.models import Contact
from apps.insights.overview import card_figures, compute_figures, figures_for, overdue_count
from apps.mirror import freshness
from apps.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.integration.insights.conftest import make_connection

# 16:30 UTC on 30 November is 01:30 on 1 December in Tokyo: "today" there began at 15:00 UTC.
NOW = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


def ticket(connection, desk_id: str, **fields) -> Ticket:
    fields.setdefault("status", fields.get("status_type", "Open"))
    fields.setdefault("status_type", "Open")
    fields.setdefault("created_time", NOW - timedelta(days=3))
    return Ticket.objects.create(
        connection=connection,
        desk_id=desk_id,
        ticket_number=desk_id,
        subject=fields.pop("subject", f"Ticket {desk_id}"),
        modified_time=fields.pop("modified_time", NOW - timedelta(minutes=5)),
        **fields,
    )


def tokyo_mirror(connection, other) -> None:
    """Eight tickets whose figures in Tokyo, at NOW, are worked out by hand in the test below."""
    ticket(connection, "1", due_date=NOW - timedelta(hours=2))  # open, overdue
    ticket(  # open, due in 30 min, created 00:30 Tokyo today, answered after 20 min
        connection,
        "2",
        due_date=NOW + timedelta(minutes=30),
        created_time=datetime(2026, 11, 30, 15, 30, tzinfo=UTC),
        first_response_at=datetime(2026, 11, 30, 15, 50, tzinfo=UTC),
    )
    ticket(  # on hold (not "open"), due in 3 h, created today, answered after 40 min
        connection,
        "3",
        status="Waiting",
        status_type="On Hold",
        due_date=NOW + timedelta(hours=3),
        created_time=datetime(2026, 11, 30, 15, 5, tzinfo=UTC),
        first_response_at=datetime(2026, 11, 30, 15, 45, tzinfo=UTC),
    )
    # Closed 00:10 Tokyo today (counts), and 23:50 Tokyo yesterday (does not); neither is overdue.
    ticket(connection, "4", status_type="Closed", closed_time=datetime(2026, 11, 30, 15, 10, tzinfo=UTC))
    ticket(
        connection,
        "5",
        status_type="Closed",
        closed_time=datetime(2026, 11, 30, 14, 50, tzinfo=UTC),
        due_date=NOW - timedelta(days=1),
    )
    # Created 23:30 Tokyo yesterday, answered today: not today's (UTC would count it).
    ticket(
        connection,
        "6",
        created_time=datetime(2026, 11, 30, 14, 30, tzinfo=UTC),
        first_response_at=datetime(2026, 11, 30, 15, 20, tzinfo=UTC),
    )
    ticket(connection, "7", is_deleted=True, due_date=NOW - timedelta(hours=1), created_time=NOW)  # gone
    ticket(other, "8", due_date=NOW - timedelta(hours=1), created_time=NOW)  # another org


@override_settings(TIME_ZONE="UTC")
def test_card_figures_by_hand_with_the_day_in_the_org_time_zone(connection):
    connection.time_zone = "Asia/Tokyo"  # the org's zone, as Desk reports it; the console stays on UTC
    connection.save()
    other = make_connection("70002", "Other Org")
    tokyo_mirror(connection, other)
    figures = compute_figures(connection, now=NOW)
    shown = {f.key: f.value for f in card_figures(figures, now=NOW)}
    assert shown == {
        "open": 3,  # 1, 2, 6 (3 is on hold)
        "overdue": 1,  # 1 (5 is closed)
        "due_soon": 1,  # 2
        "created_today": 2,  # 2, 3 (6 was created yesterday in Tokyo)
        "closed_today": 1,  # 4
        "first_response": 30 * 60,  # median of 20 and 40 minutes
    }
    assert figures.first_response_count == 2
    # The same at midnight UTC: the day is Tokyo's, not UTC's (6 and 5 would count in UTC).
    connection.time_zone = "UTC"
    utc = compute_figures(connection, now=NOW)
    connection.time_zone = "Asia/Tokyo"
    assert (utc.created_today, utc.closed_today, utc.first_response_count) == (3, 2, 3)

    # Forty-five minutes on, the cached entry answers the clock's figures exactly, without a query.
    later = NOW + timedelta(minutes=45)
    assert figures.answers_for(later, figures.day)
    fresh = compute_figures(connection, now=later)
    assert (figures.overdue(later), figures.due_soon(later)) == (2, 0)
    assert (fresh.overdue(later), fresh.due_soon(later)) == (2, 0)
    # Past the due times it keeps, or on another day, it is computed again.
    assert not figures.answers_for(NOW + timedelta(hours=1, minutes=1), figures.day)
    assert not figures.answers_for(NOW, figures.day + timedelta(days=1))


def test_overdue_is_the_same_counted_directly_or_as_the_complement(connection):
    for n in range(5):  # an old mirror: most tickets past due and closed
        ticket(connection, f"9{n}", status_type="Closed", due_date=NOW - timedelta(days=n + 1))
    ticket(connection, "1", due_date=NOW - timedelta(minutes=1))  # the one overdue
    ticket(connection, "2", due_date=NOW + timedelta(minutes=1))
    ticket(connection, "3", status_type="On Hold")  # no due time
    live = Ticket.objects.filter(connection=connection, is_deleted=False)
    complement = overdue_count(live, now=NOW, total=8, unclosed=3)  # 6 past due > 2 later or none
    direct = live.exclude(status_type="Closed").filter(due_date__lt=NOW).count()
    assert complement == direct == 1
    ticket(connection, "4", due_date=NOW + timedelta(days=1))
    for n in range(5):  # now fewer are past due than not: counted directly
        ticket(connection, f"8{n}", status_type="Closed")
    assert overdue_count(live, now=NOW, total=14, unclosed=4) == 1


def test_warm_cards_read_the_cache_and_a_mirror_change_is_seen_at_once(connection, django_assert_num_queries):
    ticket(connection, "1", created_time=timezone.now(), due_date=timezone.now() - timedelta(minutes=1))
    assert figures_for([connection])[connection.pk].open == 1
    with django_assert_num_queries(0):
        assert figures_for([connection])[connection.pk].open == 1
    ticket(connection, "2", created_time=timezone.now())
    freshness.bump(connection.pk)  # what every apply does
    assert figures_for([connection])[connection.pk].open == 2


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def two_orgs(connection):
    """Acme (the fixture's org) and Borealis, each with tickets and a contact the same words find."""
    borealis = make_connection("70002", "Borealis Desk")
    now = timezone.now()
    for org, prefix in ((connection, "1"), (borealis, "2")):
        ticket(org, f"{prefix}01", subject="Printer jams", email=f"pat@{prefix}.example", created_time=now)
        ticket(org, f"{prefix}02", subject="Refund", due_date=now - timedelta(hours=1), created_time=now)
        ticket(
            org,
            f"{prefix}03",
            status_type="Closed",
            closed_time=now,
            created_time=now - timedelta(seconds=1),
            first_response_at=now,
        )
        ticket(org, f"{prefix}04", due_date=now + timedelta(minutes=20), created_time=now - timedelta(days=2))
        Contact.objects.create(
            connection=org,
            desk_id=f"{prefix}900",
            first_name="Pat",
            last_name="Printer",
            email=f"pat@{prefix}.example",
            phone=f"+44 20 7946 0{prefix}00",
        )
    # The acme tickets carry a secret word that must never reach a Borealis-only user, and the other way.
    ticket(connection, "150", subject="acmeonly secret", created_time=now - timedelta(days=9))
    ticket(borealis, "250", subject="borealisonly secret", created_time=now - timedelta(days=9))
    return connection, borealis


# Each org's "today" in its own zone: 14 h ahead of UTC and 11 h behind it are two different days.
@pytest.mark.parametrize("zones", [("", ""), ("Pacific/Kiritimati", "Pacific/Niue")])
def test_every_card_number_opens_the_queue_with_exactly_its_tickets(two_orgs, make_user, zones):
    acme, borealis = two_orgs
    for org, zone in zip((acme, borealis), zones, strict=True):
        org.time_zone = zone
        org.save()
    manager = make_user("mona", Role.MANAGER)
    for org in (acme, borealis):
        OrgMembership.objects.create(user=manager, org_id=org.org_id)
    client = signed_in(manager)
    page = client.get(reverse("core:dashboard"))
    cards = {card.connection.pk: card for card in _cards(page)}
    assert set(cards) == {acme.pk, borealis.pk}
    checked = 0
    for pk, card in cards.items():
        for figure in card.figures:
            if not figure.url:
                continue
            response = client.get(figure.url, follow=True)
            assert response.status_code == 200
            assert client.session[SESSION_KEY] == pk  # the queue of the card's org, switched when needed
            if figure.key == "first_response":  # the tickets behind the median: created today and answered
                assert response.context["count"].value == int(figure.note.split()[0]) == 1
            else:
                assert response.context["count"].value == figure.value, (pk, figure.key)
            checked += 1
    assert checked == 12
    html = page.content.decode()
    assert "Acme Support" in html and "Borealis Desk" in html and "As of" in html and "API" in html


def _cards(response):
    return next(s.context["cards"] for s in response.context["sections"] if "cards" in s.context)


def test_users_see_only_their_orgs_cards_and_search_results(two_orgs, make_user, agent_user, admin_user):
    acme, borealis = two_orgs
    OrgMembership.objects.create(user=agent_user, org_id=borealis.org_id)
    agent = signed_in(agent_user)
    html = agent.get(reverse("core:dashboard")).content.decode()
    assert "Borealis Desk" in html and 'data-org-card="70002"' in html and 'data-org-card="70001"' not in html
    found = agent.get(reverse("insights:search"), {"q": "secret"}).content.decode()
    assert "borealisonly" in found and "acmeonly" not in found and "Acme Support" not in found
    # Another org's card never answers through the switch either.
    assert agent.get(reverse("insights:org_open", args=[acme.pk]), {"next": "/tickets/"}).status_code == 404

    nobody = signed_in(make_user("norole", Role.AGENT))  # an agent without any org: no card, no box
    html = nobody.get(reverse("core:dashboard")).content.decode()
    assert "data-org-card" not in html and 'id="overview-q"' not in html

    admin = signed_in(admin_user)  # admins see every org
    html = admin.get(reverse("core:dashboard")).content.decode()
    assert 'data-org-card="70001"' in html and 'data-org-card="70002"' in html and 'id="overview-q"' in html


def test_search_groups_tickets_and_contacts_by_org_and_links_each_in_its_org(two_orgs, manager_user):
    acme, borealis = two_orgs
    for org in (acme, borealis):
        OrgMembership.objects.create(user=manager_user, org_id=org.org_id)
    client = signed_in(manager_user)
    client.get(reverse("core:dashboard"))  # the current org is Acme
    for query in ("printer", "pat@2.example", "7946 0200", "#201"):
        response = client.get(reverse("insights:search"), {"q": query})
        groups = {g.results.connection.pk: g for g in response.context["groups"]}
        assert list(groups) == [acme.pk, borealis.pk]
        borealis_hits = [hit.desk_id for hit, _ in groups[borealis.pk].tickets] + [
            hit.desk_id for hit, _ in groups[borealis.pk].contacts
        ]
        assert borealis_hits, query
        assert all(h.startswith("2") for h in borealis_hits), query
    response = client.get(reverse("insights:search"), {"q": "printer"})
    html = response.content.decode()
    assert html.index("Acme Support") < html.index("Borealis Desk")
    acme_group, borealis_group = response.context["groups"]
    assert [h.number for h, _ in acme_group.tickets] == ["101"]
    assert [(h.name, h.email) for h, _ in acme_group.contacts] == [("Pat Printer", "pat@1.example")]
    # With two orgs on the page each hit goes through the switch to its own org's page.
    link = borealis_group.tickets[0][1]
    assert urlparse(link).path == reverse("insights:org_open", args=[borealis.pk])
    assert parse_qs(urlparse(link).query)["next"] == [reverse("tickets:detail", args=["201"])]
    assert client.get(link)["Location"] == reverse("tickets:detail", args=["201"])
    assert client.session[SESSION_KEY] == borealis.pk
    # An HTMX search from the results page sends only the results.
    partial = client.get(reverse("insights:search"), {"q": "refund"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"data-search-org" in partial.content


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("", "Type a ticket number"),
        ("   ", "Type a ticket number"),
        ("x" * 201, "too long"),
        ("%%% ***", "nothing to search for"),
        ('"unbalanced NEAR( OR', None),
        ("' OR 1=1 --", None),
        ("Ω≈ç√ 漢字 🙂", None),
        ("#", "nothing to search for"),
    ],
)
def test_odd_search_input_gets_a_message_never_a_500(two_orgs, agent_user, query, says):
    acme, _ = two_orgs
    OrgMembership.objects.create(user=agent_user, org_id=acme.org_id)
    response = signed_in(agent_user).get(reverse("insights:search"), {"q": query})
    assert response.status_code == 200
    if says:
        assert says in response.context["message"]
    else:
        assert response.context["message"] == "" and response.context["searched"]


def test_the_cards_poll_answers_204_until_the_mirror_changes(two_orgs, agent_user):
    acme, _ = two_orgs
    OrgMembership.objects.create(user=agent_user, org_id=acme.org_id)
    client = signed_in(agent_user)
    page = client.get(reverse("core:dashboard"))
    stamp = next(s.context["stamp"] for s in page.context["sections"] if "stamp" in s.context)
    poll = reverse("insights:overview_cards")
    unchanged = client.get(poll, {"stamp": stamp}, headers={"HX-Request": "true"})
    if unchanged.status_code == 200:  # the minute turned between the two requests: the stamp moved with it
        stamp = unchanged.context["section"]["stamp"]
        unchanged = client.get(poll, {"stamp": stamp}, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204
    ticket(acme, "199", subject="Fresh one", created_time=timezone.now())
    freshness.bump(acme.pk)
    changed = client.get(poll, {"stamp": stamp}, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and b"<html" not in changed.content
    assert b'id="overview-cards"' in changed.content and b"As of" in changed.content
    created = next(f for f in changed.context["section"]["cards"][0].figures if f.key == "created_today")
    assert created.value == 4


def test_org_switch_goes_only_to_a_page_of_this_site(two_orgs, admin_user):
    _acme, borealis = two_orgs
    client = signed_in(admin_user)
    url = reverse("insights:org_open", args=[borealis.pk])
    assert client.get(url, {"next": "https://evil.example/"})["Location"] == reverse("core:dashboard")
    assert client.get(url, {"next": "/tickets/?overdue=1"})["Location"] == "/tickets/?overdue=1"
    assert client.session[SESSION_KEY] == borealis.pk
    assert client.get(reverse("insights:org_open", args=[99999])).status_code == 404
    cache.clear()
