"""Bulk actions: the cost shown before, then a background job with per-ticket outcomes and retries."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.tickets.models import BulkJob, Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def open_ids(world, n):
    return list(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .order_by("desk_id")
        .values_list("desk_id", flat=True)[:n]
    )


def test_bulk_close_shows_cost_then_closes_each_ticket(world, member, manager_user):
    ids = open_ids(world, 5)
    client = member(manager_user)
    response = client.post(reverse("tickets:bulk_create"), {"action": "close", "ticket": ids})
    assert response.status_code == 302
    job = BulkJob.objects.get()
    review = client.get(response["Location"])
    assert "5 tickets: about 5 API credits" in review.content.decode()
    assert "1 per ticket, or 1 for a single updateMany" in review.content.decode()
    assert world.api_calls() == 0

    client.post(reverse("tickets:bulk_start", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.succeeded, job.failed) == ("done", 5, 0)
    assert world.api_calls() == 5
    assert set(Ticket.objects.filter(desk_id__in=ids).values_list("status", flat=True)) == {"Closed"}
    assert AuditEntry.objects.filter(action="ticket.bulk.close", outcome="success").count() == 5
    page = client.get(reverse("tickets:bulk", args=[job.pk])).content.decode()
    assert "5 of 5" in page
    assert page.count('data-item-outcome="success"') == 5


def test_bulk_all_matching_uses_the_filter(world, member, manager_user):
    client = member(manager_user)
    expected = Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False).count()
    client.post(
        reverse("tickets:bulk_create"),
        {"action": "priority", "priority": "Low", "all_matching": "1", "filter_query": "status=Open"},
    )
    job = BulkJob.objects.get()
    assert job.total == expected
    assert world.api_calls() == 0


def test_failures_are_listed_and_can_be_retried(world, member, manager_user):
    from apps.sandbox.models import Agent as SandboxAgent
    from apps.team.models import Agent

    ids = open_ids(world, 3)
    agent = Agent.objects.filter(connection=world.connection).first()
    SandboxAgent.objects.filter(pk=int(agent.desk_id)).update(status="DISABLED")
    client = member(manager_user)
    client.post(
        reverse("tickets:bulk_create"), {"action": "assign", "assignee": agent.desk_id, "ticket": ids}
    )
    job = BulkJob.objects.get()
    client.post(reverse("tickets:bulk_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.failed == 3
    page = client.get(reverse("tickets:bulk", args=[job.pk])).content.decode()
    assert "Retry the 3 failed (about 3 credits)" in page

    SandboxAgent.objects.filter(pk=int(agent.desk_id)).update(status="ACTIVE")
    client.post(reverse("tickets:bulk_start", args=[job.pk]), {"retry": "1"})
    job.refresh_from_db()
    assert (job.succeeded, job.failed) == (3, 0)


def test_agents_cannot_run_bulk_actions(world, member, agent_user):
    response = member(agent_user).post(
        reverse("tickets:bulk_create"), {"action": "close", "ticket": open_ids(world, 1)}
    )
    assert response.status_code == 403


def test_bulk_without_tickets_is_refused_with_a_message(world, member, manager_user):
    response = member(manager_user).post(reverse("tickets:bulk_create"), {"action": "close"}, follow=True)
    assert "Select at least one ticket." in response.content.decode()
    assert not BulkJob.objects.exists()


def test_bulk_status_without_a_status_or_an_unknown_action_is_refused_with_a_message(
    world, member, manager_user
):
    client = member(manager_user)
    ids = open_ids(world, 2)
    response = client.post(reverse("tickets:bulk_create"), {"action": "status", "ticket": ids}, follow=True)
    assert "Choose the status to set." in response.content.decode()
    response = client.post(reverse("tickets:bulk_create"), {"action": "explode", "ticket": ids}, follow=True)
    assert "Choose what to do with the tickets." in response.content.decode()
    assert not BulkJob.objects.exists()
