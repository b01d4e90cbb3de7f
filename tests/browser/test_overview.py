"""The Overview in Chromium: a card per org that follows the mirror without a reload, a number that opens its
queue in the card's org, and the search box across orgs; screenshots of the Overview, light and dark."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.customers.models import Contact
from apps.desk.budget import REMAINING_HEADER, WEIGHT_HEADER, OrgBudget
from apps.mirror import freshness
from apps.tickets.models import Ticket
from tests.integration.insights.conftest import make_connection

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

SUBJECTS = [
    "Printer offline after the update",
    "Refund for a double charge",
    "Cannot sign in on the mobile app",
    "Invoice shows the wrong address",
    "Export to CSV times out",
    "Webhook deliveries failing",
    "Password reset email never arrives",
    "Upgrade to the yearly plan",
]


def _org(org_id: str, name: str, *, tickets: int, seed: int) -> DeskConnection:
    """A connected org with a day's worth of tickets: open, on hold, overdue, due soon, closed today."""
    connection = make_connection(org_id, name)
    now = timezone.now()
    DeskConnection.objects.filter(pk=connection.pk).update(
        last_synced_at=now - timedelta(seconds=14), edition="professional"
    )
    OrgBudget(org_id).learn({WEIGHT_HEADER: "3", REMAINING_HEADER: str(48_000 - seed * 9_000)})
    for n in range(tickets):
        kind = (n + seed) % 6
        created = max(now - timedelta(minutes=7 * n + 3), now.replace(hour=0, minute=0, second=1))
        if n > tickets // 2:
            created = now - timedelta(days=1 + n % 4)
        Ticket.objects.create(
            connection=connection,
            desk_id=f"{org_id}{n:03}",
            ticket_number=str(1000 * seed + n),
            subject=SUBJECTS[(n + seed) % len(SUBJECTS)],
            email=f"customer{n % 5}@{name.split()[0].lower()}.example",
            status=["Open", "Open", "On Hold", "Closed", "Open", "Escalated"][kind],
            status_type=["Open", "Open", "On Hold", "Closed", "Open", "Open"][kind],
            created_time=created,
            modified_time=now - timedelta(minutes=n),
            closed_time=now - timedelta(minutes=n) if kind == 3 else None,
            due_date=now + timedelta(minutes=[-90, 25, 300, -30, 600, -5][kind]),
            first_response_at=created + timedelta(minutes=12 + 9 * (n % 4)) if n % 3 else None,
        )
    Contact.objects.create(
        connection=connection,
        desk_id=f"{org_id}900",
        first_name="Pat",
        last_name="Printer",
        email=f"pat@{name.split()[0].lower()}.example",
        phone="+44 20 7946 0000",
    )
    return connection


@pytest.fixture
def orgs(manager_user):
    cache.clear()
    acme = _org("70001", "Acme Support", tickets=24, seed=1)
    borealis = _org("70002", "Borealis Desk", tickets=16, seed=2)
    for org in (acme, borealis):
        OrgMembership.objects.create(user=manager_user, org_id=org.org_id)
    yield acme, borealis
    cache.clear()


def test_cards_follow_the_mirror_and_open_their_queue_and_search_finds_every_org(
    page, live_server, login, orgs, monkeypatch, console_errors
):
    acme, borealis = orgs
    monkeypatch.setattr("apps.insights.views.overview.POLL_SECONDS", 1)
    login("max")
    acme_card = page.locator('[data-org-card="70001"]')
    borealis_card = page.locator('[data-org-card="70002"]')
    expect(acme_card.get_by_role("heading", name="Acme Support")).to_be_visible()
    expect(borealis_card.get_by_role("heading", name="Borealis Desk")).to_be_visible()
    expect(page.locator("[data-freshness]")).to_contain_text("As of")
    expect(acme_card).to_contain_text(re.compile(r"Synced \d+ s ago"))
    expect(acme_card).to_contain_text("API credits left")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")

    # A ticket arrives in Acme's mirror (a webhook would apply it and bump the version): the card follows.
    created = acme_card.locator('[data-figure="created_today"] .org-figure-value')
    before = int(created.inner_text().replace(",", ""))
    page.evaluate("() => { window.__sameDocument = true; }")
    Ticket.objects.create(
        connection=acme,
        desk_id="70001999",
        ticket_number="999",
        subject="Brand new ticket",
        status="Open",
        status_type="Open",
        created_time=timezone.now(),
        modified_time=timezone.now(),
    )
    freshness.bump(acme.pk)
    expect(created).to_have_text(str(before + 1), timeout=10_000)
    assert page.evaluate("() => window.__sameDocument") is True  # no reload

    # A number opens the queue of its card's org with the same count.
    overdue = borealis_card.locator('[data-figure="overdue"] a')
    count = overdue.inner_text()
    overdue.click()
    page.wait_for_url(f"{live_server.url}/tickets/?overdue=1")
    expect(page.locator("#org-select")).to_have_value(str(borealis.pk))
    expect(page.locator("[data-count]")).to_contain_text(f"{count} ticket")

    # The search box on the Overview: one query, results from both orgs, grouped.
    page.goto(f"{live_server.url}/")
    page.get_by_label("Search tickets and contacts in every org").fill("printer")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/insights/search/?q=printer")
    groups = page.locator("[data-search-org]")
    expect(groups).to_have_count(2)
    expect(groups.nth(0).get_by_role("heading", name="Acme Support")).to_be_visible()
    expect(groups.nth(1).get_by_role("heading", name="Borealis Desk")).to_be_visible()
    expect(groups.nth(1).locator('[data-hits="contacts"]')).to_contain_text("pat@borealis.example")
    # Searching again from the results page swaps only the results and keeps the URL shareable.
    page.get_by_label("Ticket number, words").fill("%%%")
    page.keyboard.press("Enter")
    expect(page.locator("[data-search-message]")).to_contain_text("nothing to search for")
    assert page.url.endswith("/insights/search/?q=%25%25%25")
    assert console_errors == []
