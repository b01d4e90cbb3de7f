"""The queue's layout in Chromium: no horizontal overflow at 1280 px and 390 px, light and dark; at 390 px a
card list with the filters behind one keyboard-operable "Filters" button. Screenshots for docs/screenshots."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.customers.models import Contact
from apps.tickets.models import Ticket
from tests.browser.test_tickets import manager, world  # noqa: F401  (fixtures)

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# 72 unbroken characters: wider than the column, and within the 100 a contact name may have (PostgreSQL enforces it).
LONG = "averyveryverylongunbrokencontactname" * 2


def long_contact(the_world) -> None:
    """The newest tickets' contact gets an unbroken name and email (what overflowed the table)."""
    ticket = Ticket.objects.filter(connection=the_world.connection).exclude(contact_desk_id="").first()
    Contact.objects.filter(connection=the_world.connection, desk_id=ticket.contact_desk_id).update(
        first_name="", last_name=LONG, email=f"{LONG}@example-with-a-long-domain.com"
    )
    Ticket.objects.filter(connection=the_world.connection).update(email=f"{LONG}@example.com")


def no_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
        " && [...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth + 1)"
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_queue_fits_at_1280_and_390(page, live_server, world, manager, console_errors, theme):  # noqa: F811
    long_contact(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/tickets/")
    page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
    page.goto(f"{live_server.url}/tickets/")
    expect(page.locator("[data-row]").first).to_be_visible()
    expect(page.locator("[data-filters-toggle]")).to_be_hidden()
    assert no_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / f"queue-1280-{theme}.png"), full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/tickets/")
    expect(page.locator("[data-row]").first).to_be_visible()
    toggle = page.locator("[data-filters-toggle]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#queue-filters")).to_be_hidden()
    assert no_overflow(page)
    page.screenshot(path=str(SCREENSHOTS / f"queue-390-{theme}.png"), full_page=False)
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#queue-filters")).to_be_visible()
    assert no_overflow(page)
    assert console_errors == []
