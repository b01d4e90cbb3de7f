"""Disconnecting an org deletes DeskAdmin's webhooks on Desk first (the recorded one and any stray pointing at
its receiver, never the org's other webhooks); when Desk refuses, the org is disconnected all the same and the
page names the webhook left behind and where to delete it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry
from apps.webhooks.models import Subscription

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _disconnect(world, admin_user) -> str:
    client = Client()
    client.force_login(admin_user)
    url = reverse("connections:disconnect", args=[world.connection.pk])
    return client.post(url, follow=True).content.decode()


def _sandbox_webhook(world, pk: int, url: str):
    from apps.sandbox.models import Webhook

    return Webhook.objects.create(id=pk, org=world.org, name=f"hook {pk}", url=url, subscriptions={})


def test_disconnect_deletes_deskadmins_webhooks_on_desk_and_no_other(world, admin_user):
    from apps.sandbox.models import Webhook

    receiver = world.base_url + world.receiver_path
    _sandbox_webhook(world, 990001, receiver)  # a stray: a create whose answer was lost, say
    _sandbox_webhook(world, 990002, "https://ops.example.com/feed")  # the org's own, not DeskAdmin's
    page = _disconnect(world, admin_user)
    assert "is disconnected" in page and "Left to do by hand" not in page
    assert list(Webhook.objects.filter(org=world.org).values_list("url", flat=True)) == [
        "https://ops.example.com/feed"
    ]
    assert not Subscription.objects.filter(connection=world.connection).exists()
    deleted = AuditEntry.objects.filter(action="webhook.delete", outcome="success")
    assert sorted(deleted.values_list("target_id", flat=True)) == sorted([world.webhook_id, "990001"])


def test_a_webhook_desk_will_not_delete_is_named_with_where_to_delete_it(world, admin_user, settings):
    from apps.sandbox.models import Org, Webhook

    settings.DESK_BACKOFF_BASE = settings.DESK_BACKOFF_CAP = 0
    Org.objects.filter(pk=world.org.pk).update(error_rate=1.0)  # every API call answers 500 or 503
    page = _disconnect(world, admin_user)
    world.connection.refresh_from_db()
    assert world.connection.status == DeskConnection.Status.DISCONNECTED
    assert not world.connection.has_refresh_token
    assert "is disconnected" in page and "Left to do by hand" in page
    assert f"could not delete its webhook “DeskAdmin mirror” (id {world.webhook_id})" in page
    assert "Setup → Developer Space → Webhooks" in page
    assert Webhook.objects.filter(pk=int(world.webhook_id)).exists()
    assert AuditEntry.objects.filter(action="webhook.delete", outcome="failure").exists()
