"""A queue search finds the same tickets, in the same order, whichever plan the probe picks: a broad search
(walk the sort's index, keep the matches) and a narrow one (read the matches, sort them), on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.http import QueryDict

from apps.connections.models import DeskConnection
from apps.desk import types as desk
from apps.tickets.forms.queue import queue_filters_from
from apps.tickets.mirror import mirror_apply_tickets
from apps.tickets.selectors import queue as queue_selectors

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
WORDS = ["invoice", "refund", "login", "printer"]


@pytest.fixture
def connection():
    cache.clear()
    connection = DeskConnection.objects.create(
        org_id="85001",
        org_name="Search Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.F",
    )
    mirror_apply_tickets(
        connection,
        [
            {
                "id": str(8000 + n),
                "ticketNumber": str(n),
                "subject": f"{WORDS[n % 4]} {WORDS[(n // 4) % 4]} case {n}",
                "status": "Open",
                "statusType": "Open",
                "priority": ["Low", "High"][n % 2],
                "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=(n * 7) % 60)),
            }
            for n in range(1, 61)
        ],
    )
    yield connection
    cache.clear()


def found(connection, query: str) -> list[str]:
    filters = queue_filters_from(QueryDict(query))
    return list(
        queue_selectors.tickets_for_queue(connection=connection, filters=filters).values_list(
            "desk_id", flat=True
        )
    )


@pytest.mark.parametrize(
    "query", ["q=invoice", "q=invoice+refund", "q=zzz", "q=printer&sort=-priority", "q=7"]
)
def test_broad_and_narrow_plans_find_the_same_tickets_in_the_same_order(connection, monkeypatch, query):
    narrow = found(connection, query)  # 60 tickets: every search is "narrow" under the real limit
    cache.clear()
    monkeypatch.setattr(queue_selectors, "FTS_DRIVE_LIMIT", 1)  # now every search with a match is "broad"
    broad = found(connection, query)
    assert broad == narrow
    if query in ("q=invoice", "q=invoice+refund", "q=printer&sort=-priority"):
        assert narrow  # the words are there
    if query == "q=zzz":
        assert narrow == []
