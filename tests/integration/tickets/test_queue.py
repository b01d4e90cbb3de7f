"""The queue: filters, search, sort and pages from the mirror, each in the URL, with 0 Desk calls."""

import pytest
from django.urls import reverse

from apps.team.models import Agent
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def desk_ids(response) -> list[str]:
    return [row.ticket.desk_id for row in response.context["rows"]]


def test_queue_lists_mirrored_tickets_newest_first(world, member, agent_user):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"))
    assert response.status_code == 200
    mirrored = list(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .order_by("-modified_time", "-id")
        .values_list("desk_id", flat=True)[:25]
    )
    assert desk_ids(response) == mirrored
    assert b"synced" in response.content


def test_browsing_ten_queue_pages_costs_no_desk_calls(world, member, agent_user):
    client = member(agent_user)
    agent = Agent.objects.filter(connection=world.connection).first()
    ticket = Ticket.objects.filter(connection=world.connection).first()
    word = ticket.subject.split()[0]
    urls = [
        "",
        "?status=Open",
        "?status=Open&status=On+Hold&priority=High",
        f"?assignee={agent.desk_id}",
        "?assignee=unassigned&sort=-due",
        "?assignee=me",
        f"?q={word}",
        f"?q={word}&sort=subject&per_page=50",
        "?overdue=1&due_within=48&page=2",
        "?created_from=2020-01-01&modified_to=2100-01-01&col=number&col=subject&sort=priority",
    ]
    for url in urls:
        response = client.get(reverse("tickets:queue") + url)
        assert response.status_code == 200, url
    assert world.api_calls() == 0


def test_status_filter_keeps_only_that_status(world, member, agent_user):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), {"status": "Open", "per_page": 100})
    statuses = {row.ticket.status for row in response.context["rows"]}
    assert statuses == {"Open"}
    expected = Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False).count()
    assert response.context["count"].value == expected


def test_unassigned_filter_and_me_filter(world, member, agent_user):
    agent = Agent.objects.filter(connection=world.connection).exclude(email="").first()
    agent_user.email = agent.email
    agent_user.save()
    client = member(agent_user)
    mine = client.get(reverse("tickets:queue"), {"assignee": "me", "per_page": 100})
    assert {row.ticket.assignee_desk_id for row in mine.context["rows"]} <= {agent.desk_id}
    expected = Ticket.objects.filter(connection=world.connection, assignee_desk_id=agent.desk_id).count()
    assert mine.context["count"].value == expected
    unassigned = client.get(reverse("tickets:queue"), {"assignee": "unassigned", "per_page": 100})
    assert all(row.ticket.assignee_desk_id == "" for row in unassigned.context["rows"])


def test_search_finds_a_ticket_by_a_word_of_its_subject(world, member, agent_user):
    ticket = Ticket.objects.filter(connection=world.connection).first()
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), {"q": ticket.subject, "per_page": 100})
    assert ticket.desk_id in desk_ids(response)


def test_sort_by_subject_ascending_then_descending(world, member, agent_user):
    client = member(agent_user)
    ascending = client.get(reverse("tickets:queue"), {"sort": "subject", "per_page": 100})
    subjects = [row.ticket.subject for row in ascending.context["rows"]]
    assert subjects == sorted(subjects)
    descending = client.get(reverse("tickets:queue"), {"sort": "-subject", "per_page": 100})
    assert [row.ticket.subject for row in descending.context["rows"]] == sorted(subjects, reverse=True)


def test_htmx_request_gets_only_the_results_partial(world, member, agent_user):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), {"status": "Open"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'name="sort"' in response.content


def test_bad_filter_values_are_reported_not_a_server_error(world, member, agent_user):
    client = member(agent_user)
    response = client.get(
        reverse("tickets:queue"),
        {
            "due_within": "soon",
            "created_from": "yesterday",
            "assignee": "<script>",
            "page": "x",
            "sort": "nope",
        },
    )
    assert response.status_code == 200
    assert "Due within" in response.content.decode()
    assert b"<script>" not in response.content


def test_user_without_org_membership_sees_the_empty_state(world, agent_user):
    from tests.integration.tickets.conftest import signed_in

    response = signed_in(agent_user).get(reverse("tickets:queue"))
    assert response.status_code == 200
    assert b"No Desk org" in response.content


def test_sort_by_assignee_uses_the_agents_name(world, member, agent_user):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), {"sort": "assignee", "assignee": "", "per_page": 100})
    names = [row.assignee for row in response.context["rows"] if row.assignee]
    assert names == sorted(names)
    assert world.api_calls() == 0


def test_filter_bar_shows_the_filters_in_force_not_the_bad_values(world, member, agent_user):
    html = (
        member(agent_user)
        .get(reverse("tickets:queue"), {"assignee": "unassigned", "due_within": "soon", "overdue": "1"})
        .content.decode()
    )
    assert '<option value="unassigned" selected>Unassigned</option>' in html
    assert 'id="queue-due"' in html and 'value="soon"' not in html
    assert 'name="overdue" value="1" id="queue-overdue" checked' in html
