"""Stale-while-revalidate of the Overview's cards (apps/insights/overview.py, as refresh.py does for the
Insights block): on a busy org (its mirror version moves between views) the Overview serves each card's last
figures with their own "as of" time ("updating…") and queues ONE background recompute per org; the poll swaps
the fresh card in once the task ran. A card's first computation of the day is inline. With the tests'
ImmediateBackend the task runs inside the request, so the page shows the fresh figures at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone

from apps.core.models import OrgMembership
from apps.insights import overview
from apps.insights.tasks import overview_refresh_task
from apps.mirror import freshness
from apps.tickets.models import Ticket
from tests.integration.tickets.conftest import signed_in

PAGE = reverse("core:dashboard")
POLL = reverse("insights:overview_cards")
UPDATING = "updating…"


@pytest.fixture
def manager(connection, manager_user):
    cache.clear()
    OrgMembership.objects.get_or_create(user=manager_user, org_id=connection.org_id)
    _new_ticket(connection, "1")
    return signed_in(manager_user)


@pytest.fixture
def queued(settings):
    """A task backend that keeps what is queued and runs nothing (as the db_worker before it picks it up)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


def _new_ticket(connection, desk_id: str) -> None:
    """A webhook's apply: one more ticket created now, and the mirror's version moves."""
    Ticket.objects.create(
        connection=connection,
        desk_id=desk_id,
        ticket_number=desk_id,
        subject=f"Ticket {desk_id}",
        status="Open",
        status_type="Open",
        created_time=timezone.now(),
        modified_time=timezone.now(),
        due_date=timezone.now() - timedelta(minutes=5),
    )
    freshness.bump(connection.pk)


def _section(response) -> dict:
    if response.context is None:
        return {}
    if "sections" in response.context:  # the Overview page
        return next(s.context for s in response.context["sections"] if "stamp" in s.context)
    return response.context["section"]  # the poll's cards


def _figure(response, key: str):
    return next(f.value for f in _section(response)["cards"][0].figures if f.key == key)


def _ours(backend) -> list:
    """The card recomputes queued (a page may queue other apps' tasks too)."""
    return [r for r in backend.results if r.task.name == overview_refresh_task.name]


def _run(backend) -> None:
    """What the db_worker does: run the queued recomputes, once."""
    for result in _ours(backend):
        result.task.call(*result.args, **result.kwargs)
    backend.clear()


def _poll(client, stamp: str):
    """The page's poll; a minute turning between two requests moves the stamp alone: poll again with it."""
    response = client.get(POLL, {"stamp": stamp}, headers={"HX-Request": "true"})
    if response.status_code == 200 and _section(response)["stamp"].split(":", 1)[1] == stamp.split(":", 1)[1]:
        response = client.get(POLL, {"stamp": _section(response)["stamp"]}, headers={"HX-Request": "true"})
    return response


def test_a_busy_org_gets_the_last_card_at_once_and_one_queued_recompute(manager, connection, queued):
    first = manager.get(PAGE)  # the card's first computation of the day is inline
    assert _figure(first, "created_today") == 1 and _figure(first, "overdue") == 1
    assert UPDATING not in first.content.decode() and not _ours(queued)

    _new_ticket(connection, "2")
    stale = manager.get(PAGE)
    html = stale.content.decode()
    assert _figure(stale, "created_today") == 1 and _figure(stale, "overdue") == 1  # the last figures
    assert UPDATING in html and "data-card-stale" in html  # with their own time
    assert _section(stale)["cards"][0].stale_as_of is not None
    assert len(_ours(queued)) == 1
    # More views and polls while it is queued: served the same card, nothing more queued.
    _new_ticket(connection, "3")
    assert _figure(manager.get(PAGE), "created_today") == 1
    stamp = _section(stale)["stamp"]
    assert _poll(manager, stamp).status_code == 204
    assert len(_ours(queued)) == 1

    _run(queued)  # the worker recomputes; the poll now swaps in the fresh card
    fresh = _poll(manager, stamp)
    assert fresh.status_code == 200
    assert _figure(fresh, "created_today") == 3 and _figure(fresh, "overdue") == 3
    assert UPDATING not in fresh.content.decode()
    assert _section(fresh)["cards"][0].stale_as_of is None

    # The task released its lock: the next change queues the next recompute.
    freshness.bump(connection.pk)
    manager.get(PAGE)
    assert len(_ours(queued)) == 1


def test_a_new_day_is_computed_inline(manager, connection, queued):
    manager.get(PAGE)
    _new_ticket(connection, "2")
    tomorrow = timezone.now() + timedelta(days=1)
    figures = overview.figures_for([connection], now=tomorrow)[connection.pk]
    assert figures.day == timezone.localdate(tomorrow, connection.zone) and figures.open == 2
    assert not overview.is_stale(figures, freshness.version(connection.pk)) and not _ours(queued)


def test_with_tasks_run_at_once_the_card_is_fresh_after_a_change(manager, connection):
    """The tests' ImmediateBackend: the queued recompute runs inside the request that queued it."""
    assert _figure(manager.get(PAGE), "created_today") == 1
    _new_ticket(connection, "2")
    page = manager.get(PAGE)
    assert _figure(page, "created_today") == 2 and UPDATING not in page.content.decode()


def test_a_queue_outage_keeps_serving_the_last_card(manager, connection, monkeypatch):
    assert _figure(manager.get(PAGE), "created_today") == 1

    class Down:
        def enqueue(self, *args, **kwargs):
            raise RuntimeError("queue down")

    monkeypatch.setattr("apps.insights.tasks.overview_refresh_task", Down())
    _new_ticket(connection, "2")
    response = manager.get(PAGE)
    assert response.status_code == 200 and _figure(response, "created_today") == 1
    assert UPDATING in response.content.decode()


def test_the_task_for_an_org_removed_meanwhile_does_nothing_and_releases_its_lock(db):
    cache.set("insights:overview:lock:987654", 1)
    assert overview_refresh_task.call(987654) == {"org": 987654, "version": None}
    assert cache.get("insights:overview:lock:987654") is None
