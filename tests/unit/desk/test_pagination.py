"""Desk client: list iterators walk from/limit pages lazily and stop on 204 or a short page."""

from __future__ import annotations

import httpx
import pytest


def _tickets(start: int, count: int) -> dict:
    return {"data": [{"id": str(start + i), "subject": f"T{start + i}"} for i in range(count)]}


def test_pagination_stops_on_204_no_content(make_client):
    requests = []

    def handler(request):
        requests.append(dict(request.url.params))
        start = int(request.url.params["from"])
        return httpx.Response(200, json=_tickets(start, 100)) if start < 200 else httpx.Response(204)

    tickets = list(make_client(handler).tickets_list())

    assert [t.id for t in tickets] == [str(i) for i in range(200)]
    assert [r["from"] for r in requests] == ["0", "100", "200"]
    assert {r["limit"] for r in requests} == {"100"}


def test_pagination_stops_on_a_short_page(make_client):
    requests = []

    def handler(request):
        requests.append(request)
        start = int(request.url.params["from"])
        return httpx.Response(200, json=_tickets(start, 100 if start == 0 else 42))

    tickets = list(make_client(handler).contacts_list())

    assert len(tickets) == 142
    assert len(requests) == 2


def test_an_empty_list_answered_with_204_is_an_empty_iterator(make_client):
    assert list(make_client(lambda request: httpx.Response(204)).agents_list()) == []


def test_pages_are_fetched_only_as_the_caller_iterates(make_client):
    requests = []

    def handler(request):
        requests.append(request)
        return httpx.Response(200, json=_tickets(int(request.url.params["from"]), 100))

    iterator = make_client(handler).tickets_list()
    assert requests == []

    first = next(iterator)

    assert first.id == "0"
    assert len(requests) == 1


def test_max_items_asks_only_for_what_is_needed(make_client):
    requests = []

    def handler(request):
        requests.append(dict(request.url.params))
        start, limit = int(request.url.params["from"]), int(request.url.params["limit"])
        return httpx.Response(200, json=_tickets(start, limit))

    tickets = list(make_client(handler).tickets_list(max_items=150))

    assert len(tickets) == 150
    assert [(r["from"], r["limit"]) for r in requests] == [("0", "100"), ("100", "50")]


def test_page_size_above_desk_limit_is_refused(make_client):
    with pytest.raises(ValueError, match="page_size"):
        list(make_client(lambda request: httpx.Response(204)).tickets_list(page_size=500))


def test_list_filters_are_sent_in_desk_form_and_unset_ones_not_at_all(make_client):
    seen = {}

    def handler(request):
        seen.update(request.url.params)
        return httpx.Response(204)

    list(
        make_client(handler).tickets_list(
            status=["Open", "On Hold"],
            assignee="Unassigned",
            department_id="11",
            include=["contacts", "assignee"],
            sort_by="-modifiedTime",
        )
    )

    assert seen == {
        "status": "Open,On Hold",
        "assignee": "Unassigned",
        "departmentId": "11",
        "include": "contacts,assignee",
        "sortBy": "-modifiedTime",
        "from": "0",
        "limit": "100",
    }
    assert "sortOrder" not in seen


def test_account_lists_count_from_from_one(make_client):
    """Account.json getAccounts gives ``from`` the default 1: the walk starts there and never repeats a row."""
    requests = []

    def handler(request):
        requests.append(dict(request.url.params))
        start = int(request.url.params["from"])
        return httpx.Response(200, json=_tickets(start - 1, 100 if start == 1 else 30))

    accounts = list(make_client(handler).accounts_list())

    assert [r["from"] for r in requests] == ["1", "101"]
    assert [a.id for a in accounts] == [str(i) for i in range(130)]


@pytest.mark.parametrize("search", ["contacts_search", "accounts_search"])
def test_search_walks_stop_at_from_999_instead_of_asking_for_1000(make_client, search):
    """Search.json caps ``from`` at 999: the last page is asked for at 999, dropping the row already seen."""
    requests = []

    def handler(request):
        start, limit = int(request.url.params["from"]), int(request.url.params["limit"])
        requests.append(start)
        return httpx.Response(200, json=_tickets(start, limit))

    found = list(getattr(make_client(handler), search)(query="acme"))

    assert requests == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999]
    assert [record.id for record in found] == [str(i) for i in range(1099)]
    assert max(requests) <= 999


def test_a_search_walk_with_max_items_never_passes_from_999(make_client):
    requests = []

    def handler(request):
        start, limit = int(request.url.params["from"]), int(request.url.params["limit"])
        requests.append((start, limit))
        return httpx.Response(200, json=_tickets(start, limit))

    found = list(make_client(handler).contacts_search(query="acme", page_size=50, max_items=1020))

    assert requests[-1] == (999, 20)
    assert len(found) == 1019 and len({c.id for c in found}) == 1019
