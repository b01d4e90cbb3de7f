"""GET /tickets/search as Search.json's searchTickets has it: field filters, time ranges, the four sorts,
from 0..999, limit <= 100, {data, count}, 204 when nothing matches, and index-backed time windows."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import datetime as dt

import pytest
from django.test import RequestFactory

from apps.sandbox import models as m
from apps.sandbox.api import tickets as api_tickets
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ids(response):
    return [] if response.status_code == 204 else [t["id"] for t in response.json()["data"]]


def _age(ticket_id: str, *, days: int) -> dt.datetime:
    """Move a ticket back in time (created and modified), as old tickets would be."""
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=days)
    m.Ticket.objects.filter(pk=int(ticket_id)).update(created_time=when, modified_time=when)
    return when


def test_search_by_email_subject_and_all_fields(desk):
    ticket = desk.new_ticket(subject="Stapler missing")
    desk.new_ticket(
        subject="Other thing", contactId=None, contact={"lastName": "Smykowski", "email": "tom@x.test"}
    )
    body = desk.client.get("/tickets/search", params={"email": "peter@initech.test"}).json()
    assert [t["id"] for t in body["data"]] == [ticket["id"]]
    assert body["count"] == 1
    assert _ids(desk.client.get("/tickets/search", params={"email": "peter*"})) == [ticket["id"]]
    assert _ids(desk.client.get("/tickets/search", params={"_all": "stapler"})) == [ticket["id"]]
    assert _ids(desk.client.get("/tickets/search", params={"subject": "Stapler*"})) == [ticket["id"]]
    assert desk.client.get("/tickets/search", params={"subject": "nothing like it"}).status_code == 204


def test_search_items_embed_contact_assignee_department_and_team(desk):
    desk.new_ticket(assigneeId=str(desk.agent.pk), teamId=str(desk.team.pk))
    item = desk.client.get("/tickets/search", params={"_all": "printer"}).json()["data"][0]
    assert item["contact"]["lastName"] == "Gibbons"
    assert item["contact"]["account"]["accountName"] == "Initech"
    assert item["assignee"]["emailId"] == desk.agent.email
    assert item["department"]["name"] == "Support"
    assert item["team"]["name"] == "Tier 1"


@pytest.mark.parametrize("param", ["searchStr", "include", "fields", "colour", "modifiedTimeFrom"])
def test_search_refuses_parameters_it_does_not_list(desk, param):
    response = desk.client.get("/tickets/search", params={param: "x"})
    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert param in response.json()["message"]


def test_search_needs_the_search_scope(desk):
    token = desk.token_for(["Desk.tickets.ALL"])
    client = desk.client_with(token, org_id=str(desk.org.pk))
    response = client.get("/tickets/search", params={"_all": "printer"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"


def test_created_time_range_with_created_time_sort_pages_through_a_window(desk):
    ids = [desk.new_ticket(subject=f"T{i}")["id"] for i in range(5)]
    for day, ticket_id in enumerate(ids):
        _age(ticket_id, days=day)
    window = (
        f"{_stamp(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))},{_stamp(dt.datetime(2026, 1, 4, tzinfo=dt.UTC))}"
    )
    params = {"createdTimeRange": window, "sortBy": "createdTime", "limit": 2}
    first = desk.client.get("/tickets/search", params={**params, "from": 0}).json()
    second = desk.client.get("/tickets/search", params={**params, "from": 2}).json()
    assert first["count"] == 3 and second["count"] == 3
    assert [t["id"] for t in first["data"] + second["data"]] == ids[1:4]
    descending = desk.client.get(
        "/tickets/search", params={**params, "sortBy": "-createdTime", "limit": 3}
    ).json()
    assert [t["id"] for t in descending["data"]] == list(reversed(ids[1:4]))
    assert desk.client.get("/tickets/search", params={**params, "from": 3}).status_code == 204


def test_modified_time_range_sorted_by_modified_time_finds_recent_changes(desk):
    old = desk.new_ticket(subject="Old")
    changed = desk.new_ticket(subject="Changed")
    _age(old["id"], days=0)
    _age(changed["id"], days=0)
    desk.client.patch(f"/tickets/{changed['id']}", json={"priority": "High"})
    since = _stamp(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    until = _stamp(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    response = desk.client.get(
        "/tickets/search", params={"modifiedTimeRange": f"{since},{until}", "sortBy": "modifiedTime"}
    )
    assert _ids(response) == [changed["id"]]
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01,2026-02-01",
        "2026-01-01T00:00:00+01:00,2026-02-01T00:00:00Z",
        "2026-01-01T00:00:00.000Z",
        "x",
    ],
)
def test_time_range_must_have_the_documented_format(desk, value):
    response = desk.client.get("/tickets/search", params={"createdTimeRange": value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/createdTimeRange"


@pytest.mark.parametrize(
    "sort", ["relevance", "modifiedTime", "-modifiedTime", "createdTime", "-customerResponseTime"]
)
def test_search_accepts_its_four_sorts(desk, sort):
    desk.new_ticket()
    assert desk.client.get("/tickets/search", params={"sortBy": sort, "_all": "printer"}).status_code == 200


@pytest.mark.parametrize("sort", ["dueDate", "ticketNumber", "recentThread"])
def test_search_refuses_other_sorts(desk, sort):
    desk.new_ticket()
    response = desk.client.get("/tickets/search", params={"sortBy": sort})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/sortBy"


def test_search_from_is_0_to_999_and_limit_at_most_100(desk):
    desk.new_ticket()
    assert desk.client.get("/tickets/search", params={"from": 999}).status_code == 204
    over = desk.client.get("/tickets/search", params={"from": 1000})
    assert over.status_code == 422
    assert over.json()["errors"][0]["fieldName"] == "/from"
    assert desk.client.get("/tickets/search", params={"limit": 101}).status_code == 422
    assert desk.client.get("/tickets/search", params={"limit": 0}).status_code == 422


def test_search_default_limit_is_10(desk):
    for i in range(12):
        desk.new_ticket(subject=f"Printer {i}")
    body = desk.client.get("/tickets/search", params={"_all": "printer"}).json()
    assert len(body["data"]) == 10
    assert body["count"] == 12


def test_search_filters_by_ids_status_priority_and_status_type(desk):
    high = desk.new_ticket(priority="High")
    held = desk.new_ticket(status="On Hold")
    assert _ids(
        desk.client.get(
            "/tickets/search", params={"id": f"{high['id']},{held['id']}", "sortBy": "createdTime"}
        )
    ) == [
        high["id"],
        held["id"],
    ]
    assert _ids(desk.client.get("/tickets/search", params={"priority": "High"})) == [high["id"]]
    assert _ids(desk.client.get("/tickets/search", params={"status": "${onhold}"})) == [held["id"]]
    assert _ids(desk.client.get("/tickets/search", params={"ticketNumber": held["ticketNumber"]})) == [
        held["id"]
    ]
    assert _ids(desk.client.get("/tickets/search", params={"productName": "Widget"})) == []


def test_search_by_tag(desk):
    tagged = desk.new_ticket()
    desk.new_ticket()
    desk.client.post(f"/tickets/{tagged['id']}/associateTag", json={"tags": ["refund"]})
    assert _ids(desk.client.get("/tickets/search", params={"tag": "refund"})) == [tagged["id"]]


def test_created_window_sorted_by_created_time_uses_the_index(desk):
    """The sync walks created-time windows: the query must seek the (org, is_trashed, created_time) index,
    not scan the ticket table."""
    window = "2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z"
    request = RequestFactory().get("/tickets/search", {"createdTimeRange": window, "sortBy": "createdTime"})
    queryset = api_tickets._search_filter(api_tickets._tickets(desk.org), request, desk.org)
    queryset = api_tickets.c.sort_queryset(
        queryset, request, fields=api_tickets.SEARCH_SORTS, default="relevance"
    )
    plan = queryset.explain()
    assert "sbx_ticket_org_created_idx" in plan, plan
    count_plan = queryset.order_by().explain()
    assert "sbx_ticket_org_created_idx" in count_plan, count_plan


def test_modified_window_sorted_by_modified_time_uses_the_index(desk):
    """The incremental sync: modifiedTimeRange sorted by -modifiedTime seeks (org, is_trashed, modified_time)."""
    window = "2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z"
    request = RequestFactory().get(
        "/tickets/search", {"modifiedTimeRange": window, "sortBy": "-modifiedTime"}
    )
    queryset = api_tickets._search_filter(api_tickets._tickets(desk.org), request, desk.org)
    queryset = api_tickets.c.sort_queryset(
        queryset, request, fields=api_tickets.SEARCH_SORTS, default="relevance"
    )
    assert "sbx_ticket_org_mod_idx" in queryset.explain()
