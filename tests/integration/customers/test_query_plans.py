"""The customer pages' reads use the index that serves them, on both databases, with statistics as the mirror
keeps them (apps/customers/maintenance.py) and with none at all: the account's contacts are read through
customers_contact_account_idx (not the name index walked over every contact), and "sort by account" walks the
stored account-name key's index with no sort step.

SQLite: EXPLAIN QUERY PLAN. PostgreSQL: EXPLAIN with sequential scans (and, for the sort, sorting) priced out, so
a plan without a Sort node exists only if an index serves the order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from apps.connections.models import DeskConnection
from apps.customers.filters import ListFilters
from apps.customers.maintenance import customers_analyze
from apps.customers.mirror import refresh_account_names, refresh_owner_names
from apps.customers.models import Account, Contact
from apps.customers.selectors.detail import contacts_of_account
from apps.customers.selectors.lists import accounts_for_list, contacts_for_list

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def customers(django_db_setup, django_db_blocker):
    """2,000 contacts, the first 1,200 (in account-index order) without an account, as a real org's web-form
    contacts; 25 accounts for the rest."""
    with django_db_blocker.unblock():
        connection = DeskConnection.objects.create(
            org_id="83001",
            org_name="Plans Contacts Org",
            data_center="us",
            accounts_url="https://accounts.zoho.com",
            api_domain="https://desk.zoho.com",
            client_id="1000.P",
        )
        Account.objects.bulk_create(
            Account(connection=connection, desk_id=f"A{n:02}", account_name=f"Company {n:02}")
            for n in range(25)
        )
        Contact.objects.bulk_create(
            Contact(
                connection=connection,
                desk_id=str(50000 + n),
                first_name=f"First {n % 13}",
                last_name=f"Last {n % 97}",
                email=f"c{n}@example.org",
                account_desk_id="" if n < 1200 else f"A{n % 25:02}",
                owner_desk_id="" if n < 1000 else str(700 + n % 7),
                created_time=T0 - timedelta(hours=n),
                modified_time=T0 + timedelta(minutes=n % 90),
                is_deleted=n % 50 == 0,
            )
            for n in range(2000)
        )
        refresh_account_names(connection)
        refresh_owner_names(connection)
    yield connection
    with django_db_blocker.unblock():
        connection.delete()


def _no_statistics() -> None:
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute(
                    "DELETE FROM sqlite_stat1 WHERE tbl IN ('customers_contact', 'customers_account')"
                )
                cursor.execute("ANALYZE sqlite_schema")  # the planner rereads the (now missing) statistics


@pytest.fixture(params=["analyzed", "no statistics"])
def statistics(request, customers):
    if request.param == "analyzed":
        customers_analyze()
    else:
        _no_statistics()
    return request.param


def explain(sql: str, params=(), *, no_sort: bool = False) -> str:
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            if no_sort:
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(str(row[0]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_account_page_reads_its_contacts_by_the_account_index(customers, statistics):
    account = Account.objects.get(connection=customers, desk_id="A07")
    with CaptureQueriesContext(db) as captured:
        shown = contacts_of_account(account)
    expected = Contact.objects.filter(connection=customers, account_desk_id="A07", is_deleted=False)
    assert shown.total == expected.count() > 0
    assert [c.desk_id for c in shown.contacts] == [
        c.desk_id for c in expected.order_by("last_name", "first_name", "desk_id")[:50]
    ]
    queries = [q["sql"] for q in captured.captured_queries if '"customers_contact"' in q["sql"]]
    assert len(queries) == 2  # the shown contacts and their count
    for sql in queries:
        explained = explain(sql)
        assert "customers_contact_account_idx" in explained, explained
        assert "customers_contact_sort_idx" not in explained, explained


@pytest.mark.parametrize("sort", ["account", "-account"])
def test_sort_by_account_walks_the_stored_name_index(customers, statistics, sort):
    rows = contacts_for_list(connection=customers, filters=ListFilters(kind="contact", sort=sort))
    sql, params = rows[:25].query.sql_with_params()
    explained = explain(sql, params, no_sort=True)
    assert "customers_contact_acctsort_idx" in explained, explained
    if db.vendor == "sqlite":
        assert "TEMP B-TREE" not in explained, explained
        assert "SUBQUERY" not in explained.upper(), explained  # no account looked up per row
    else:
        assert "Sort" not in explained, explained
    # The order is the accounts' names as the list shows them (then the contact's id); contacts without an
    # account come where the database puts NULL (the smallest value on SQLite, the largest on PostgreSQL); a
    # descending sort reverses all of it, the id tie-break too.
    names = {a.desk_id: str(a) for a in Account.objects.filter(connection=customers)}
    live = Contact.objects.filter(connection=customers, is_deleted=False)
    null_is_smallest = db.vendor == "sqlite"
    expected = sorted(
        live,
        key=lambda c: (
            (names.get(c.account_desk_id) is None) != null_is_smallest,
            names.get(c.account_desk_id) or "",
            c.desk_id,
        ),
        reverse=sort.startswith("-"),
    )
    assert [c.desk_id for c in rows] == [c.desk_id for c in expected]


@pytest.mark.parametrize("sort", ["owner", "-owner"])
@pytest.mark.parametrize("kind", ["contact", "account"])
def test_sort_by_owner_walks_the_stored_owner_key_index(customers, statistics, kind, sort):
    for_list = contacts_for_list if kind == "contact" else accounts_for_list
    rows = for_list(connection=customers, filters=ListFilters(kind=kind, sort=sort))
    sql, params = rows[:25].query.sql_with_params()
    explained = explain(sql, params, no_sort=True)
    assert f"customers_{kind}_ownsort_idx" in explained, explained
    if db.vendor == "sqlite":
        assert "TEMP B-TREE" not in explained, explained
    else:
        assert "Sort" not in explained, explained
    # Unknown owners (no agent mirrored here) sort by their id; no owner ("") first ascending.
    model = Contact if kind == "contact" else Account
    expected = sorted(
        model.objects.filter(connection=customers, is_deleted=False),
        key=lambda r: (r.owner_desk_id, r.desk_id),
        reverse=sort.startswith("-"),
    )
    assert [r.desk_id for r in rows] == [r.desk_id for r in expected]
