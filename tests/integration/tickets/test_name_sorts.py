"""The name sorts (assignee, team, department, contact) walk stored name keys that the mirror keeps: set when a
ticket is applied, changed when the agent, team, department or contact is renamed, NULL (sorted last) when
the mirror has no such record; keyset pages walk every ticket once in the order the names are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.core.roles import Role
from apps.customers.mirror import mirror_apply_contact
from apps.desk import types as desk
from apps.team.mirror import mirror_apply_agent, mirror_apply_department, mirror_apply_team
from apps.tickets.mirror import mirror_apply_tickets, refresh_sort_names
from apps.tickets.models import Ticket
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
AGENTS = {"700": "Zoe Quinn", "701": "adam@example.org", "702": "Mia Lopez"}  # 701 has no name: its email


def ticket_json(n: int, **fields) -> dict:
    data = {
        "id": str(6000 + n),
        "ticketNumber": str(n),
        "subject": f"Ticket {n:03d}",
        "status": "Open",
        "statusType": "Open",
        # 703 and 999 are not mirrored: no name, sorted last.
        "assigneeId": ["700", "701", "702", "703", ""][n % 5],
        "teamId": ["20", "21", ""][n % 3],
        "departmentId": ["10", "11"][n % 2],
        "contactId": ["900", "901", "999"][n % 3],
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=n)),
        "createdTime": desk.format_datetime(T0 - timedelta(days=n)),
    }
    data.update(fields)
    return data


def modified(minutes: int) -> str:
    return desk.format_datetime(T0 + timedelta(days=1, minutes=minutes))


@pytest.fixture
def names(make_user, django_capture_on_commit_callbacks):
    cache.clear()
    connection = DeskConnection.objects.create(
        org_id="83001",
        org_name="Names Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.N",
        status=DeskConnection.Status.HEALTHY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        for desk_id, shown in AGENTS.items():
            named = {"name": shown} if "@" not in shown else {"email": shown}
            mirror_apply_agent(connection, {"id": desk_id, "modifiedTime": modified(0), **named})
        mirror_apply_team(connection, {"id": "20", "name": "Billing", "modifiedTime": modified(0)})
        mirror_apply_team(connection, {"id": "21", "name": "Access", "modifiedTime": modified(0)})
        mirror_apply_department(connection, {"id": "10", "name": "Support", "modifiedTime": modified(0)})
        mirror_apply_department(connection, {"id": "11", "name": "Sales", "modifiedTime": modified(0)})
        for desk_id, (first, last) in {"900": ("Ann", "Young"), "901": ("", "Baker")}.items():
            mirror_apply_contact(
                connection, {"id": desk_id, "firstName": first, "lastName": last, "modifiedTime": modified(0)}
            )
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(1, 41)])
    user = make_user("namer", Role.AGENT)
    OrgMembership.objects.create(user=user, org_id=connection.org_id)
    client = Client()
    assert client.login(username="namer", password=PASSWORD)
    yield connection, client
    cache.clear()


def keys(connection, desk_id: str) -> tuple:
    return Ticket.objects.values_list("assignee_name", "team_name", "department_name", "contact_name").get(
        connection=connection, desk_id=desk_id
    )


def test_an_applied_ticket_stores_the_names_the_queue_shows(names):
    connection, _client = names
    assert keys(connection, "6005") == ("Zoe Quinn", None, "Sales", None)  # no team, contact 999 unknown
    assert keys(connection, "6006") == (
        "adam@example.org",
        "Billing",
        "Support",
        "Ann Young",
    )  # no name: email
    assert keys(connection, "6004") == (None, "Access", "Support", "Baker")  # unassigned
    assert keys(connection, "6008")[0] is None  # agent 703 is not mirrored


def test_renaming_an_agent_team_department_or_contact_changes_its_tickets_keys(
    names, django_capture_on_commit_callbacks
):
    connection, _client = names
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_agent(connection, {"id": "700", "name": "Zoe Adams", "modifiedTime": modified(5)})
        mirror_apply_team(connection, {"id": "20", "name": "Finance", "modifiedTime": modified(5)})
        mirror_apply_department(connection, {"id": "10", "name": "Help", "modifiedTime": modified(5)})
        mirror_apply_contact(
            connection, {"id": "900", "firstName": "Ann", "lastName": "Ng", "modifiedTime": modified(5)}
        )
        # An agent that arrives after its tickets fills the keys too.
        mirror_apply_agent(connection, {"id": "703", "name": "Late Agent", "modifiedTime": modified(5)})
    assert keys(connection, "6010") == ("Zoe Adams", "Access", "Help", "Baker")
    assert keys(connection, "6006") == ("adam@example.org", "Finance", "Help", "Ann Ng")
    assert keys(connection, "6008")[0] == "Late Agent"
    assert not Ticket.objects.filter(connection=connection, assignee_desk_id="700").exclude(
        assignee_name="Zoe Adams"
    )


def test_refresh_sort_names_sets_the_keys_a_bulk_load_skipped(names):
    connection, _client = names
    Ticket.objects.filter(connection=connection).update(
        assignee_name=None, team_name=None, department_name=None, contact_name="stale"
    )
    refresh_sort_names(connection)
    assert keys(connection, "6006") == ("adam@example.org", "Billing", "Support", "Ann Young")
    assert keys(connection, "6005") == ("Zoe Quinn", None, "Sales", None)
    assert keys(connection, "6004") == (None, "Access", "Support", "Baker")


def expected_order(connection, field: str, *, descending: bool) -> list[str]:
    rows = list(Ticket.objects.filter(connection=connection, is_deleted=False).values("id", "desk_id", field))
    present = sorted((r for r in rows if r[field] is not None), key=lambda r: (r[field], r["id"]))
    missing = sorted((r for r in rows if r[field] is None), key=lambda r: r["id"])
    if descending:
        present.reverse()
        missing.reverse()
    return [r["desk_id"] for r in present + missing]


@pytest.mark.parametrize(
    ("sort", "field"),
    [
        ("assignee", "assignee_name"),
        ("-assignee", "assignee_name"),
        ("team", "team_name"),
        ("-department", "department_name"),
        ("contact", "contact_name"),
    ],
)
def test_a_name_sort_pages_through_every_ticket_once_names_in_order_unknown_last(names, sort, field):
    connection, client = names
    url = reverse("tickets:queue")
    response = client.get(url, {"sort": sort, "per_page": 25})
    walked = []
    while True:
        assert response.status_code == 200
        walked += [row.desk_id for row in response.context["rows"]]
        if not response.context["next_query"]:
            break
        response = client.get(f"{url}?{response.context['next_query']}")
    assert walked == expected_order(connection, field, descending=sort.startswith("-"))
    first = Ticket.objects.get(connection=connection, desk_id=walked[0])
    assert getattr(first, field) is not None


def test_a_renamed_agent_shows_at_once_in_the_cached_filter_bar_and_the_rows(
    names, django_capture_on_commit_callbacks
):
    connection, client = names
    url = reverse("tickets:queue")
    first = client.get(url, {"sort": "assignee"}).content.decode()
    assert ">Zoe Quinn</option>" in first and ">Zoe Quinn</td>" in first
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_agent(connection, {"id": "700", "name": "Zoe Adams", "modifiedTime": modified(9)})
    again = client.get(url, {"sort": "assignee"}).content.decode()
    assert ">Zoe Adams</option>" in again and ">Zoe Adams</td>" in again
    assert "Zoe Quinn" not in again
