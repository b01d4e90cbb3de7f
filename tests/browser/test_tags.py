"""Tags in Chromium against the sandbox: an agent tags a ticket, finds it by the tag (0 Desk calls), removes it."""

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
    page.wait_for_url(re.compile(r"/tickets/"))  # an agent's home is their queue
    return agent_user


def test_an_agent_tags_a_ticket_then_filters_and_searches_the_queue_by_it(
    page,
    live_server,
    world,  # noqa: F811
    agent,
    console_errors,
):
    ticket = fresh_ticket(world)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    tags = page.locator("#ticket-tags")
    expect(tags.get_by_label("Add a tag")).to_be_visible()
    tags.get_by_label("Add a tag").fill("vip-customer")
    tags.get_by_role("button", name="Add tag").click()
    expect(page.locator("#ticket-tags [data-tag='vip-customer']")).to_be_visible()
    assert Ticket.objects.get(pk=ticket.pk).tags == ["vip-customer"]

    world.clear_log()
    page.locator("#ticket-tags [data-tag='vip-customer'] a").click()
    page.wait_for_url(re.compile(r"/tickets/\?.*tag=vip-customer"))
    rows = page.locator("[data-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", ticket.desk_id)

    page.goto(f"{live_server.url}/tickets/?q=vip")
    expect(page.locator(f"[data-row][data-ticket='{ticket.desk_id}']")).to_be_visible()
    assert world.api_calls() == 0  # the queue reads the mirror only

    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.get_by_role("button", name="Remove tag vip-customer").click()
    expect(page.locator("#ticket-tags")).to_contain_text("No tags.")
    assert Ticket.objects.get(pk=ticket.pk).tags == []
    assert console_errors == []
