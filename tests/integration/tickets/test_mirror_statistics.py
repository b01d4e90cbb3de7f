"""Planner statistics after a large apply (issue 18): the apply only counts rows and, once enough changed, queues
a background task; no request (a sync page, a webhook, a write) runs ANALYZE itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.tasks import default_task_backend

from apps.connections.models import DeskConnection
from apps.desk import types as desk
from apps.tickets import maintenance
from apps.tickets.mirror import mirror_apply_tickets
from apps.tickets.tasks import mirror_analyze_task

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def ticket_json(n: int) -> dict:
    return {
        "id": str(7000 + n),
        "ticketNumber": str(n),
        "subject": f"Ticket {n}",
        "status": "Open",
        "statusType": "Open",
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=n)),
    }


@pytest.fixture
def connection():
    cache.clear()
    yield DeskConnection.objects.create(
        org_id="84001",
        org_name="Stats Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.S",
    )
    cache.clear()


def test_a_large_apply_queues_the_analyze_task_and_runs_none_itself(
    connection, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    analyzed = []
    monkeypatch.setattr(maintenance, "ANALYZE_AFTER_ROWS", 10)
    monkeypatch.setattr(maintenance, "mirror_analyze", lambda **kwargs: analyzed.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(6)])  # 6 rows: not yet
    assert default_task_backend.results == []
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(10, 16)])  # 12 in all: due
    assert analyzed == []  # the apply (a request, a sync page) did not analyze
    [queued] = default_task_backend.results
    assert queued.task.name == mirror_analyze_task.name
    # Counting starts again: the next few rows queue nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        mirror_apply_tickets(connection, [ticket_json(n) for n in range(20, 26)])
    assert len(default_task_backend.results) == 1
    # The worker runs it.
    assert mirror_analyze_task.call() == {"analyzed": True, "tables": list(maintenance.TABLES)}
    assert len(analyzed) == 1


def test_the_task_analyzes_for_real_and_a_failure_is_logged_not_raised(monkeypatch, caplog):
    assert mirror_analyze_task.call()["analyzed"] is True  # ANALYZE / VACUUM (ANALYZE) on this database

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(maintenance, "mirror_analyze", broken)
    assert mirror_analyze_task.call() == {"analyzed": False}
    assert "ANALYZE of the ticket mirror failed" in caplog.text
