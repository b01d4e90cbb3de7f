"""An admin adds a colleague and changes their role without leaving the page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_adds_a_user_then_changes_the_role_inline(page, live_server, login, admin_user, console_errors):
    login("ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Username").fill("jane")
    page.get_by_label("Email").fill("jane@example.org")
    page.get_by_label("Role").select_option("agent")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("This password is too short.")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("jane")  # nothing typed is lost
    page.get_by_label("Password").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("jane can now sign in as agent")

    page.get_by_label("Role of jane").select_option("manager")
    row = page.locator("tr", has_text="jane@example.org")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved jane")
    expect(page.get_by_label("Role of jane")).to_have_value("manager")
    assert console_errors == []
