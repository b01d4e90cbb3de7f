# ruff: noqa: F811 (the world and manager fixtures come from test_tickets)
"""Collision presence in two browsers on the same ticket: each sees the other by name, "replying" while the
other types a reply, and a reply sent after the other's reply asks to confirm and shows it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.tickets.models import Ticket
from tests.browser.test_tickets import manager, world  # noqa: F401 (fixtures)
from tests.conftest import PASSWORD

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def write_reply(page, text: str) -> None:
    """Open the reply box and type into it (the rich-text area when the editor is there, else the textarea)."""
    page.locator("#reply summary").click()
    box = page.locator("#reply_form [data-editor-area], #reply_form textarea:visible").first
    box.click()
    page.keyboard.type(text)


def test_two_browsers_on_a_ticket_see_each_other(
    page, browser, live_server, world, manager, make_user, console_errors, settings
):
    from apps.core.roles import Role

    settings.TICKETS_PRESENCE_HEARTBEAT_SECONDS = 2  # the pages beat every 2 s: the test need not wait 15

    agent = make_user("alex", Role.AGENT, email="alex@deskadmin.local", first_name="Alex", last_name="Moreno")
    OrgMembership.objects.get_or_create(user=agent, org_id=world.connection.org_id)
    ticket = (
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")
        .first()
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    url = f"{live_server.url}/tickets/{ticket.desk_id}/"

    # Max (the manager, no full name: shown by username) opens the ticket first.
    page.goto(url)
    expect(page.locator("[data-presence-list]")).to_contain_text("Nobody else is on this ticket.")

    other_context = browser.new_context(viewport={"width": 1280, "height": 800})
    other = other_context.new_page()
    try:
        sign_in(other, live_server, "alex")
        other.goto(url)
        # Alex sees Max at once (the page renders who is there); Max sees Alex at his next beat.
        expect(other.locator("[data-presence-list]")).to_contain_text("max is viewing")
        expect(page.locator("[data-presence-list]")).to_contain_text("Alex Moreno is viewing", timeout=20_000)

        # Alex starts a reply: Max sees "replying" at Max's next beat (Alex's own beat goes at once).
        write_reply(other, "We are on it")
        expect(page.locator("[data-presence-list]")).to_contain_text(
            "Alex Moreno is replying", timeout=20_000
        )

        # Alex sends; Max, who opened the ticket before that reply, is asked to confirm and sees it.
        other.locator("#reply_form").get_by_label("To").fill("customer@example.com")
        other.locator("#reply_form button[type=submit]").first.click()
        expect(other.locator("#toasts")).to_contain_text("Reply sent")

        write_reply(page, "Looking into it now")
        page.locator("#reply_form").get_by_label("To").fill("customer@example.com")
        page.locator("#reply_form button[type=submit]").first.click()
        banner = page.locator("[data-stale]")
        expect(banner).to_contain_text("Someone else wrote on this ticket since you opened it")
        expect(banner.locator("[data-new-activity]")).to_contain_text("We are on it")
        banner.get_by_role("button", name="Confirm and save").click()
        expect(page.locator("#toasts")).to_contain_text("Reply sent")

        # Alex leaves: Max's list empties at his next beat.
        other.goto(f"{live_server.url}/tickets/")
        expect(page.locator("[data-presence-list]")).to_contain_text("Nobody else", timeout=20_000)
    finally:
        other_context.close()
    assert console_errors == []
