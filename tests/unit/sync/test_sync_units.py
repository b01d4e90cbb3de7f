"""Sync pieces that need no database: raw JSON of typed objects, search terms, walks, labels, credits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.connections.models import DeskConnection
from apps.connections.selectors import Freshness, age_words
from apps.desk import types as desk
from apps.desk.types import ListPage
from apps.mirror.apply import desk_raw, plain_text
from apps.sync import engine
from apps.sync.selectors import EntityProgress
from apps.tickets.selectors import search_terms


def test_desk_raw_of_a_typed_ticket_round_trips_through_from_desk():
    source = {
        "id": "7",
        "subject": "Hi",
        "assigneeId": None,
        "modifiedTime": "2026-11-25T10:00:00.000Z",
        "customThing": "kept",
    }
    ticket = desk.Ticket.from_desk(source)

    raw = desk_raw(ticket)

    assert raw["subject"] == "Hi" and raw["assigneeId"] is None
    assert raw["modifiedTime"] == "2026-11-25T10:00:00.000Z"
    assert raw["customThing"] == "kept"
    assert "contact" not in raw  # an include=… object that was not sent is absent, not cleared
    assert desk.Ticket.from_desk(raw) == ticket


def test_desk_raw_uses_desk_names_for_aliased_fields():
    agent = desk.Agent.from_desk({"id": "1", "emailId": "a@example.com"})
    assert desk_raw(agent)["emailId"] == "a@example.com"


def test_plain_text_drops_tags_and_decodes_entities():
    assert plain_text("<div><p>Fish &amp; chips</p>\n<b>now</b></div>") == "Fish & chips now"
    assert plain_text(None) == ""


def test_search_terms_keep_words_and_drop_query_syntax():
    assert search_terms('printer "OR" NEAR(x*) -fire') == ["printer", "OR", "NEAR", "x", "fire"]
    assert search_terms("   ") == []
    assert len(search_terms("a " * 50)) == 8


class _PageRecorder:
    """A Desk client stand-in: records which page method the run called, with what."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):
        def page(**kwargs):
            self.calls.append((name, kwargs))
            return ListPage(items=[])

        return page


def _run_with(client: _PageRecorder) -> engine.SyncRun:
    run = engine.SyncRun.__new__(engine.SyncRun)
    run.client = client  # type: ignore[assignment]
    run._before_call = lambda entity: None  # type: ignore[method-assign]  (no lease in a unit test)
    return run


def test_fallback_walks_sort_by_documented_fields_oldest_first():
    client = _PageRecorder()
    run = _run_with(client)
    for entity in ("tickets", "contacts", "accounts", "departments", "teams", "sla_policies"):
        run.fetch(entity, 100)
    run.fetch("tickets", 0, sort_by="-recentThread")

    assert client.calls == [
        ("tickets_list_page", {"sort_by": "createdTime", "offset": 100, "limit": 100}),
        ("contacts_list_page", {"sort_by": "createdTime", "offset": 100, "limit": 100}),
        # The records walked so far: the client adds Account.json's first `from` (1).
        ("accounts_list_page", {"sort_by": "createdTime", "offset": 100, "limit": 100}),
        ("departments_list_page", {"offset": 100, "limit": 100}),
        ("teams_list_page", {}),
        ("sla_policies_list_page", {}),
        ("tickets_list_page", {"sort_by": "-recentThread", "offset": 0, "limit": 100}),
    ]
    with pytest.raises(ValueError, match="unknown entity"):
        run.fetch("widgets", 0)


def test_searches_go_through_the_clients_search_pages_with_one_time_range():
    client = _PageRecorder()
    run = _run_with(client)
    start = datetime(2026, 11, 5, 0, 0, 0, 123000, tzinfo=UTC)
    end = datetime(2026, 11, 6, tzinfo=UTC)

    run.search("tickets", field_name="createdTime", start=start, end=end, offset=900, department_id="9")
    run.search("accounts", field_name="modifiedTime", start=start, end=end, descending=True)

    assert client.calls == [
        (
            "tickets_search_page",
            {
                "created_time_range": (start, end),
                "modified_time_range": None,
                "sort_by": "createdTime",
                "department_id": "9",
                "from_index": 900,
                "limit": 100,
            },
        ),
        (
            "accounts_search_page",
            {
                "created_time_range": None,
                "modified_time_range": (start, end),
                "sort_by": "-modifiedTime",
                "from_index": 0,
                "limit": 100,
            },
        ),
    ]
    with pytest.raises(ValueError, match="no search"):
        run.search("agents", field_name="createdTime", start=start, end=end)


def test_freshness_and_progress_labels():
    assert Freshness(synced_at=None, age_seconds=None).label == "not synced yet"
    assert Freshness(synced_at=datetime.now(UTC), age_seconds=14).label == "synced 14 s ago"
    assert age_words(185) == "3 min" and age_words(7200) == "2 h" and age_words(200_000) == "2 d"
    assert EntityProgress("tickets", "Tickets", done=250, total=1000, status="running").percent == 25
    assert EntityProgress("teams", "Teams", done=3, total=None, status="done").percent == 100


def test_offset_weights_follow_desks_credit_table():
    assert [engine.offset_weight(f) for f in (0, 2_000, 2_100, 10_000, 10_100, 50_100, 100_100)] == [
        3,
        3,
        5,
        5,
        10,
        50,
        100,
    ]


def test_full_sync_credits_by_search_and_by_plain_offsets():
    assert engine.full_sync_credits(10_000, search=True) == 300
    assert engine.full_sync_credits(100_000, search=True) == 3_000
    # Plain offsets: 21 pages at 3, then 80 at 5 (up to 10,000)...
    assert engine.full_sync_credits(10_000, search=False) == 21 * 3 + 79 * 5
    assert engine.full_sync_credits(100_000, search=False) > 25_000


def test_times_are_cut_to_desks_milliseconds():
    # (The client sends ranges in Search.json's millisecond form: tests/unit/desk/test_operations.py.)
    start = datetime(2026, 11, 5, 0, 0, 0, 123456, tzinfo=UTC)
    assert engine.to_ms(start).microsecond == 123000


def _connection(scopes: list[str]) -> DeskConnection:
    return DeskConnection(pk=1, org_id="555", scopes=scopes)


def test_the_search_scope_is_read_from_the_grant_case_blind():
    assert engine.search_scope_granted(_connection(["Desk.tickets.ALL", "Desk.search.READ"]))
    assert engine.search_scope_granted(_connection(["desk.search.all"]))
    assert not engine.search_scope_granted(_connection(["Desk.tickets.ALL"]))
    assert engine.search_scope_granted(_connection([]))  # unknown: Desk's 403 decides
