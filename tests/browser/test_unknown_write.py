"""A comment whose answer is lost, in Chromium: the page says "Desk may have saved this — checking", keeps
the draft and asks again by itself; once Desk is reachable and has no such comment it says so, and the
comment sent again is added once. Screenshot: docs/screenshots/unknown-write.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.tickets.models import Ticket
from tests.integration.tickets import conftest as tickets_fixtures

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
world = tickets_fixtures.world  # a seeded sandbox org (30 tickets), connected and synced

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_checking_banner_settles_by_itself_and_the_retry_is_sent_once(
    page, live_server, world, agent_user, login, settings, console_errors
):
    from django.utils import timezone

    from apps.sandbox.models import Comment, Org

    settings.DESK_READ_TIMEOUT = 0.5
    settings.DESK_BACKOFF_BASE = 0.01
    settings.TICKETS_UNKNOWN_CHECK_DELAY = 0
    settings.TICKETS_UNKNOWN_SETTLE_SECONDS = 3600  # no verdict while Desk may still be working on it
    OrgMembership.objects.get_or_create(user=agent_user, org_id=world.connection.org_id)
    ticket = Ticket.objects.filter(connection=world.connection, is_deleted=False).order_by("desk_id").first()
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    login("alex")
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("#comment summary").click()
    page.locator("#comment_form textarea[name=content]").fill("Refund checked twice")
    # A gateway answers 504 for every call and Desk does nothing: the outcome cannot be known yet.
    Org.objects.filter(pk=world.org.pk).update(timeout_rate=1.0, timeout_seconds=0)
    page.locator("#comment_form").get_by_role("button", name="Add comment").click()
    banner = page.locator("[data-unknown-write]")
    expect(banner).to_contain_text("Desk may have saved this — checking")
    expect(page.locator("#comment_form textarea[name=content]")).to_have_value("Refund checked twice")
    page.screenshot(path=str(SCREENSHOTS / "unknown-write.png"))
    # Desk comes back; time passes. The banner's own check finds no such comment: sending again is safe.
    Org.objects.filter(pk=world.org.pk).update(timeout_rate=0.0)
    settings.TICKETS_UNKNOWN_SETTLE_SECONDS = 0
    expect(page.locator("[data-unknown-write-not-saved]")).to_contain_text("Desk did not save this")
    page.locator("#comment_form").get_by_role("button", name="Add comment").click()
    expect(page.locator("#comment_form textarea[name=content]")).to_have_value("")  # added: a fresh form
    expect(page.locator("[data-unknown-write-not-saved]")).to_have_count(0)
    assert Comment.objects.filter(content="Refund checked twice").count() == 1
    # htmx's settle step copies a `style` attribute onto elements it matches by id when #ticket-main is
    # swapped from the banner's check; the strict CSP blocks it (harmless: nothing is styled inline).
    assert [e for e in console_errors if not e.startswith("Applying inline style violates")] == []
