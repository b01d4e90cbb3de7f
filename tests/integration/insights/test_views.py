"""The Insights page, its polled fragment, the CSVs and the drill-down, as a manager browses them; bad input
never gives a 500; agents may not see it; and 0 requests reach Desk (the sandbox) while browsing."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.selectors import SESSION_KEY
from apps.core.models import OrgMembership
from tests.integration.insights.conftest import make_connection
from tests.integration.insights.mirror import build
from tests.integration.tickets.conftest import signed_in


@pytest.fixture
def manager(connection, manager_user):
    build(connection)
    OrgMembership.objects.get_or_create(user=manager_user, org_id=connection.org_id)
    return signed_in(manager_user)


def test_page_renders_every_chart_with_its_numbers_csv_and_freshness(manager, connection):
    html = manager.get(reverse("insights:dashboard") + "?range=30d").content.decode()
    for chart_id in ("trend", "volume", "frt", "resolution", "sla-response", "sla-resolution", "by-channel"):
        assert f'id="chart-{chart_id}"' in html
    assert "As of " in html and "not synced yet" in html
    assert "Days in UTC (the console's time zone: the org's is not known yet" in html
    assert "Of 7 tickets created in the range, 4 have a known first reply" in html
    assert html.count("Download these numbers (CSV)") == 10 and "Per agent" in html and "Ana Agent" in html
    assert reverse("insights:drill") + f"?org={connection.pk}&amp;" in html

    response = manager.get(reverse("insights:chart_csv") + "?range=30d&chart=by_status")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["status", "tickets"] and ["Closed", "3"] in rows
    assert manager.get(reverse("insights:chart_csv") + "?chart=nope").status_code == 400


def test_polled_fragment_answers_204_until_the_mirror_changes(manager, connection):
    from apps.mirror import freshness

    page = manager.get(reverse("insights:dashboard")).content.decode()
    stamp = page.split('data-stamp="', 1)[1].split('"', 1)[0]
    url = reverse("insights:metrics") + "?range=7d&since=" + stamp
    response = manager.get(url)
    if response.status_code == 200:  # the minute turned between the two requests
        stamp = response.content.decode().split('data-stamp="', 1)[1].split('"', 1)[0]
        response = manager.get(reverse("insights:metrics") + "?range=7d&since=" + stamp)
    assert response.status_code == 204
    freshness.bump(connection.pk)
    fresh = manager.get(url)
    assert fresh.status_code == 200 and 'id="insights-metrics"' in fresh.content.decode()


def test_drill_down_opens_the_queue_of_that_org_and_exports_its_tickets(manager, connection):
    other = make_connection("70002", "Other Org")
    url = reverse("insights:drill") + f"?org={connection.pk}&state=unclosed&status=Open"
    response = manager.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("tickets:queue") + "?")
    assert "state=unclosed" in response["Location"] and manager.session[SESSION_KEY] == connection.pk
    # An org the manager is not a member of: not found, and the session keeps its org.
    assert manager.get(reverse("insights:drill") + f"?org={other.pk}").status_code == 404
    export = manager.get(reverse("insights:drill") + f"?org={connection.pk}&state=unclosed&export=csv")
    body = b"".join(export.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["ticket_number", "desk_id", "subject"] and len(rows) == 1 + 4
    assert {r[2] for r in rows[1:]} == {"Ticket T1", "Ticket T3", "Ticket T5", "Ticket T6"}


def test_all_orgs_adds_up_and_org_switch_keeps_to_the_users_orgs(manager, connection, manager_user):
    other = make_connection("70002", "Other Org")
    build(other)
    OrgMembership.objects.get_or_create(user=manager_user, org_id=other.org_id)
    cache.clear()
    html = manager.get(reverse("insights:dashboard") + "?org=all&range=30d").content.decode()
    assert "Every org you may see" in html and "By org" in html and "Other Org" in html
    assert "Of 14 tickets created in the range" in html
    one = manager.get(reverse("insights:dashboard") + f"?org={other.pk}&range=30d").content.decode()
    assert "Of 7 tickets created in the range" in one


def test_the_days_are_the_org_s_and_the_page_names_its_zone(manager, connection):
    # 14 hours ahead of UTC: its "today" is tomorrow in UTC for most of the UTC day, whatever the clock.
    connection.time_zone = "Pacific/Kiritimati"
    connection.save()
    response = manager.get(reverse("insights:dashboard") + "?range=today")
    html = response.content.decode()
    assert "Days in Pacific/Kiritimati (the org's time zone)." in html
    assert response.context["choice"].scope.end == timezone.localdate(timezone=ZoneInfo("Pacific/Kiritimati"))


def test_an_unknown_org_zone_falls_back_to_the_console_s_never_a_500(manager, connection):
    DeskConnection.objects.filter(pk=connection.pk).update(time_zone="Mars/Olympus_Mons")
    cache.clear()
    response = manager.get(reverse("insights:dashboard") + "?range=today")
    assert response.status_code == 200
    assert "Days in UTC (the console's time zone" in response.content.decode()
    assert response.context["choice"].scope.end == timezone.localdate(timezone=ZoneInfo("UTC"))
    assert manager.get(reverse("insights:metrics") + "?range=today").status_code == 200
    day = timezone.localdate(timezone=ZoneInfo("UTC")).isoformat()
    drill = manager.get(
        reverse("insights:drill") + f"?org={connection.pk}&created_from={day}&created_to={day}"
    )
    assert drill.status_code == 302
    assert manager.get(drill["Location"]).status_code == 200  # the queue reads the day in UTC too
    assert manager.get(reverse("core:dashboard")).status_code == 200  # the Overview's cards as well


def test_all_orgs_counts_each_org_in_its_own_days_and_says_so(manager, connection, manager_user):
    connection.time_zone = "Europe/Berlin"
    connection.save()
    other = make_connection("70002", "Other Org")
    other.time_zone = "Asia/Tokyo"
    other.save()
    OrgMembership.objects.get_or_create(user=manager_user, org_id=other.org_id)
    html = manager.get(reverse("insights:dashboard") + "?org=all&range=30d").content.decode()
    assert "Each org's tickets are counted in its own days" in html
    assert "(Asia/Tokyo, Europe/Berlin)" in html and "the dates are today's in UTC" in html


@pytest.mark.parametrize(
    "query",
    [
        "?range=custom&start=2026-13-01&end=x",
        "?range=custom&start=2026-01-01&end=2026-12-31",
        "?org=99999&agent=abc&department=12ab&priority=Nope&channel=" + "x" * 300,
        "?range=bogus&org=-1",
    ],
)
def test_bad_input_is_named_never_a_500(manager, query):
    response = manager.get(reverse("insights:dashboard") + query)
    assert response.status_code == 200
    assert manager.get(reverse("insights:metrics") + query).status_code == 200
    assert manager.get(reverse("insights:drill") + "?org=abc").status_code == 404


def test_agents_may_not_see_insights(connection, agent_user):
    OrgMembership.objects.get_or_create(user=agent_user, org_id=connection.org_id)
    client = signed_in(agent_user)
    assert client.get(reverse("insights:dashboard")).status_code == 403
    assert client.get(reverse("insights:drill") + f"?org={connection.pk}").status_code == 403
