"""A person signs in and finds the console's shell; roles decide what they can open."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from apps.core.services import audit_record

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_demo_admin_signs_in_and_sees_the_dashboard_shell(page, live_server, login, console_errors):
    # The same command the README's run command uses: it creates the demo users and prints them.
    output = io.StringIO()
    call_command("demo_setup", stdout=output)
    password = json.loads((Path(settings.DATA_DIR) / "demo_credentials.json").read_text())["admin"]
    assert f"password: {password}" in output.getvalue()
    demo_admin = get_user_model().objects.get(username="admin")
    audit_record(actor=demo_admin, action="connection.create", target_type="connection", target_id="1")
    login("admin", password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    expect(page.locator("#toasts[role=status]")).to_be_attached()
    expect(page.locator("#alerts[role=alert]")).to_be_attached()
    expect(page.get_by_text("connection.create")).to_be_visible()

    # docs/screenshots/dashboard*.png come from tests/browser/test_overview.py (an Overview with org cards).
    assert console_errors == []  # the strict CSP blocked nothing the page needs


def test_agent_gets_403_on_an_admin_only_page(page, live_server, login, agent_user):
    login("alex")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()


def test_question_mark_opens_shortcut_help_and_theme_cycles(page, live_server, login, manager_user):
    login("max")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Theme: system").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")  # remembered
    page.keyboard.press("Shift+T")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("status")).to_contain_text("Theme: dark")


def test_g_then_l_goes_to_the_audit_log_and_search_filters_it(page, live_server, login, manager_user):
    audit_record(actor=manager_user, action="ticket.close", target_type="ticket", target_id="7")
    audit_record(actor=manager_user, action="ticket.assign", target_type="ticket", target_id="8")
    login("max")
    page.keyboard.press("g")
    page.keyboard.press("l")
    page.wait_for_url(f"{live_server.url}/audit/")
    page.keyboard.press("/")
    page.keyboard.type("assign")
    expect(page.locator("#audit-results tbody tr")).to_have_count(1)
    assert "q=assign" in page.url  # the filter lives in the URL


def test_phone_width_has_a_navigation_drawer(page, live_server, login, admin_user):
    page.set_viewport_size({"width": 390, "height": 844})
    login("ada")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")
    expect(nav_link).not_to_be_in_viewport()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#sidenav.open")).to_be_visible()
    expect(nav_link).to_be_in_viewport(ratio=1)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), animations="disabled")
