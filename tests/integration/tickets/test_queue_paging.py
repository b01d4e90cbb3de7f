"""Queue speed (issue 18), as behaviour: keyset pages that walk the whole queue once each way and don't shift
when tickets change meanwhile, capped and exact counts, stored sort keys, cheap rows, few queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.desk import types as desk
from apps.team.models import Agent
from apps.tickets.mirror import mirror_apply_ticket, mirror_apply_tickets
from apps.tickets.models import Ticket
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PRIORITIES = ["Low", "Medium", "High", "Urgent", ""]


def ticket_json(n: int, **fields) -> dict:
    data = {
        "id": str(5000 + n),
        "ticketNumber": str(n),
        "subject": f"Ticket {n:03d}",
        "status": "Open" if n % 3 else "On Hold",
        "statusType": "Open" if n % 3 else "On Hold",
        "priority": PRIORITIES[n % 5],
        "assigneeId": "700" if n % 2 else "",
        # Ties on purpose (every 4 tickets share a time) and some without a due date.
        "modifiedTime": desk.format_datetime(T0 + timedelta(hours=n // 4)),
        "createdTime": desk.format_datetime(T0 - timedelta(days=n)),
        "dueDate": desk.format_datetime(T0 + timedelta(hours=n % 7)) if n % 4 else None,
    }
    data.update(fields)
    return data


@pytest.fixture
def queue(make_user, django_capture_on_commit_callbacks):
    cache.clear()
    connection = DeskConnection.objects.create(
        org_id="81001",
        org_name="Paging Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.P",
        status=DeskConnection.Status.HEALTHY,
    )
    Agent.objects.create(connection=connection, desk_id="700", name="Pat Agent", email="pat@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(1, 58)])
    user = make_user(
        "pager", __import__("apps.core.roles", fromlist=["Role"]).Role.AGENT, email="pat@example.org"
    )
    OrgMembership.objects.create(user=user, org_id=connection.org_id)
    client = Client()
    assert client.login(username="pager", password=PASSWORD)
    yield connection, client
    cache.clear()


def get(client: Client, query: str = ""):
    response = client.get(reverse("tickets:queue") + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response


def ids(response) -> list[str]:
    return [row.desk_id for row in response.context["rows"]]


def expected_order(connection, field: str, *, descending: bool) -> list[str]:
    """The queue's order worked out in Python: by the field, NULLs last either way, then the id."""
    rows = list(Ticket.objects.filter(connection=connection, is_deleted=False).values("id", "desk_id", field))
    present = sorted((r for r in rows if r[field] is not None), key=lambda r: (r[field], r["id"]))
    missing = sorted((r for r in rows if r[field] is None), key=lambda r: r["id"])
    if descending:
        present.reverse()
        missing.reverse()
    return [r["desk_id"] for r in present + missing]


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [("", "modified_time", True), ("priority", "priority_rank", False), ("-due", "due_date", True)],
)
def test_next_walks_every_ticket_once_and_previous_walks_back(queue, sort, field, descending):
    connection, client = queue
    base = f"sort={sort}&per_page=25" if sort else "per_page=25"
    pages, response = [], get(client, base)
    while True:
        pages.append(ids(response))
        if not response.context["next_query"]:
            break
        response = get(client, response.context["next_query"])
    assert [i for page in pages for i in page] == expected_order(connection, field, descending=descending)
    assert [len(p) for p in pages] == [25, 25, 7]
    # Back from the last page: the same pages in reverse. "Last" shows the final 25 tickets.
    back = [ids(response)]
    while response.context["previous_query"]:
        response = get(client, response.context["previous_query"])
        back.append(ids(response))
    assert back == list(reversed(pages))
    everything = [i for page in pages for i in page]
    last = get(client, get(client, base).context["last_query"])
    assert ids(last) == everything[-25:]
    assert not last.context["next_query"] and last.context["previous_query"]


def test_a_page_link_stays_put_when_tickets_change_meanwhile(queue, django_capture_on_commit_callbacks):
    connection, client = queue
    first = get(client, "per_page=25")
    second_url = first.context["next_query"]
    assert "after=" in second_url  # a keyset cursor, shareable, not an offset
    second = ids(get(client, second_url))
    # A ticket from page 1 changes (moves to the top) and a new one arrives: page 2 is the same rows.
    moved = ids(first)[3]
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_ticket(
            connection,
            ticket_json(int(moved) - 5000, modifiedTime=desk.format_datetime(T0 + timedelta(days=30))),
        )
        mirror_apply_ticket(
            connection, ticket_json(99, modifiedTime=desk.format_datetime(T0 + timedelta(days=31)))
        )
    assert ids(get(client, second_url)) == second


def test_a_tampered_page_link_is_a_notice_and_the_first_page(queue):
    _connection, client = queue
    response = get(client, "after=not-a-cursor&before=%25%25")
    assert "page link was not understood" in response.content.decode()
    assert ids(response) == ids(get(client))


