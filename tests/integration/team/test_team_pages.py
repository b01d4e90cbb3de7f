"""Team pages from the mirror: workload figures that match the queue they open, roles, 0 Desk calls."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.team.models import Agent, Department, Team
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def busiest_agent(world) -> Agent:
    """The agent with the most open tickets; one of them made overdue in the mirror."""
    counts: dict[str, int] = {}
    for assignee in (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .exclude(assignee_desk_id="")
        .values_list("assignee_desk_id", flat=True)
    ):
        counts[assignee] = counts.get(assignee, 0) + 1
    desk_id = max(counts, key=lambda k: (counts[k], k))
    ticket = (
        Ticket.objects.filter(connection=world.connection, assignee_desk_id=desk_id)
        .exclude(status_type="Closed")
        .first()
    )
    Ticket.objects.filter(pk=ticket.pk).update(due_date=timezone.now() - timezone.timedelta(hours=3))
    return Agent.objects.get(connection=world.connection, desk_id=desk_id)


def figure_link(html: str, agent: Agent, key: str) -> tuple[int, str]:
    row = re.search(rf'<tr data-agent="{agent.desk_id}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(rf'data-figure="{key}">\s*<a class="[^"]*" href="([^"]+)"[^>]*>(\d+)</a>', row)
    return int(cell.group(2)), cell.group(1).replace("&amp;", "&")


def queue_count(client, url: str) -> int:
    html = client.get(url).content.decode()
    return len(re.findall(r"<tr[^>]*data-ticket=", html))


def test_team_pages_with_workload_for_managers_read_only_for_agents_and_no_desk_call(
    world, member, manager_user, agent_user
):
    agent = busiest_agent(world)
    client = member(manager_user)
    world.clear_log()

    page = client.get(reverse("team:agents") + "?sort=-overdue")
    assert page.status_code == 200
    html = page.content.decode()
    # Sorted by overdue: the agent with the overdue ticket comes first, and the figure opens that queue.
    first = re.search(r'<tr data-agent="(\d+)">', html).group(1)
    overdue, overdue_url = figure_link(
        html, Agent.objects.get(connection=world.connection, desk_id=first), "overdue"
    )
    assert overdue >= 1
    assert "overdue=1" in overdue_url and f"assignee={first}" in overdue_url
    assert queue_count(client, overdue_url) == overdue

    open_count, open_url = figure_link(html, agent, "open")
    expected = (
        Ticket.objects.filter(connection=world.connection, assignee_desk_id=agent.desk_id, is_deleted=False)
        .exclude(status_type="Closed")
        .count()
    )
    assert open_count == expected
    assert queue_count(client, open_url + "&per_page=100") == expected
    assert "1st reply, median 7 d" in html and "Touched today" in html

    # Filters and search stay in the URL; an unknown sort or status is dropped, never a 500.
    department = Department.objects.filter(connection=world.connection).first()
    filtered = client.get(reverse("team:agents"), {"department": department.desk_id, "status": "active"})
    assert filtered.status_code == 200
    assert client.get(reverse("team:agents"), {"sort": "nonsense", "status": "x"}).status_code == 200
    searched = client.get(reverse("team:agents"), {"q": agent.email}).content.decode()
    assert searched.count("<tr data-agent=") == 1

    agent_page = client.get(reverse("team:agent", args=[agent.desk_id])).content.decode()
    assert "Their queue" in agent_page and "<svg" in agent_page and "The numbers per day" in agent_page
    assert "data-workload" in agent_page
    team = Team.objects.filter(connection=world.connection).first()
    for url in (
        reverse("team:departments"),
        reverse("team:department", args=[department.desk_id]),
        reverse("team:teams"),
        reverse("team:team", args=[team.desk_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    department_page = client.get(reverse("team:department", args=[department.desk_id])).content.decode()
    assert "Support email addresses" in department_page and "SLA policies" in department_page

    # Agents see the team read-only: no workload, no admin actions.
    client = member(agent_user)
    agent = Agent.objects.filter(connection=world.connection, is_deleted=False).first()
    html = client.get(reverse("team:agents")).content.decode()
    assert "data-agent=" in html
    assert "data-figure" not in html and "Invite an agent" not in html
    detail = client.get(reverse("team:agent", args=[agent.desk_id])).content.decode()
    assert "data-agent-actions" not in detail and "data-workload" not in detail
    assert client.get(reverse("team:agent_deactivate", args=[agent.desk_id])).status_code == 403
    assert client.get(reverse("team:agent", args=["999999999"])).status_code == 404
    assert world.api_calls() == 0  # every team page reads the mirror only
