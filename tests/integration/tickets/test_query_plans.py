"""Each queue sort walks its own index (issue 18): the plan of a first page, as the database explains it, uses
the sort's index and no sort step. SQLite: EXPLAIN QUERY PLAN after ANALYZE (its planner otherwise may take a
filter's index and sort every row). PostgreSQL: EXPLAIN with sorting and sequential scans priced out, so a plan
without a Sort node exists only if an index serves the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.http import QueryDict

from apps.connections.models import DeskConnection
from apps.tickets.forms.queue import queue_filters_from
from apps.tickets.maintenance import mirror_analyze
from apps.tickets.mirror import number_value, priority_rank
from apps.tickets.models import Ticket
from apps.tickets.selectors.queue import queue_page_query

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

# Every sort the queue offers that a stored column serves, and the filters with their default sort.
SORT_INDEXES = {
    "number": "tickets_sort_number_idx",
    "subject": "tickets_sort_subject_idx",
    "status": "tickets_sort_status_idx",
    "priority": "tickets_sort_priority_idx",
    "channel": "tickets_sort_channel_idx",
    "classification": "tickets_sort_class_idx",
    "due": "tickets_sort_due_idx",
    "created": "tickets_sort_created_idx",
    "modified": "tickets_sort_modified_idx",
    # The name sorts walk the stored name keys the mirror keeps (apps/tickets/mirror.py NAME_KEYS).
    "assignee": "tickets_sort_assignee_idx",
    "team": "tickets_sort_team_idx",
    "department": "tickets_sort_department_idx",
    "contact": "tickets_sort_contact_idx",
}
FILTER_INDEXES = {
    "status=Open": "tickets_status_idx",
    "assignee=700": "tickets_assignee_idx",
    "assignee=me&sort=due": "tickets_assignee_due_idx",
    "department=11": "tickets_department_idx",
    "team=22": "tickets_team_idx",
}


@pytest.fixture(scope="module")
def mirror(django_db_setup, django_db_blocker):
    """200 tickets, analyzed as the mirror does after a large apply; shared by this module's tests."""
    with django_db_blocker.unblock():
        connection = DeskConnection.objects.create(
            org_id="82001",
            org_name="Plans Org",
            data_center="us",
            accounts_url="https://accounts.zoho.com",
            api_domain="https://desk.zoho.com",
            client_id="1000.Q",
        )
        priorities = ["Low", "Medium", "High", "Urgent", ""]
        Ticket.objects.bulk_create(
            Ticket(
                connection=connection,
                desk_id=str(9000 + n),
                ticket_number=str(n),
                number_value=number_value(str(n)),
                subject=f"Subject {n % 37}",
                status=["Open", "On Hold", "Closed"][n % 3],
                priority=priorities[n % 5],
                priority_rank=priority_rank(priorities[n % 5]),
                channel=["Email", "Phone"][n % 2],
                classification=["Question", "Problem"][n % 2],
                assignee_desk_id=["700", "701", "702", ""][n % 4],
                department_desk_id=["11", "12"][n % 2],
                team_desk_id=["22", "23", ""][n % 3],
                assignee_name=["Ann", "Bo", "Cy", None][n % 4],
                team_name=["Blue", "Red", None][n % 3],
                department_name=["Sales", "Support"][n % 2],
                contact_name=f"Contact {n % 17}" if n % 6 else None,
                due_date=T0 + timedelta(hours=n % 50) if n % 5 else None,
                created_time=T0 - timedelta(hours=n),
                modified_time=T0 + timedelta(minutes=n % 90),
                is_deleted=n % 40 == 0,
            )
            for n in range(1, 201)
        )
        mirror_analyze()
    yield connection
    with django_db_blocker.unblock():
        connection.delete()


def plan(connection: DeskConnection, query: str) -> str:
    rows = queue_page_query(
        connection=connection, filters=queue_filters_from(QueryDict(query)), me_agent_id="701"
    )
    sql, params = rows.query.sql_with_params()
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1] if db.vendor == "sqlite" else row[0]) for row in cursor.fetchall())


def assert_walks(explained: str, index: str) -> None:
    assert index in explained, explained
    if db.vendor == "sqlite":
        assert "TEMP B-TREE" not in explained, explained
    else:
        assert "Sort" not in explained, explained


@pytest.mark.parametrize("direction", ["", "-"])
@pytest.mark.parametrize("sort", list(SORT_INDEXES))
def test_each_sort_walks_its_index(mirror, sort, direction):
    assert_walks(plan(mirror, f"sort={direction}{sort}"), SORT_INDEXES[sort])


