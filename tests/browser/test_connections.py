"""An admin connects the sandbox org end to end, clicking through the sandbox's consent page."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytest.fixture
def seeded_sandbox():
    from apps.sandbox.seed import seed_sandbox

    return seed_sandbox(tickets=4)


def start_consent(page, live_server):
    page.goto(f"{live_server.url}/connections/")
    page.get_by_role("link", name="Connect an org").first.click()
    expect(page.get_by_role("heading", name="Connect an org")).to_be_visible()
    expect(page.get_by_label("Data center")).to_have_value("sandbox")
    expect(page.get_by_role("checkbox", name="Tickets: read and write")).to_be_checked()
    page.get_by_role("button", name="Continue to consent").click()
    # Zoho Accounts (the sandbox's) asks for its own sign-in first; the demo prints this login.
    expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
    page.get_by_label("Email address").fill("admin@deskadmin.local")
    page.get_by_label("Password").fill(settings.SANDBOX_ACCOUNTS_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="would like to access your Zoho Desk")).to_be_visible()


def test_admin_connects_the_sandbox_org_end_to_end(
    page, live_server, login, admin_user, seeded_sandbox, console_errors
):
    login("ada")
    start_consent(page, live_server)
    page.get_by_role("radio", name="Acme Support").check()
    page.get_by_role("button", name="Accept").click()

    expect(page.get_by_role("heading", name="Choose the orgs to connect")).to_be_visible()
    page.get_by_role("checkbox", name="Acme Support").check()
    page.get_by_role("button", name="Connect").click()

    expect(page.get_by_role("heading", name="Acme Support")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_text("Healthy")
    expect(page.get_by_text("Desk.tickets.ALL")).to_be_visible()
    connection = DeskConnection.objects.get(org_name="Acme Support")
    assert connection.status == DeskConnection.Status.HEALTHY
    assert connection.data_center == "sandbox"
    assert connection.api_domain == f"{live_server.url}/sandbox/desk"
    # The org switcher in the top bar now offers the org.
    expect(page.locator("#org-select")).to_contain_text("Acme Support")
    page.get_by_role("link", name="Connections", exact=True).first.click()
    expect(page.get_by_role("link", name="Acme Support")).to_be_visible()
    # The sandbox's consent page (not ours) has no favicon link, so Chromium's /favicon.ico 404 is ignored.
    assert [e for e in console_errors if "404" not in e] == []


def test_denying_consent_shows_a_clear_message(page, live_server, login, admin_user, seeded_sandbox):
    login("ada")
    start_consent(page, live_server)
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("heading", name="Access was denied")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="no org was connected")).to_be_visible()
    assert not DeskConnection.objects.exists()


def test_forged_state_is_refused(page, live_server, login, admin_user, seeded_sandbox):
    login("ada")
    start_consent(page, live_server)
    response = page.goto(f"{live_server.url}/connections/oauth/callback/?code=stolen&state=forged")
    assert response.status == 400
    expect(page.get_by_role("heading", name="Authorization refused")).to_be_visible()
    assert not DeskConnection.objects.exists()
    assert AuditEntry.objects.filter(action="connection.state_rejected").exists()
