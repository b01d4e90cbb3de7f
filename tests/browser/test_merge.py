"""Merge in Chromium against the sandbox: an agent finds another ticket from the ticket page, keeps its subject,
and merges it into this one, by keyboard where a person would use it."""

import re

import pytest
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.tickets.models import Ticket
from tests.conftest import PASSWORD

from .test_tickets import fresh_ticket, world  # noqa: F401  (the seeded, synced sandbox org)

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytest.fixture
def agent(world, agent_user, page, live_server):  # noqa: F811
    OrgMembership.objects.get_or_create(user=agent_user, org_id=world.connection.org_id)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/tickets/"))
    return agent_user


def test_an_agent_merges_two_tickets(page, live_server, world, agent, console_errors):  # noqa: F811
    ticket = fresh_ticket(world)
    other = (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(pk=ticket.pk)
        .order_by("desk_id")
        .first()
    )
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    link = page.get_by_role("link", name="Merge…")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.desk_id}/merge/"))

    search = page.get_by_label("Find tickets to merge")
    expect(search).to_be_focused()
    search.fill(f"#{other.ticket_number}")
    search.press("Enter")
    choice = page.get_by_label(re.compile(rf"#{other.ticket_number} "))
    expect(choice).to_be_visible()
    choice.focus()
    page.keyboard.press("Space")
    expect(choice).to_be_checked()
    page.get_by_role("button", name="Review merge").click()

    confirm = page.locator("[data-merge-confirm]")
    expect(confirm.locator("[data-merge-tickets]")).to_contain_text(ticket.subject)
    expect(confirm.locator("[data-merge-tickets]")).to_contain_text(other.subject)
    expect(confirm.get_by_role("radio", name=re.compile(r"\(this ticket\)")).first).to_be_checked()
    confirm.get_by_role("radio", name=f"#{other.ticket_number}: {other.subject}").check()
    world.clear_log()
    confirm.get_by_role("button", name="Merge 2 tickets").click()

    page.wait_for_url(re.compile(rf"/tickets/{ticket.desk_id}/$"))
    expect(page.locator("#toasts")).to_contain_text(
        f"Merged #{other.ticket_number} into #{ticket.ticket_number}."
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(other.subject)
    assert world.api_paths()[0] == f"POST /tickets/{ticket.desk_id}/merge"
    assert Ticket.objects.get(pk=other.pk).is_deleted
    assert console_errors == []