@pytest.mark.parametrize("query", list(FILTER_INDEXES))
def test_each_filter_walks_its_index_in_the_default_order(mirror, query):
    explained = plan(mirror, query)
    if db.vendor == "sqlite":
        assert_walks(explained, FILTER_INDEXES[query])
    else:
        # PostgreSQL may pick either index that serves the order; what matters is that nothing is sorted.
        assert "Sort" not in explained, explained


def test_a_search_walks_the_recency_index_on_sqlite_and_never_joins_the_table_to_itself(mirror):
    explained = plan(mirror, "q=subject")
    if db.vendor == "sqlite":
        # A broad word walks the modified index; a narrow one (fewer matches) is read from FTS5 and sorted.
        assert "tickets_ticket_fts" in explained
    else:
        assert explained.count("tickets_ticket") == 1, explained  # no self-join
        assert "search_vector" in explained


# -- the customers' 360° pages (apps/tickets/customer_sections.py) ------------------------------------------


@pytest.fixture(scope="module")
def customers_mirror(django_db_setup, django_db_blocker):
    """2,000 tickets, the first 1,200 in the customer indexes without an account and from one web-form contact
    (as a real org's mail and form tickets), analyzed as the mirror does: SQLite's sampled statistics then take
    any account or contact for a thousand tickets, no better than (connection, is_deleted)."""
    with django_db_blocker.unblock():
        connection = DeskConnection.objects.create(
            org_id="82002",
            org_name="Plans Customers Org",
            data_center="us",
            accounts_url="https://accounts.zoho.com",
            api_domain="https://desk.zoho.com",
            client_id="1000.C",
        )
        Ticket.objects.bulk_create(
            Ticket(
                connection=connection,
                desk_id=str(20000 + n),
                ticket_number=str(n),
                number_value=number_value(str(n)),
                subject=f"Subject {n}",
                status=["Open", "On Hold", "Closed"][n % 3],
                status_type=["Open", "On Hold", "Closed"][n % 3],
                account_desk_id="" if n < 1200 else f"A{n % 25:02}",
                contact_desk_id="C0000" if n < 1200 else f"C{1 + n % 100:04}",
                due_date=T0 + timedelta(hours=n % 50),
                created_time=T0 - timedelta(hours=n),
                modified_time=T0 + timedelta(minutes=n % 90),
            )
            for n in range(2000)
        )
        mirror_analyze()
    yield connection
    with django_db_blocker.unblock():
        connection.delete()


def customer_plans(section, column: str, **record) -> list[str]:
    """The plan of every query a customer section runs on the tickets table by the customer's column."""
    from django.contrib.auth.models import User
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get("/", {"status": "Open", "overdue": "1"} if "account" in record else {})
    request.user = User.objects.create_superuser("plans-admin", "plans@example.org", "x")
    with CaptureQueriesContext(db) as captured:
        assert section(request, **record) is not None
    plans = []
    for query in captured.captured_queries:
        if 'FROM "tickets_ticket" WHERE' not in query["sql"] or f'"{column}"' not in query["sql"]:
            continue
        with db.cursor() as cursor:
            if db.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {query['sql']}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plans.append(
                "\n".join(str(row[-1] if db.vendor == "sqlite" else row[0]) for row in cursor.fetchall())
            )
    return plans


def test_the_account_page_reads_its_tickets_by_the_account_index(customers_mirror):
    from apps.customers.models import Account
    from apps.tickets.customer_sections import account_tickets_section

    account = Account.objects.create(connection=customers_mirror, desk_id="A07", account_name="Acme")
    plans = customer_plans(account_tickets_section, "account_desk_id", account=account)
    assert len(plans) >= 4  # the page, its count, the counts, the chart's rows
    for explained in plans:
        assert "tickets_account_idx" in explained, explained


def test_the_contact_page_reads_its_tickets_by_the_contact_index(customers_mirror):
    from apps.customers.models import Contact
    from apps.tickets.customer_sections import contact_tickets_section

    contact = Contact.objects.create(connection=customers_mirror, desk_id="C0042", last_name="Novak")
    plans = customer_plans(contact_tickets_section, "contact_desk_id", contact=contact)
    assert len(plans) >= 3  # the shown tickets, the counts, the excerpts' tickets
    for explained in plans:
        assert "tickets_contact_idx" in explained, explained