def test_counts_are_capped_and_exact_on_demand_cached_until_the_mirror_changes(
    queue, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    connection, client = queue
    monkeypatch.setattr("apps.tickets.selectors.queue.COUNT_CAP", 10)
    response = get(client, "status=Open")
    assert str(response.context["count"]) == "10+"
    assert "count all" in response.content.decode()
    exact_url = response.context["count_query"]
    assert QueryDict(exact_url)["count"] == "exact"
    open_count = Ticket.objects.filter(connection=connection, status="Open").count()
    assert get(client, exact_url).context["count"].value == open_count
    # Cached per filter: the second time no COUNT(*) runs …
    client.get(reverse("tickets:queue") + f"?{exact_url}")
    with CaptureQueriesContext(db) as captured:
        client.get(reverse("tickets:queue") + f"?{exact_url}")
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    # … until an apply changes the mirror.
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_ticket(connection, ticket_json(120, status="Open", statusType="Open"))
    assert get(client, exact_url).context["count"].value == open_count + 1


def test_the_mirror_stores_the_sort_keys(queue, django_capture_on_commit_callbacks):
    connection, _client = queue
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_ticket(connection, ticket_json(7, priority="Urgent", ticketNumber="12345"))
    ticket = Ticket.objects.get(connection=connection, desk_id="5007")
    assert (ticket.priority_rank, ticket.number_value) == (4, 12345)
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_ticket(
            connection,
            ticket_json(7, priority="", modifiedTime=desk.format_datetime(T0 + timedelta(days=9))),
        )
    ticket.refresh_from_db()
    assert ticket.priority_rank == 0


def test_rows_show_names_and_dates_and_the_agents_once_per_select(queue):
    _connection, client = queue
    html = get(client, "assignee=me&col=number&col=assignee&col=due&col=modified").content.decode()
    assert "Pat Agent" in html
    assert '<time datetime="2026-11-' in html
    assert '<option value="me" selected>' in html
    # The agents' options are written once per page and marked selected where the filter names one.
    html = get(client, "assignee=700").content.decode()
    assert '<option value="700" selected>Pat Agent</option>' in html


def test_a_queue_page_costs_at_most_three_queries_more_than_the_overview(queue):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    _connection, client = queue
    get(client)
    client.get("/")
    with CaptureQueriesContext(db) as overview:
        client.get("/")
    with CaptureQueriesContext(db) as queue_page:
        get(client, "assignee=me&sort=due")
    assert len(queue_page.captured_queries) <= len(overview.captured_queries) + 3


def test_bulk_outcomes_page_by_keyset_failures_first_and_the_poll_keeps_the_page(queue, make_user):
    from django.utils import timezone

    from apps.core.roles import Role
    from apps.tickets.models import BulkJob, BulkJobItem

    connection, _client = queue
    manager = make_user("boss", Role.MANAGER)
    OrgMembership.objects.create(user=manager, org_id=connection.org_id)
    job = BulkJob.objects.create(
        connection=connection, actor=manager, action="close", total=230, status=BulkJob.Status.RUNNING,
        started_at=timezone.now(), succeeded=200, failed=30,
    )  # fmt: skip
    BulkJobItem.objects.bulk_create(
        BulkJobItem(job=job, ticket_desk_id=str(7000 + n), outcome="failure" if n % 23 == 0 else "success")
        for n in range(230)
    )
    client = Client()
    assert client.login(username="boss", password=PASSWORD)
    url = reverse("tickets:bulk", args=[job.pk])
    seen, response = [], client.get(url)
    while True:
        items = response.context["items"]
        seen += [(item.outcome, item.pk) for item in items]
        if not response.context["links"].next:
            break
        position = response.context["links"].next
        response = client.get(f"{url}?{position}")
        # The progress poll (every second while running) stays on this page of outcomes.
        assert f'hx-get="{url}?{position}"' in response.content.decode()
    assert seen == sorted(seen)  # failures first, each item once
    assert len(seen) == 230 and seen[0][0] == "failure"


def test_a_large_apply_refreshes_the_planners_statistics(
    queue, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.tickets import maintenance

    connection, _client = queue
    calls = []
    monkeypatch.setattr(maintenance, "ANALYZE_AFTER_ROWS", 10)
    monkeypatch.setattr(maintenance, "mirror_analyze", lambda **kwargs: calls.append(kwargs))
    cache.delete(maintenance._STATE_KEY.format(connection.pk))
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(200, 206)])  # 6 rows: not yet
    assert calls == []
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(300, 306)])  # 12 in all: analyze
    assert len(calls) == 1
    monkeypatch.undo()
    maintenance.mirror_analyze()  # the real one runs on either database (ANALYZE inside a transaction)
