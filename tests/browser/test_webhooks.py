"""Webhooks in Chromium against the sandbox: an admin subscribes on the Webhooks page, a ticket changes on Desk,
the open queue's row updates without a reload, a comment made on Desk appears on the open ticket page, the
deliveries show in the log; screenshots of the page."""

import re
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from apps.tickets.models import Ticket

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(live_server, settings):
    """A small seeded sandbox org (Enterprise: webhooks allowed), connected and synced; not subscribed yet."""
    from apps.connections.models import DeskConnection
    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from apps.webhooks import verify
    from tests.support.sandbox import connect_sandbox_org

    cache.clear()
    verify.forget_keys()
    settings.SITE_URL = live_server.url  # the receiver URL Desk (the sandbox) posts to
    seed_sandbox(tickets=12, orgs=DEFAULT_ORGS[:1], seed=5)
    Org.objects.filter(pk=DEFAULT_ORGS[0].org_id).update(
        per_minute_limit=100_000, daily_limit=10_000_000, edition="enterprise"
    )
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    DeskConnection.objects.filter(pk=connection.pk).update(edition="enterprise")
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    yield connection, org
    cache.clear()


def _someone_on_desk(live_server, org) -> httpx.Client:
    from apps.sandbox import oauth

    issued = oauth.tokens_issue(
        client=oauth.demo_client_ensure(), user=oauth.demo_user_ensure(), org=org, scopes=["Desk.tickets.ALL"]
    )
    return httpx.Client(
        base_url=f"{live_server.url}/sandbox/desk/api/v1",
        headers={"Authorization": f"Zoho-oauthtoken {issued.access_token}", "orgId": str(org.pk)},
        timeout=10,
    )


def test_subscribe_then_a_change_on_desk_shows_in_the_log_and_the_open_queue(
    page, live_server, world, admin_user, login, console_errors
):
    connection, org = world
    login("ada")
    page.goto(f"{live_server.url}/webhooks/")
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_role("button", name="Subscribe the mirror's events").click()
    expect(page.locator("[data-webhook]").filter(has_text="DeskAdmin")).to_be_visible()
    expect(page.locator("[data-webhook]")).to_contain_text("17 events")

    ticket = Ticket.objects.filter(connection=connection, is_deleted=False).order_by("-modified_time").first()
    page.goto(f"{live_server.url}/tickets/")
    row = page.locator(f"[data-row][data-ticket='{ticket.desk_id}']")
    expect(row).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    with _someone_on_desk(live_server, org) as desk:
        response = desk.patch(f"/tickets/{ticket.desk_id}", json={"subject": "Printer fixed by Desk"})
        assert response.status_code == 200
    expect(row).to_contain_text("Printer fixed by Desk", timeout=15_000)  # polled, not reloaded
    assert page.evaluate("window.__sameDocument") is True

    # The ticket's page shows a comment made on Desk without a reload, too.
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    expect(page.locator("#ticket-conversation")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the stale-conversation fetch, if any, has landed
    page.evaluate("window.__sameDocument = true")
    with _someone_on_desk(live_server, org) as desk:
        response = desk.post(
            f"/tickets/{ticket.desk_id}/comments", json={"content": "Toner replaced on site"}
        )
        assert response.status_code == 200, response.text
    expect(page.locator("#ticket-conversation")).to_contain_text("Toner replaced on site", timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True

    page.goto(f"{live_server.url}/webhooks/")
    log_row = page.locator("[data-delivery]").first
    expect(log_row).to_contain_text("Ticket_Comment_Add")
    expect(log_row).to_contain_text("Applied")
    expect(log_row).to_contain_text("Valid")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
        page.reload()
        expect(page.locator("[data-delivery]").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"webhooks-{theme}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "webhooks-390.png"), full_page=False)
    assert re.search(r"/webhooks/$", page.url)
    assert console_errors == []
