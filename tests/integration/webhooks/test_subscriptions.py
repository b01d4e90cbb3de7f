"""Subscriptions and the Webhooks page: edition limits, re-subscription after Desk deleted DeskAdmin's webhook,
the sync scheduler's interplay (healthy webhooks: poll less; a gap: sync now), the page's writes with Desk's
errors on the form, the delivery log's filters and replay, and the version stamp open pages poll."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.mirror import freshness
from apps.tickets.models import Ticket
from apps.webhooks import services
from apps.webhooks.models import Delivery, Subscription
from tests.integration.webhooks.conftest import ticket_event

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _admin_client(admin_user, world) -> Client:
    from apps.connections.selectors import SESSION_KEY

    client = Client()
    client.force_login(admin_user)
    session = client.session
    session[SESSION_KEY] = world.connection.pk
    session.save()
    return client


def _set_edition(world, edition: str) -> None:
    from apps.sandbox.models import Org

    Org.objects.filter(pk=world.org.pk).update(edition=edition)
    world.connection.edition = edition
    world.connection.save(update_fields=["edition"])


@pytest.mark.parametrize("edition", ["free", "standard"])
def test_editions_without_webhooks_are_told_plainly_with_the_polling_cost(world, admin_user, edition):
    _set_edition(world, edition)
    with pytest.raises(services.WebhooksError) as refused:
        services.subscription_ensure(connection=world.connection, actor=admin_user)
    minutes = django_settings.SYNC_INTERVAL_SECONDS // 60
    assert "has no webhooks" in str(refused.value) and f"polling every {minutes} minutes" in str(
        refused.value
    )
    assert f"{services.polling_cost_per_day():,} API credits a day" in str(refused.value)
    page = _admin_client(admin_user, world).get(reverse("webhooks:list")).content.decode()
    assert "has no webhooks" in page and "Subscribe the mirror" not in page


def test_professional_edition_stops_at_five_enabled_webhooks(world, admin_user):
    from apps.sandbox.models import Webhook, next_id

    _set_edition(world, "professional")
    for n in range(4):  # four others' webhooks, plus DeskAdmin's: five enabled
        Webhook.objects.create(
            id=next_id(world.org), org=world.org, name=f"other {n}", url="https://x.test/h"
        )
    services.webhooks_refresh(connection=world.connection)
    values = services.WebhookValues("sixth", "https://x.test/six", "", {"Ticket_Add": None}, True)
    with pytest.raises(services.WebhooksError, match="allows 5 enabled webhooks"):
        services.webhook_create(connection=world.connection, actor=admin_user, values=values)
    assert Webhook.objects.filter(org=world.org).count() == 5


def test_a_webhook_deleted_on_desk_is_detected_and_resubscribed_in_one_click(world, admin_user):
    from apps.sandbox.models import Webhook
    from apps.sync import engine, scheduler
    from apps.sync.models import SyncState

    Webhook.objects.filter(pk=int(world.webhook_id)).delete()  # an admin deleted it in Desk's UI
    lost = services.webhooks_refresh(connection=world.connection)
    assert [s.desk_id for s in lost] == [world.webhook_id]
    assert Subscription.objects.get(desk_id=world.webhook_id).status == "missing"
    # A gap: the scheduler runs a sync now, though the next one was not due for a while.
    state = engine.sync_state_for(world.connection)
    SyncState.objects.filter(pk=state.pk).update(next_run_at=timezone.now() + timedelta(hours=1))
    assert freshness.sync_gap(world.connection) is not None
    assert world.connection in scheduler.connections_due()
    client = _admin_client(admin_user, world)
    page = client.get(reverse("webhooks:list")).content.decode()
    assert "Re-subscribe" in page and "deleted on desk" in page.lower()
    response = client.post(reverse("webhooks:subscribe"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Subscribed" in response.headers["HX-Trigger"]
    ours = Subscription.objects.get(connection=world.connection, status="active")
    assert Webhook.objects.get(pk=int(ours.desk_id)).is_enabled
    # Once a sync ran after the gap, webhooks are healthy again and polling slows down.
    world.connection.last_synced_at = timezone.now() + timedelta(seconds=1)
    world.connection.save(update_fields=["last_synced_at"])
    assert freshness.sync_gap(world.connection) is None


def test_healthy_webhooks_let_the_scheduled_sync_wait_longer(world):
    from apps.sync import engine, scheduler
    from apps.sync.models import SyncState

    ticket = Ticket.objects.filter(connection=world.connection).first()
    assert world.post([ticket_event({**ticket.raw, "subject": "fresh"})]).status_code == 200
    delay = django_settings.WEBHOOKS_SYNC_INTERVAL_SECONDS - django_settings.SYNC_INTERVAL_SECONDS
    assert freshness.sync_delay_seconds(world.connection) == delay > 0
    state = engine.sync_state_for(world.connection)
    world.connection.last_synced_at = timezone.now()
    world.connection.save(update_fields=["last_synced_at"])
    SyncState.objects.filter(pk=state.pk).update(
        next_run_at=timezone.now() - timedelta(seconds=1), last_started_at=timezone.now()
    )
    assert world.connection not in scheduler.connections_due()
    assert world.connection in scheduler.connections_due(now=timezone.now() + timedelta(seconds=delay + 1))
    # A rejected delivery makes the webhooks unhealthy: polling goes back to its usual pace.
    assert world.post([ticket_event(ticket.raw)], token="bad").status_code == 401
    assert freshness.sync_delay_seconds(world.connection) == 0


def test_page_creates_edits_disables_and_deletes_with_desks_errors_on_the_form(world, admin_user):
    from apps.sandbox.models import Webhook

    client = _admin_client(admin_user, world)
    htmx = {"HX-Request": "true"}
    form = {
        "name": "Ops feed",
        "url": "http://127.0.0.1:9/nobody-listens",
        "events": ["Ticket_Add", "Ticket_Update"],
        "department_ids": str(world.org.departments.first().pk),
        "update_fields": "status, priority",
        "include_prev_state": "on",
        "is_enabled": "on",
    }
    refused = client.post(reverse("webhooks:create"), form, headers=htmx).content.decode()
    assert "did not answer 200 OK" in refused  # Desk's URL check, on the URL field
    assert not Webhook.objects.filter(name="Ops feed").exists()
    form["url"] = world.base_url + world.receiver_path  # any URL answering 200 will do
    created = client.post(reverse("webhooks:create"), form, headers=htmx)
    assert "created" in created.headers["HX-Trigger"]
    webhook = Webhook.objects.get(name="Ops feed")
    department = str(world.org.departments.first().pk)
    assert webhook.subscriptions == {
        "Ticket_Add": {"departmentIds": [department]},
        "Ticket_Update": {
            "departmentIds": [department],
            "fields": ["status", "priority"],
            "includePrevState": True,
        },
    }
    too_many = {**form, "update_fields": "a, b, c, d, e, f"}
    page = client.post(
        reverse("webhooks:edit", args=[str(webhook.pk)]), too_many, headers=htmx
    ).content.decode()
    assert "at most 5 fields" in page
    client.post(reverse("webhooks:edit", args=[str(webhook.pk)]), {**form, "name": "Ops"}, headers=htmx)
    client.post(reverse("webhooks:toggle", args=[str(webhook.pk)]), {"enabled": "0"}, headers=htmx)
    webhook.refresh_from_db()
    assert (webhook.name, webhook.is_enabled) == ("Ops", False)
    client.post(reverse("webhooks:delete", args=[str(webhook.pk)]), headers=htmx)
    assert not Webhook.objects.filter(pk=webhook.pk).exists()
    assert client.post(reverse("webhooks:delete", args=["424242"]), headers=htmx).status_code == 404


def test_delivery_log_filters_and_replays(world, admin_user):
    ticket = Ticket.objects.filter(connection=world.connection).first()
    assert world.post([ticket_event({**ticket.raw, "subject": "logged"})]).status_code == 200
    assert world.post([ticket_event(ticket.raw)], token="bad").status_code == 401
    client = _admin_client(admin_user, world)
    done = Delivery.objects.get(status="done")
    rejected = client.get(reverse("webhooks:deliveries"), {"status": "rejected"}).content.decode()
    assert "Rejected (401)" in rejected and f'data-delivery="{done.pk}"' not in rejected
    by_event = client.get(reverse("webhooks:deliveries"), {"event": "Ticket_Update"}).content.decode()
    assert f'data-delivery="{done.pk}"' in by_event
    page = client.get(reverse("webhooks:list")).content.decode()
    assert "Last delivery" in page and "data-last-delivery><time" in page  # "12 seconds ago"
    response = client.post(reverse("webhooks:replay", args=[done.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    replay = Delivery.objects.get(replay_of=done)
    assert (replay.status, replay.signature, replay.unchanged) == ("done", "replay", 1)  # applied once only


def test_version_stamp_moves_when_the_mirror_changes(world, admin_user):
    client = _admin_client(admin_user, world)
    before = client.get(reverse("webhooks:live")).json()["version"]
    assert client.get(reverse("webhooks:live")).json()["version"] == before  # nothing changed: same stamp
    ticket = Ticket.objects.filter(connection=world.connection).first()
    assert world.post([ticket_event({**ticket.raw, "subject": "moved"})]).status_code == 200
    assert client.get(reverse("webhooks:live")).json()["version"] != before
