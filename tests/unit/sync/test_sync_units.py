"""Sync pieces that need no database: raw JSON of typed objects, search terms, walks, labels, the budget share."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from apps.desk import types as desk
from apps.sync import engine
from apps.sync.apply import desk_raw, plain_text
from apps.sync.selectors import EntityProgress, Freshness, age_words
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


def test_walks_sort_the_incremental_entities_newest_first():
    assert engine.walk_for("tickets").sort_by == "-modifiedTime"
    assert engine.walk_for("contacts").sort_by == "-modifiedTime"
    assert engine.walk_for("departments").sort_by is None
    assert engine.walk_for("sla_policies", real_forms=False).path == "/sla"
    with pytest.raises(ValueError, match="unknown entity"):
        engine.walk_for("widgets")


def test_freshness_and_progress_labels():
    assert Freshness(synced_at=None, age_seconds=None).label == "never synced"
    assert Freshness(synced_at=datetime.now(UTC), age_seconds=14).label == "synced 14 s ago"
    assert age_words(185) == "3 min" and age_words(7200) == "2 h" and age_words(200_000) == "2 d"
    assert EntityProgress("tickets", "Tickets", done=250, total=1000, status="running").percent == 25
    assert EntityProgress("teams", "Teams", done=3, total=None, status="done").percent == 100


class _Connection:
    pk = 1
    org_id = "555"


class _Run(engine.SyncRun):
    def __init__(self):
        super().__init__(_Connection(), object(), owner="me", report=engine.SyncReport(connection_id=1))


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_sync_waits_for_the_reset_when_its_budget_share_is_spent(fresh_cache, monkeypatch, settings):
    settings.SYNC_BUDGET_SHARE = 0.5
    slept = []
    monkeypatch.setattr(engine, "sleep", slept.append)
    reset_at = time.time() + 20
    cache.set("desk:555:minute", {"limit": 100, "remaining": 50, "reset_at": reset_at}, timeout=120)

    _Run().respect_budget()

    assert len(slept) == 1 and 0 < slept[0] <= 20


def test_the_sync_goes_on_while_more_than_its_share_remains(fresh_cache, monkeypatch):
    slept = []
    monkeypatch.setattr(engine, "sleep", slept.append)
    cache.set("desk:555:minute", {"limit": 100, "remaining": 80, "reset_at": time.time() + 20}, timeout=120)

    _Run().respect_budget()

    assert slept == []


def test_the_sync_counts_its_own_calls_against_its_share(fresh_cache, monkeypatch, settings):
    settings.SYNC_BUDGET_SHARE = 0.1
    slept = []
    monkeypatch.setattr(engine, "sleep", slept.append)
    cache.set("desk:555:minute", {"limit": 100, "remaining": 95, "reset_at": time.time() + 30}, timeout=120)
    run = _Run()
    for _ in range(10):
        run.count_call("tickets")

    run.respect_budget()

    assert len(slept) == 1
    assert run.report.api_calls == 10


def test_a_long_wait_pauses_the_run_instead_of_sleeping(fresh_cache, monkeypatch, settings):
    settings.SYNC_MAX_BUDGET_WAIT_SECONDS = 5
    monkeypatch.setattr(engine, "sleep", lambda s: pytest.fail("must not sleep"))
    cache.set("desk:555:minute", {"limit": 100, "remaining": 0, "reset_at": time.time() + 40}, timeout=120)

    with pytest.raises(engine.SyncPaused) as paused:
        _Run().respect_budget()

    assert paused.value.retry_at > datetime.now(UTC) + timedelta(seconds=30)
