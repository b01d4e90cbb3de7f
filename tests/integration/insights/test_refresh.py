"""Stale-while-revalidate of the metrics block (apps/insights/refresh.py): on a busy org (its mirror version
moves between views) a view serves the last block computed, with its own "As of" time, and queues ONE
background recompute; the poll swaps the fresh block in once the task ran. With the tests' ImmediateBackend
the task runs inside the request, so the page shows the fresh figures at once (deterministic)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone

from apps.core.models import OrgMembership
from apps.insights import refresh
from apps.insights.tasks import insights_refresh_task
from apps.mirror import freshness
from apps.tickets.models import Ticket
from tests.integration.insights.mirror import build
from tests.integration.tickets.conftest import signed_in

PAGE = reverse("insights:dashboard") + "?range=30d"
SEVEN = "Of 7 tickets created in the range"
EIGHT = "Of 8 tickets created in the range"


@pytest.fixture
def manager(connection, manager_user):
    build(connection)
    OrgMembership.objects.get_or_create(user=manager_user, org_id=connection.org_id)
    return signed_in(manager_user)


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """The stamp's minute held still, so a minute turning during a test does not move it."""
    from apps.insights import metrics

    stamp, held = metrics.stamp, timezone.now()
    monkeypatch.setattr(metrics, "stamp", lambda connections, now: stamp(connections, held))


@pytest.fixture
def queued(settings):
    """A task backend that keeps what is queued and runs nothing (as the db_worker before it picks it up)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


def _new_ticket(connection) -> None:
    """A webhook's apply: one more ticket created now, and the mirror's version moves."""
    Ticket.objects.create(
        connection=connection,
        desk_id="9999",
        ticket_number="99",
        subject="Fresh one",
        status="Open",
        status_type="Open",
        created_time=timezone.now(),
        modified_time=timezone.now(),
    )
    freshness.bump(connection.pk)


def _stamp(html: str) -> str:
    return html.split('data-stamp="', 1)[1].split('"', 1)[0]


def _ours(backend) -> list:
    """The recomputes queued (a page may queue other apps' tasks too, e.g. the sync tick)."""
    return [r for r in backend.results if r.task.name == insights_refresh_task.name]


def _run(backend) -> None:
    """What the db_worker does: run the queued recomputes, once."""
    for result in _ours(backend):
        result.task.call(*result.args, **result.kwargs)
    backend.clear()


def test_a_busy_org_gets_the_last_block_at_once_and_one_queued_recompute(manager, connection, queued):
    first = manager.get(PAGE).content.decode()  # the very first view computes inline
    assert SEVEN in first and "newer figures are being computed" not in first and not _ours(queued)
    old_stamp = _stamp(first)

    _new_ticket(connection)
    stale = manager.get(PAGE).content.decode()
    assert SEVEN in stale and _stamp(stale) == old_stamp  # the last block, with its own stamp and time
    assert "newer figures are being computed" in stale
    assert len(_ours(queued)) == 1
    # More views and polls while it is queued: served the same block, nothing more queued.
    manager.get(PAGE)
    poll = reverse("insights:metrics") + "?range=30d&since=" + old_stamp
    assert manager.get(poll).status_code == 204
    assert len(_ours(queued)) == 1

    _run(queued)  # the worker recomputes; the poll now swaps in the fresh block
    fresh = manager.get(poll)
    assert fresh.status_code == 200 and EIGHT in fresh.content.decode()
    assert _stamp(fresh.content.decode()) != old_stamp
    assert "newer figures are being computed" not in fresh.content.decode()

    # The task released its lock: the next change queues the next recompute.
    freshness.bump(connection.pk)
    manager.get(PAGE)
    assert len(_ours(queued)) == 1


def test_the_task_refreshes_the_very_block_the_view_reads_whatever_the_url(manager, connection, queued):
    url = reverse("insights:dashboard") + (
        "?org=abc&range=custom&start=2026-12-01&end=2026-11-02&channel=%20email%20&agent=unassigned&x=1"
    )
    assert manager.get(url).status_code == 200
    _new_ticket(connection)
    assert "newer figures are being computed" in manager.get(url).content.decode()
    assert len(_ours(queued)) == 1
    _run(queued)
    assert "newer figures are being computed" not in manager.get(url).content.decode()
    assert not _ours(queued)


def test_every_filter_set_has_its_own_block_and_its_first_view_computes_inline(manager, connection, queued):
    assert SEVEN in manager.get(PAGE).content.decode()
    _new_ticket(connection)
    # Another filter set was never computed: computed in the request, fresh, nothing queued for it.
    other = manager.get(reverse("insights:dashboard") + "?range=30d&channel=Email").content.decode()
    assert "newer figures are being computed" not in other and not _ours(queued)


def test_with_tasks_run_at_once_the_page_is_fresh_after_a_change(manager, connection):
    """The tests' ImmediateBackend: the queued recompute runs inside the request that queued it."""
    assert SEVEN in manager.get(PAGE).content.decode()
    _new_ticket(connection)
    page = manager.get(PAGE).content.decode()
    assert EIGHT in page and "newer figures are being computed" not in page


def test_a_queue_outage_keeps_serving_the_last_block(manager, connection, monkeypatch):
    assert SEVEN in manager.get(PAGE).content.decode()

    class Down:
        def enqueue(self, *args, **kwargs):
            raise RuntimeError("queue down")

    monkeypatch.setattr("apps.insights.tasks.insights_refresh_task", Down())
    _new_ticket(connection)
    response = manager.get(PAGE)
    assert response.status_code == 200 and SEVEN in response.content.decode()


def test_the_task_for_an_org_removed_meanwhile_does_nothing_and_releases_its_lock(connection):
    cache.clear()
    assert refresh.refresh([connection.pk, 987654], "org=all&range=7d") is None
    assert insights_refresh_task.call([987654], "org=987654&range=7d") == {"orgs": [987654], "stamp": None}


def test_the_database_queue_takes_the_recompute_and_its_worker_runs_it(manager, connection, settings):
    """With the deployment's backend (django_tasks_db) the view queues a row; running it (as ``db_worker``
    does) refreshes the block."""
    from django_tasks_db.models import DBTaskResult

    assert SEVEN in manager.get(PAGE).content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _new_ticket(connection)
    assert SEVEN in manager.get(PAGE).content.decode()
    rows = DBTaskResult.objects.filter(task_path="apps.insights.tasks.insights_refresh_task")
    assert rows.count() == 1
    row = rows.get()
    insights_refresh_task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    assert EIGHT in manager.get(PAGE).content.decode()
