"""Sync pieces that need no database: raw JSON of typed objects, search terms, walks, labels, credits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.connections.selectors import Freshness, age_words
from apps.desk import types as desk
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


def test_fallback_walks_sort_by_documented_fields_oldest_first():
    assert engine.walk_for("tickets").sort_by == "createdTime"
    assert engine.walk_for("contacts").sort_by == "createdTime"
    assert engine.walk_for("departments").sort_by is None
    assert engine.walk_for("sla_policies", real_forms=False).path == "/sla"
    with pytest.raises(ValueError, match="unknown entity"):
        engine.walk_for("widgets")


def test_fallback_list_pages_count_from_the_operations_first_index():
    """Account.json getAccounts counts ``from`` from 1: the second page of 100 starts at 101, not 100."""
    sent: list[int] = []

    class Run:
        def call(self, entity: str, path: str, params: dict) -> dict:
            sent.append(params["from"])
            return {"data": []}

    for entity, start in (("accounts", 0), ("accounts", 100), ("contacts", 100)):
        engine.SyncRun.fetch(Run(), engine.walk_for(entity), start)  # type: ignore[arg-type]
    assert sent == [1, 101, 100]


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


def test_time_ranges_use_searchs_millisecond_form():
    start = datetime(2026, 11, 5, 0, 0, 0, 123456, tzinfo=UTC)
    assert engine.time_range(start, start) == "2026-11-05T00:00:00.123Z,2026-11-05T00:00:00.123Z"
    assert engine.to_ms(start).microsecond == 123000


class _Connection:
    pk = 1
    org_id = "555"

    def __init__(self, scopes):
        self.scopes = scopes


def test_the_search_scope_is_read_from_the_grant_case_blind():
    assert engine.search_scope_granted(_Connection(["Desk.tickets.ALL", "Desk.search.READ"]))
    assert engine.search_scope_granted(_Connection(["desk.search.all"]))
    assert not engine.search_scope_granted(_Connection(["Desk.tickets.ALL"]))
    assert engine.search_scope_granted(_Connection([]))  # unknown: Desk's 403 decides
