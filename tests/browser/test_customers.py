"""Customers in Chromium against the sandbox: find a contact, its 360° page, a ticket from it, edit its account,
in both themes (screenshots of the contact and account pages in docs/screenshots/)."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.customers.models import Account, Contact
from apps.team.models import Department
from apps.tickets.models import Ticket

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(live_server):
    """A seeded sandbox org (40 tickets) connected and synced."""
    from apps.sandbox.models import Org, RequestLog
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from tests.integration.tickets.conftest import World, connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=40, orgs=DEFAULT_ORGS[:1], seed=11)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    RequestLog.objects.all().delete()
    yield World(connection=connection, org=org)
    cache.clear()


def _contact_with_tickets(world) -> Contact:
    """A contact with an account and the most tickets: the fullest 360° page."""
    ids = (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(contact_desk_id="")
        .values_list("contact_desk_id", flat=True)
    )
    counts: dict[str, int] = {}
    for desk_id in ids:
        counts[desk_id] = counts.get(desk_id, 0) + 1
    candidates = Contact.objects.filter(connection=world.connection, desk_id__in=counts).exclude(
        account_desk_id=""
    )
    return max(candidates, key=lambda c: (counts[c.desk_id], c.desk_id))


def test_find_a_contact_create_a_ticket_from_it_and_edit_its_account(
    page, live_server, world, manager_user, login, console_errors
):
    OrgMembership.objects.get_or_create(user=manager_user, org_id=world.connection.org_id)
    login("max")
    contact = _contact_with_tickets(world)
    account = Account.objects.get(connection=world.connection, desk_id=contact.account_desk_id)
    department = Department.objects.filter(connection=world.connection).order_by("desk_id").first()
    for theme in ("light", "dark"):
        world.clear_log()
        page.goto(f"{live_server.url}/customers/")
        page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
        page.reload()
        expect(page.locator("[data-freshness]")).to_contain_text("synced")
        # Search: typing lands in the URL and narrows the list, with no Desk call.
        page.locator("#id_q").fill(contact.email)
        page.wait_for_url(re.compile(r"q="))
        expect(page.locator("[data-contact]")).to_have_count(1)
        page.locator(f'[data-contact="{contact.desk_id}"] a').first.click()
        page.wait_for_url(re.compile(rf"/customers/contacts/{contact.desk_id}/"))
        expect(page.locator("h1")).to_have_text(contact.display_name)
        expect(page.locator("#contact-tickets [data-ticket]").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"customers-contact-{theme}.png"), full_page=False)
        assert world.api_calls() == 0, world.api_paths()

        # A ticket for this contact: the form comes pre-filled; the new ticket shows on the contact's page.
        page.locator("[data-new-ticket]").click()
        page.wait_for_url(re.compile(r"/tickets/new/\?contact="))
        expect(page.get_by_label("Contact email")).to_have_value(contact.email)
        subject = f"Renewal question ({theme})"
        page.get_by_label("Subject").fill(subject)
        page.get_by_label("Department").select_option(department.desk_id)
        page.get_by_role("button", name="Create ticket").click()
        page.wait_for_url(re.compile(r"/tickets/\d+/$"))
        page.locator("[data-contact-link]").click()
        page.wait_for_url(re.compile(rf"/customers/contacts/{contact.desk_id}/"))
        expect(page.locator("#contact-tickets")).to_contain_text(subject)

        # Edit the account inline: the card is swapped with Desk's answer and a toast says so.
        page.locator("[data-account-link]").first.click()
        page.wait_for_url(re.compile(rf"/customers/accounts/{account.desk_id}/"))
        page.locator("[data-edit]").click()
        industry = f"Aerospace {theme}"
        page.get_by_label("Industry").fill(industry)
        page.get_by_role("button", name="Save in Desk").click()
        expect(page.locator('[data-field="industry"]')).to_have_text(industry)
        expect(page.locator("#account-heading")).to_contain_text(industry)  # the heading follows
        expect(page.get_by_role("status")).to_contain_text("Account saved in Desk.")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / f"customers-account-{theme}.png"), full_page=False)
        # The customer pages called Desk for nothing: only the two writes (the ticket page fetched its conversation).
        writes = [p for p in world.api_paths() if not p.startswith("GET")]
        assert writes == ["POST /tickets", f"PATCH /accounts/{account.desk_id}"]
    assert console_errors == []
