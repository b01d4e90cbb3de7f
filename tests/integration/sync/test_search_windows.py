"""The sync through search by time windows, against the sandbox: crowded instants, credits, the fallback."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.mirror import apply
from apps.sync import engine
from apps.sync.engine import sync_run
from apps.sync.models import SyncCheckpoint, SyncState
from apps.tickets.models import Ticket

from .conftest import SCOPES, seed_tickets_at

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _sandbox_ticket_ids(org) -> set[str]:
    from apps.sandbox import models as sandbox

    return {
        str(pk)
        for pk in sandbox.Ticket.objects.filter(org=org, is_trashed=False).values_list("pk", flat=True)
    }


def _mirrored_ids(world) -> set[str]:
    rows = Ticket.objects.filter(connection=world.connection, is_deleted=False).values_list(
        "desk_id", flat=True
    )
    return set(rows)


def _ticket_queries(world) -> list[str]:
    from apps.sandbox.models import RequestLog

    return list(RequestLog.objects.filter(path__endswith="/tickets/search").values_list("query", flat=True))


def _max_from(queries: list[str]) -> int:
    starts = [int(part[5:]) for q in queries for part in q.split("&") if part.startswith("from=")]
    return max(starts, default=0)


def test_five_thousand_tickets_created_within_one_second_sync_completely(make_world):
    world = make_world(tickets=10)
    second = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    seed_tickets_at(world.org, count=5_000, start=second, spread_ms=1_000)

    report = sync_run(world.connection)

    assert report.finished, report.error
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
    queries = _ticket_queries(world)
    # The second is split at each page's last millisecond; `from` only skips the few already read there.
    assert _max_from(queries) <= 10
    assert report.entities["tickets"].api_calls <= math.ceil(5_010 / 100) + 2
    assert world.meter.unweighted == 0 or world.credits == 0


def test_more_tickets_in_one_millisecond_than_a_window_holds_are_read_from_both_ends(make_world):
    world = make_world(tickets=10)
    instant = timezone.now() - timedelta(days=2)
    seed_tickets_at(world.org, count=1_500, start=instant, spread_ms=0)

    report = sync_run(world.connection)

    assert report.finished, report.error
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
    queries = _ticket_queries(world)
    assert _max_from(queries) <= engine.SEARCH_MAX_FROM  # Search.json: `from` at most 999
    assert any("sortBy=-createdTime" in q for q in queries)  # the descending read from the other end


def test_over_two_thousand_in_one_millisecond_are_read_per_department(make_world):
    world = make_world(tickets=10)
    instant = timezone.now() - timedelta(days=2)
    seed_tickets_at(world.org, count=2_300, start=instant, spread_ms=0)

    report = sync_run(world.connection)

    assert report.finished, report.error
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
    queries = _ticket_queries(world)
    assert _max_from(queries) <= engine.SEARCH_MAX_FROM
    assert any("departmentId=" in q for q in queries)


def test_a_crash_inside_a_crowded_millisecond_resumes_in_that_millisecond(make_world, monkeypatch):
    world = make_world(tickets=10)
    instant = timezone.now() - timedelta(days=2)
    seed_tickets_at(world.org, count=1_300, start=instant, spread_ms=0)
    real_apply = apply.apply_objects
    pages = {"n": 0}

    def crash_on_the_eighth_ticket_page(connection, entity, items, **kwargs):
        if entity == "tickets" and items:
            pages["n"] += 1
            if pages["n"] == 8:
                raise RuntimeError("worker killed")
        return real_apply(connection, entity, items, **kwargs)

    monkeypatch.setattr(apply, "apply_objects", crash_on_the_eighth_ticket_page)
    with pytest.raises(RuntimeError):
        sync_run(world.connection)
    checkpoint = SyncCheckpoint.objects.get(connection=world.connection, entity="tickets")
    # The checkpoint is inside the millisecond: its window, the offset reached in it, the ids read there.
    assert checkpoint.status == SyncCheckpoint.Status.RUNNING
    assert checkpoint.cursor["offset"] >= 500 and len(checkpoint.cursor["read"]) >= 500

    monkeypatch.setattr(apply, "apply_objects", real_apply)
    world.clear_log()
    report = sync_run(world.connection)

    assert report.finished, report.error
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
    # The rest of the millisecond (up to from=900, then from its other end), not the whole walk again,
    # then one counted check (the walk spanned a crash: was anything deleted meanwhile?).
    assert report.entities["tickets"].api_calls <= 10


def test_incremental_sync_with_nothing_changed_is_one_call_of_three_credits(make_world):
    world = make_world(tickets=1_200)
    assert sync_run(world.connection).finished
    assert sync_run(world.connection).finished  # absorbs what changed during the initial walk, if anything
    world.clear_log()

    report = sync_run(world.connection)

    assert report.finished and report.mode == "incremental", report.error
    assert world.calls_by_path() == {"/tickets/search": 1}
    assert "modifiedTimeRange=" in _ticket_queries(world)[0]
    assert world.meter.calls == 1
    assert world.meter.unweighted == 1 or world.credits == 3


def test_a_full_sync_costs_within_five_percent_of_the_floor(make_world):
    world = make_world(tickets=3_000)

    report = sync_run(world.connection)

    assert report.finished, report.error
    ticket_calls = report.entities["tickets"].api_calls
    floor = 3 * math.ceil(3_000 / 100)
    # Every search call is in the 3-credit band; the one extra call is the watermark probe.
    assert _max_from(_ticket_queries(world)) <= engine.SEARCH_MAX_FROM
    assert 3 * ticket_calls <= 1.05 * floor
    assert world.meter.unweighted or world.credits <= 1.05 * world.meter.calls * 3


def test_a_deleted_ticket_is_found_by_counting_windows_not_by_walking_everything(make_world):
    from apps.sandbox import models as sandbox

    world = make_world(tickets=10)
    start = (timezone.now() - timedelta(days=40)).replace(microsecond=0)
    seed_tickets_at(world.org, count=8_000, start=start, spread_ms=30 * 86_400_000)
    assert sync_run(world.connection).finished
    gone = list(sandbox.Ticket.objects.filter(org=world.org).order_by("?").values_list("pk", flat=True)[:2])
    sandbox.Ticket.objects.filter(pk__in=gone).update(is_trashed=True)
    SyncState.objects.filter(connection=world.connection).update(count_checked_at=None)
    world.clear_log()

    report = sync_run(world.connection)

    assert report.finished, report.error
    deleted = set(
        Ticket.objects.filter(connection=world.connection, is_deleted=True).values_list("desk_id", flat=True)
    )
    assert deleted == {str(pk) for pk in gone}
    assert report.entities["tickets"].deleted == 2
    # Halving the created-time range where the counts differ: about 2 calls a level for each deletion,
    # against the 81 pages of a full walk.
    calls = world.calls_by_path()["/tickets/search"]
    assert calls <= 1 + 1 + 2 * 2 * math.ceil(math.log2(8_010 / 100)) + 2


def test_nothing_deleted_costs_one_counted_search_call(make_world):
    world = make_world(tickets=500)
    assert sync_run(world.connection).finished
    assert sync_run(world.connection).finished
    SyncState.objects.filter(connection=world.connection).update(count_checked_at=None)
    world.clear_log()

    assert sync_run(world.connection).finished
    assert world.calls_by_path() == {"/tickets/search": 2}  # the incremental one and the count check


def test_without_the_search_scope_the_sync_falls_back_to_lists_and_the_page_says_what_it_costs(
    make_world, client, admin_user
):
    scopes = ",".join(s for s in SCOPES.split(",") if s != "Desk.search.READ")
    world = make_world(tickets=450, scopes=scopes)

    report = sync_run(world.connection)

    assert report.finished and report.search_fallback, report.error
    calls = world.calls_by_path()
    assert not any(path.endswith("/search") for path in calls)
    assert calls["/tickets"] == 5
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
    from apps.sandbox.models import RequestLog

    queries = RequestLog.objects.filter(path__endswith="/tickets").values_list("query", flat=True)
    assert all("sortBy=createdTime" in q for q in queries)

    world.clear_log()
    assert sync_run(world.connection).finished  # incremental through the documented list sorts
    assert set(world.calls_by_path()) == {"/tickets"}

    client.force_login(admin_user)
    page = client.get(f"/connections/{world.connection.pk}/")
    text = page.content.decode()
    assert "Search scope missing: a full sync of 450 tickets costs ~15 API credits instead of ~15" in text
    assert "Desk.search.READ" in text


def test_a_search_refused_by_desk_switches_the_run_to_the_fallback(make_world):
    from apps.sandbox.models import AccessToken

    world = make_world(tickets=150)
    # The grant says search, but Desk's token does not carry it: Desk answers 403 SCOPE_MISMATCH.
    for token in AccessToken.objects.all():
        token.scopes = [s for s in token.scopes if s.lower() != "desk.search.read"]
        token.save()

    report = sync_run(world.connection)

    assert report.finished and report.search_fallback, report.error
    assert SyncState.objects.get(connection=world.connection).search_refused_at is not None
    assert _mirrored_ids(world) == _sandbox_ticket_ids(world.org)
