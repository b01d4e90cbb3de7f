"""The team pages in Chromium against the sandbox, one scenario (one seeded org): a manager sorts agents by
overdue and opens one (0 Desk calls; screenshots of both pages), then an admin invites an agent and
deactivates one, handing their open tickets to a colleague in the same step."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.team.models import Agent
from apps.tickets.models import Ticket

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(live_server, settings):
    """A seeded sandbox org (60 tickets) connected and synced; the request log then cleared."""
    from apps.sandbox.models import Org, RequestLog
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from tests.integration.tickets.conftest import World, connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=60, orgs=DEFAULT_ORGS[:1], seed=7)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    RequestLog.objects.all().delete()
    yield World(connection=connection, org=org)
    cache.clear()


def agent_with_open_tickets(world) -> Agent:
    """The agent with the most open tickets, two of them overdue (in the mirror)."""
    open_tickets = Ticket.objects.filter(connection=world.connection, is_deleted=False).exclude(
        status_type="Closed"
    )
    counts: dict[str, int] = {}
    for desk_id in open_tickets.exclude(assignee_desk_id="").values_list("assignee_desk_id", flat=True):
        counts[desk_id] = counts.get(desk_id, 0) + 1
    busiest = max(counts, key=lambda k: (counts[k], k))
    overdue = open_tickets.filter(assignee_desk_id=busiest).values_list("pk", flat=True)[:2]
    Ticket.objects.filter(pk__in=list(overdue)).update(due_date=timezone.now() - timezone.timedelta(hours=2))
    return Agent.objects.get(connection=world.connection, desk_id=busiest)


def max_overdue(world) -> int:
    counts: dict[str, int] = {}
    for desk_id in (
        Ticket.objects.filter(connection=world.connection, is_deleted=False, due_date__lt=timezone.now())
        .exclude(status_type="Closed")
        .exclude(assignee_desk_id="")
        .values_list("assignee_desk_id", flat=True)
    ):
        counts[desk_id] = counts.get(desk_id, 0) + 1
    return max(counts.values())


def test_manager_sorts_and_opens_an_agent_then_admin_invites_and_deactivates(
    page, live_server, world, manager_user, admin_user, login, console_errors
):
    busiest = agent_with_open_tickets(world)
    overdue = (
        Ticket.objects.filter(
            connection=world.connection, assignee_desk_id=busiest.desk_id, due_date__lt=timezone.now()
        )
        .exclude(status_type="Closed")
        .count()
    )
    OrgMembership.objects.get_or_create(user=manager_user, org_id=world.connection.org_id)
    login("max")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.wait_for_url(re.compile(r"/team/$"))
    expect(page.locator("h1")).to_have_text("Agents")

    page.locator('[data-sort="overdue"]').click()  # figures sort largest first
    page.wait_for_url(re.compile(r"sort=-overdue"))
    first = page.locator("tr[data-agent]").first
    expect(first.locator('[data-figure="overdue"] a')).to_have_text(str(max_overdue(world)))
    busiest_row = page.locator(f'tr[data-agent="{busiest.desk_id}"]')
    expect(busiest_row.locator('[data-figure="overdue"] a')).to_have_text(str(overdue))
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Overdue")
    page.screenshot(path=str(SCREENSHOTS / "team-agents.png"), full_page=False)

    busiest_row.locator("td").first.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/team/agents/{busiest.desk_id}/$"))
    expect(page.locator("[data-agent-queue] li").first).to_be_visible()
    expect(page.locator("[data-activity] svg")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "team-agent.png"), full_page=True)

    # The overdue figure opens the queue with that filter: the same tickets.
    page.locator(f'[data-workload] a[aria-label^="{overdue} overdue"]').click()
    page.wait_for_url(re.compile(r"/tickets/\?.*overdue=1"))
    expect(page.locator("tr[data-ticket]")).to_have_count(overdue)
    assert world.api_calls() == 0, world.api_paths()

    # An admin invites an agent, then deactivates the busiest one after seeing their open tickets.
    leaving = busiest
    page.context.clear_cookies()
    login("ada")
    page.goto(f"{live_server.url}/team/")
    page.get_by_role("link", name="Invite an agent").click()
    page.get_by_label("Email").fill("invited.person@example.org")
    page.get_by_label("Last name").fill("Person")
    page.locator('input[name="departments"]').first.check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invited")
    expect(page.locator("[data-agent-status]")).to_have_text("Not yet confirmed")
    assert world.api_paths() == ["POST /agents"]

    page.goto(f"{live_server.url}/team/agents/{leaving.desk_id}/")
    page.get_by_role("link", name="Deactivate…").click()
    open_count = (
        Ticket.objects.filter(connection=world.connection, assignee_desk_id=leaving.desk_id)
        .exclude(status_type="Closed")
        .count()
    )
    expect(page.locator("[data-open-count]")).to_have_text(str(open_count))
    # One step: who takes over their open tickets, then "Reassign and deactivate"; the bulk job shows the outcome.
    successor = page.locator('select[name="reassign_to"] option').nth(1)
    page.get_by_label("Reassign their open tickets to").select_option(successor.get_attribute("value"))
    page.locator("[data-confirm-action]").click()
    page.wait_for_url(re.compile(r"/tickets/bulk/\d+/"))
    expect(page.locator("#toasts")).to_contain_text("Deactivated")
    assert world.api_paths()[-1] == f"POST /agents/{leaving.desk_id}/deactivate"
    page.goto(f"{live_server.url}/team/agents/{leaving.desk_id}/")
    expect(page.locator("[data-agent-status]")).to_have_text("Deactivated")
    expect(page.get_by_role("button", name="Activate")).to_be_visible()
    assert console_errors == []
