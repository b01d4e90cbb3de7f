"""Insights in Chromium against the sandbox (two seeded orgs, synced): a manager opens Insights, switches the
range and the org, clicks a bar and lands on the queue holding exactly that many tickets; screenshots in
both themes (docs/screenshots/insights-light.png, insights-dark.png); 0 Desk calls."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from apps.core.models import OrgMembership

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def orgs(live_server, settings):
    """Two seeded sandbox orgs (40 tickets between them) connected and synced; the request log then cleared."""
    from apps.sandbox.models import Org, RequestLog
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from tests.integration.tickets.conftest import connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=80, orgs=DEFAULT_ORGS[:2], seed=7)
    connections = []
    for spec in DEFAULT_ORGS[:2]:
        org = Org.objects.get(pk=spec.org_id)
        Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
        connection = connect_sandbox_org(org=org, base_url=live_server.url)
        engine.sync_state_for(connection)
        assert engine.sync_run(connection).finished
        connection.refresh_from_db()
        connections.append(connection)
    RequestLog.objects.all().delete()
    yield connections
    cache.clear()


def test_manager_switches_range_and_org_and_drills_into_the_queue(
    page, live_server, orgs, manager_user, login, console_errors
):
    from apps.sandbox.models import RequestLog

    first, second = orgs
    for connection in orgs:
        OrgMembership.objects.get_or_create(user=manager_user, org_id=connection.org_id)
    login(manager_user.username)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.goto(f"{live_server.url}/insights/?org={first.pk}&range=30d")
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    expect(page.locator("[data-freshness]")).to_contain_text("As of")
    expect(page.locator("#chart-volume")).to_be_visible()

    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        page.evaluate(f"document.documentElement.setAttribute('data-theme', '{theme}')")
        page.screenshot(path=str(SCREENSHOTS / f"insights-{theme}.png"), full_page=False)
    page.evaluate("document.documentElement.setAttribute('data-theme', 'system')")
    page.emulate_media(color_scheme="light")

    # Range: the quick link; org: the select and Show.
    page.get_by_role("link", name="Last 7 days").click()
    expect(page).to_have_url(re.compile(r"range=7d"))
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "true")
    page.locator("#insights-org").select_option(str(second.pk))
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"org={second.pk}"))
    expect(page.locator(".page-header")).to_contain_text(second.org_name)

    # Hover a column: its value shows; then click the largest status bar and land on its queue.
    column = page.locator("#chart-volume a.chart-point").first
    column.hover()
    expect(page.locator("#chart-volume [data-chart-readout]")).not_to_have_text("")
    row = page.locator("#chart-by-status tbody tr").first
    label = row.locator("th a").inner_text()
    number = int(row.locator(".chart-value").inner_text().replace(",", ""))
    row.locator("th a").click()
    expect(page).to_have_url(re.compile(r"/tickets/\?.*status="))
    expect(page.locator("[data-count]")).to_contain_text(f"{number} ticket")
    assert page.locator("tbody tr[data-ticket]").count() == min(number, 25)
    assert label in page.url.replace("+", " ")
    assert RequestLog.objects.filter(kind="api").count() == 0
    assert console_errors == []
