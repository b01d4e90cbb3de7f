# ruff: noqa: F811 (the world and manager fixtures come from test_tickets)
"""The ticket drawer on the queue in Chromium: open by keyboard, j/k keep moving (the drawer follows), Esc
closes and gives focus back to the row, writes work inside it; screenshots light and dark."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.tickets.models import Ticket
from apps.tickets.services.conversation import ticket_conversation_refresh
from tests.browser.test_tickets import manager, world  # noqa: F401 (fixtures)

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def fresh_conversations(seeded) -> None:
    """Mark every conversation fetched, so the drawer's content does not change under the test."""
    Ticket.objects.filter(connection=seeded.connection).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )


def test_drawer_opens_by_keyboard_and_j_k_keep_moving(page, live_server, world, manager, console_errors):
    fresh_conversations(world)
    page.goto(f"{live_server.url}/tickets/")
    rows = page.locator("[data-row]")
    first_id, second_id = rows.nth(0).get_attribute("data-ticket"), rows.nth(1).get_attribute("data-ticket")
    drawer = page.locator("#ticket-drawer")
    expect(drawer).to_be_hidden()
    page.locator("h1").first.click()
    page.keyboard.press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    expect(drawer).to_have_attribute("role", "dialog")
    expect(page.locator("#drawer-title")).to_be_focused()
    expect(page.locator("[data-drawer-ticket]")).to_have_attribute("data-drawer-ticket", first_id)
    page.wait_for_url(re.compile(rf"/tickets/{first_id}/$"))
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    # The queue stays; j moves to the next row and the drawer follows it.
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    expect(page.locator("[data-drawer-ticket]")).to_have_attribute("data-drawer-ticket", second_id)
    page.wait_for_url(re.compile(rf"/tickets/{second_id}/$"))
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_be_focused()
    expect(page.locator("[data-drawer-ticket]")).to_have_attribute("data-drawer-ticket", first_id)
    # A write inside the drawer works as on the full page.
    page.locator("#ticket-drawer #priority_form").get_by_label("Priority").select_option("Urgent")
    page.locator("#ticket-drawer").get_by_role("button", name="Change priority").click()
    expect(page.locator("#toasts")).to_contain_text("Priority changed.")
    expect(drawer).to_be_visible()
    # Esc closes it, focus goes back to the row, and the URL back to the queue.
    page.locator("#drawer-title").focus()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(rows.nth(0)).to_be_focused()
    page.wait_for_url(re.compile(r"/tickets/$"))
    # The full page is one link away, and is what the ticket's URL shows when loaded directly.
    page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    page.locator("[data-drawer-full]").click()
    page.wait_for_url(re.compile(rf"/tickets/{first_id}/$"))
    expect(page.locator("#drawer-title")).to_have_count(0)
    expect(page.locator("#ticket-main")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"/tickets/"))
    assert console_errors == []


def test_a_click_opens_the_drawer_and_back_returns(page, live_server, world, manager, console_errors):
    fresh_conversations(world)
    page.goto(f"{live_server.url}/tickets/")
    row = page.locator("[data-row]").nth(2)
    desk_id = row.get_attribute("data-ticket")
    row.locator("a[data-open]").click()
    expect(page.locator("#ticket-drawer")).to_be_visible()
    page.wait_for_url(re.compile(rf"/tickets/{desk_id}/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/tickets/$"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-row]").first).to_be_visible()
    assert console_errors == []


def test_the_reply_box_in_the_drawer_has_its_editor(page, live_server, world, manager, console_errors):
    fresh_conversations(world)
    page.goto(f"{live_server.url}/tickets/")
    page.locator("[data-row]").first.locator("a[data-open]").click()
    drawer = page.locator("#ticket-drawer")
    expect(drawer).to_be_visible()
    drawer.locator("#reply summary").click()
    expect(drawer.locator(".editor-toolbar")).to_be_visible()
    expect(drawer.locator("[data-editor-area]")).to_be_visible()
    assert console_errors == []


def test_stale_conversation_is_swapped_in_after_the_page_shows(
    page, live_server, world, manager, console_errors
):
    ticket = (
        Ticket.objects.filter(connection=world.connection, thread_count__gt=0).order_by("desk_id").first()
    )
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    expect(page.locator("#ticket-conversation .entry").first).to_be_visible()
    expect(page.locator("[data-conversation-loading]")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.conversation_synced_at is not None
    assert console_errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_of_the_drawer(page, live_server, world, manager, theme):
    fresh_conversations(world)
    page.goto(f"{live_server.url}/tickets/")
    page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
    page.reload()
    row = page.locator("[data-row]").nth(1)
    ticket = Ticket.objects.get(connection=world.connection, desk_id=row.get_attribute("data-ticket"))
    ticket_conversation_refresh(ticket=ticket, force=True)  # a conversation to show
    row.locator("a[data-open]").click()
    expect(page.locator("#drawer-title")).to_be_focused()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOTS / f"queue-drawer-{theme}.png"), full_page=False)
