"""The reply box in Chromium: an agent formats a reply with the keyboard, inserts a canned reply with "/"
(placeholders filled in), attaches a file and sends it with a status change; screenshots light and dark."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.customers.models import Contact
from apps.tickets.models import CannedReply, TicketAttachment
from tests.browser.test_tickets import fresh_ticket
from tests.browser.test_tickets import world as world

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def agent(world, agent_user, page, live_server):
    from tests.conftest import PASSWORD
    from tests.integration.tickets.conftest import fill_support_addresses

    fill_support_addresses(world.connection)
    OrgMembership.objects.get_or_create(user=agent_user, org_id=world.connection.org_id)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    return agent_user


def test_agent_replies_with_a_canned_reply_and_an_attachment(
    page,
    live_server,
    world,
    agent,
    console_errors,
    tmp_path,
):
    ticket = fresh_ticket(world)
    contact = Contact.objects.get(connection=world.connection, desk_id=ticket.contact_desk_id)
    CannedReply.objects.create(
        connection=world.connection,
        owner=None,
        is_shared=True,
        title="Refund approved",
        body="<p>Hi {{contact.first_name}}, the refund for #{{ticket.number}} is on its way.</p>",
    )
    CannedReply.objects.create(
        connection=world.connection, owner=agent, title="Printer steps", body="<p>Restart the printer.</p>"
    )
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("h1").first.click()
    page.keyboard.press("r")
    editor = page.locator("#reply_form [data-editor-area]")
    expect(editor).to_be_focused()
    expect(page.locator("#reply_form [data-format-field]")).to_be_hidden()

    # A canned reply by keyboard: "/" opens the list, typing filters, Enter inserts at the cursor.
    page.keyboard.press("/")
    picker = page.locator("#reply_form [data-canned-picker]")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("option")).to_have_count(2)
    page.keyboard.type("refund")
    expect(picker.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(editor).to_contain_text(
        f"Hi {contact.first_name}, the refund for #{ticket.ticket_number} is on its way."
    )
    expect(editor).to_be_focused()

    # Formatting by keyboard.
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+b")
    page.keyboard.type("Thanks for waiting")
    expect(editor.locator("b, strong")).to_have_text("Thanks for waiting")

    page.locator("#reply_form").get_by_label("Cc", exact=True).fill("billing@example.com")
    source = tmp_path / "refund-receipt.txt"
    source.write_text("Refund receipt\n")
    page.locator("#reply-files").set_input_files(str(source))
    page.locator("#reply-then_status").select_option("On Hold")
    expect(page.locator("#reply_form [data-send-label]")).to_have_text("Send and set On Hold")

    # A viewport tall enough for the whole box, so the sticky top bar does not cover it.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.evaluate("window.scrollTo(0, 0)")
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.setAttribute('data-theme', '{theme}')")
        page.emulate_media(color_scheme=theme)
        box = page.locator("#reply").bounding_box()
        page.screenshot(path=str(SCREENSHOTS / f"reply-box-{theme}.png"), clip=box)
    page.evaluate("document.documentElement.setAttribute('data-theme', 'system')")
    # Playwright's element screenshot leaves empty style attributes behind; htmx's settle would copy them
    # (a CSP report that is the test's own doing, not the page's).
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.querySelectorAll('[style]').forEach(e => e.removeAttribute('style'))")

    page.locator("#reply_form [data-send-label]").click()
    expect(page.locator("#toasts")).to_contain_text("Reply sent; status set to On Hold.")
    expect(page.locator("#ticket-conversation")).to_contain_text("the refund for")
    expect(page.locator(".facts").first).to_contain_text("On Hold")
    expect(page.locator("#ticket-attachments")).to_contain_text("refund-receipt.txt")
    thread = world.sandbox_ticket(ticket.desk_id).threads.order_by("-created_time").first()
    assert (
        "<b>Thanks for waiting</b>" in thread.content
        or "<strong>Thanks for waiting</strong>" in thread.content
    )
    assert "billing@example.com" in thread.cc and thread.attachment_count == 1
    assert TicketAttachment.objects.filter(ticket=ticket, name="refund-receipt.txt").exists()
    assert console_errors == [], console_errors[:3]


def test_a_file_over_the_limit_is_refused_in_the_page(page, live_server, world, agent, settings, tmp_path):
    ticket = fresh_ticket(world)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("#reply summary").click()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page.locator("#reply-files").set_input_files(str(empty))
    expect(page.locator("#reply_form [data-file-errors]")).to_have_text(
        "empty.txt is empty; choose another file."
    )
