"""Queue URLs: every filter, sort, page and column survives a round trip; bad values are dropped, said so."""

from datetime import date

from django.http import QueryDict

from apps.connections.selectors import Freshness
from apps.tickets.columns import DEFAULT_COLUMNS
from apps.tickets.filters import QueueFilters
from apps.tickets.forms.queue import queue_filters_from


def parse(query: str) -> QueueFilters:
    return queue_filters_from(QueryDict(query))


def test_round_trip_keeps_every_filter():
    query = (
        "q=printer+fire&status=Open&status=On+Hold&priority=High&department=11&assignee=me&team=22"
        "&channel=Email&classification=Problem&overdue=1&due_within=48&created_from=2026-01-01"
        "&created_to=2026-02-01&modified_from=2026-03-01&modified_to=2026-04-01&sort=-due&per_page=50"
        "&col=subject&col=number&page=3"
    )
    filters = parse(query)
    again = parse(filters.to_query())
    assert again == filters
    assert filters.statuses == ["Open", "On Hold"]
    assert filters.created_from == date(2026, 1, 1)
    assert filters.columns == ["number", "subject"]  # the table's order, not the URL's
    assert filters.problems == []


def test_defaults_are_left_out_of_the_url():
    assert parse("").to_query() == ""
    assert parse("sort=-modified&per_page=25&page=1").to_query() == ""


def test_bad_values_are_dropped_and_reported():
    filters = parse(
        "due_within=soon&created_from=yesterday&assignee=%3Cscript%3E&sort=nope&per_page=7&page=-2"
    )
    assert filters.due_within_hours is None
    assert filters.created_from is None
    assert filters.assignee == ""
    assert filters.sort == "-modified"
    assert filters.page_size == 25
    assert filters.page == 1
    assert len(filters.problems) == 3


def test_unknown_priorities_and_columns_are_ignored():
    filters = parse("priority=Sky-high&priority=Low&col=secret")
    assert filters.priorities == ["Low"]
    assert filters.columns == list(DEFAULT_COLUMNS)


def test_sort_link_flips_direction_on_the_sorted_column():
    filters = parse("sort=subject")
    assert "sort=-subject" in filters.sort_query("subject")
    assert "sort=status" in filters.sort_query("status")


def test_search_is_trimmed_and_squeezed():
    assert parse("q=%20%20two%20%20%20words%20").query == "two words"
    assert len(parse("q=" + "x" * 500).query) == 200


def test_freshness_in_words():
    assert Freshness(None, None).label == "not synced yet"
    assert Freshness(None, 14).label == "synced 14 s ago"
    assert Freshness(None, 125).label == "synced 2 min ago"
    assert Freshness(None, 7300).label == "synced 2 h ago"


def test_a_channel_in_another_case_is_shown_with_desks_spelling():
    assert parse("channel=email&classification=PROBLEM").channel == "Email"
    assert parse("channel=email&classification=PROBLEM").classification == "Problem"
    assert parse("channel=Carrier+pigeon").channel == "Carrier pigeon"
