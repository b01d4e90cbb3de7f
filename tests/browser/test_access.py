"""Org access in Chromium: an admin with two sandbox orgs gives a manager one of them and links an agent to
their Desk agent; the manager then sees only that org's tickets, connection and API meter."""

from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry, OrgMembership
from apps.tickets.columns import DEFAULT_PAGE_SIZE
from apps.tickets.models import Ticket
from tests.conftest import PASSWORD

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def two_orgs(live_server):
    """Both sandbox orgs (Acme Support, Globex Help) seeded, connected and synced."""
    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from tests.support.sandbox import connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=24, orgs=DEFAULT_ORGS, seed=11)
    connections = {}
    for spec in DEFAULT_ORGS:
        Org.objects.filter(pk=spec.org_id).update(per_minute_limit=100_000, daily_limit=10_000_000)
        connection = connect_sandbox_org(org=Org.objects.get(pk=spec.org_id), base_url=live_server.url)
        engine.sync_state_for(connection)
        assert engine.sync_run(connection).finished
        connection.refresh_from_db()
        connections[connection.org_name] = connection
    yield connections
    cache.clear()


def test_admin_gives_a_manager_one_org_and_links_an_agent(
    page, browser, live_server, login, admin_user, manager_user, agent_user, two_orgs, console_errors
):
    from apps.team.models import Agent

    acme, globex = two_orgs["Acme Support"], two_orgs["Globex Help"]
    desk_agent = (
        Agent.objects.filter(connection=acme, is_deleted=False)
        .exclude(email="")
        .exclude(email__iexact=admin_user.email)
        .order_by("desk_id")[0]
    )
    agent_user.email = desk_agent.email  # the console user's email is their Desk agent's
    agent_user.save(update_fields=["email"])

    login("ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="What each role may do")).to_be_visible()
    expect(page.get_by_text("Connect and disconnect Desk orgs")).to_be_visible()

    page.get_by_label("Give max access to").select_option(label="Acme Support")
    page.locator(f"#user-{manager_user.pk}").get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_contain_text("max can now see Acme Support")
    expect(page.get_by_role("list", name="Orgs max can see")).to_contain_text("Acme Support")
    expect(page.get_by_role("list", name="Orgs max can see")).not_to_contain_text("Globex Help")

    page.get_by_label("Give alex access to").select_option(label="Acme Support")
    page.locator(f"#user-{agent_user.pk}").get_by_role("button", name="Give access").click()
    expect(page.get_by_role("status")).to_contain_text("alex can now see Acme Support")
    # Matched by email: the agent's select already names their Desk agent.
    expect(page.get_by_label("Desk agent of alex in Acme Support")).to_have_value(desk_agent.desk_id)
    assert OrgMembership.objects.get(user=agent_user, org_id=acme.org_id).desk_agent_id == desk_agent.desk_id
    assert AuditEntry.objects.filter(action="org_access.grant", actor=admin_user).count() == 2

    for theme in ("light", "dark"):
        page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
        page.reload()
        expect(page.get_by_label("Desk agent of alex in Acme Support")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / f"users-access-{theme}.png"), full_page=True)
    assert console_errors == []

    # The manager, in a browser of their own: only Acme's tickets, connection and meter.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    manager_page = context.new_page()
    manager_page.goto(f"{live_server.url}/login/")
    manager_page.get_by_label("Username").fill("max")
    manager_page.get_by_label("Password").fill(PASSWORD)
    manager_page.get_by_role("button", name="Sign in").click()
    manager_page.wait_for_url(f"{live_server.url}/")
    expect(manager_page.locator("#org-select option")).to_have_text(["Acme Support"])
    expect(manager_page.locator("[data-api-meter]")).to_be_visible()

    manager_page.goto(f"{live_server.url}/tickets/")
    expect(manager_page.locator("[data-row]").first).to_be_visible()
    acme_subject = Ticket.objects.filter(connection=acme, is_deleted=False).order_by("desk_id")[0].subject
    globex_ticket = Ticket.objects.filter(connection=globex, is_deleted=False).order_by("desk_id")[0]
    manager_page.goto(f"{live_server.url}/tickets/?q={acme_subject.split()[0]}")
    expect(manager_page.locator("[data-row]").first).to_be_visible()
    response = manager_page.goto(f"{live_server.url}/tickets/{globex_ticket.desk_id}/")
    assert response.status == 404

    manager_page.goto(f"{live_server.url}/connections/")
    expect(manager_page.get_by_role("link", name="Acme Support")).to_be_visible()
    expect(manager_page.get_by_role("link", name="Globex Help")).to_have_count(0)
    expect(manager_page.get_by_role("link", name="Connect an org")).to_have_count(0)
    manager_page.get_by_role("link", name="Acme Support").click()
    expect(manager_page.get_by_text("API credits left today")).to_be_visible()
    expect(manager_page.get_by_role("heading", name="Who can see this org")).to_have_count(0)
    response = manager_page.goto(f"{live_server.url}/connections/{globex.pk}/")
    assert response.status == 404
    context.close()

    # The agent, linked to their Desk agent in Acme: lands on their own queue ("me"), sees only Acme.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    agent_page = context.new_page()
    agent_page.goto(f"{live_server.url}/login/")
    agent_page.get_by_label("Username").fill("alex")
    agent_page.get_by_label("Password").fill(PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    agent_page.wait_for_url(f"{live_server.url}/tickets/?assignee=me")
    expect(agent_page.locator("#org-select option")).to_have_text(["Acme Support"])
    mine = Ticket.objects.filter(connection=acme, assignee_desk_id=desk_agent.desk_id, is_deleted=False)
    expect(agent_page.locator("[data-row]")).to_have_count(min(mine.count(), DEFAULT_PAGE_SIZE))
    response = agent_page.goto(f"{live_server.url}/tickets/{globex_ticket.desk_id}/")
    assert response.status == 404
    response = agent_page.goto(f"{live_server.url}/connections/{globex.pk}/")
    assert response.status == 404
    context.close()
    assert DeskConnection.objects.count() == 2
