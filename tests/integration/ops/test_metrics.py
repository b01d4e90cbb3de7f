"""/metrics: off without a token, 401 with a wrong one, and with the right one every family the operator's
dashboard reads (requests by view, Desk calls by operation and outcome, credits and in-flight per org, sync
lag, task queue, token refresh failures, webhook gauges) with its labels, after real calls to the sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.connections.tokens import ConnectionUnavailable, refresh_connection_token
from apps.ops import hooks
from apps.sync.engine import sync_run
from apps.sync.tasks import sync_tick
from apps.webhooks.models import Delivery

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

TOKEN = "metrics-scrape-token-for-tests"


def scrape(client: Client, token: str | None = TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get(reverse("ops:metrics"), **headers)


def value(text: str, name: str, **labels: str) -> float | None:
    """The sample ``name{labels...}`` (labels in any order, others allowed) or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if all(found.get(key) == wanted for key, wanted in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_the_endpoint_is_off_without_a_token_and_refuses_a_wrong_one(client, settings):
    settings.OPS_METRICS_TOKEN = ""
    assert scrape(client).status_code == 404
    settings.OPS_METRICS_TOKEN = TOKEN
    assert scrape(client, token=None).status_code == 401
    refused = scrape(client, token="wrong")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN.encode() not in refused.content


def test_every_family_with_its_labels_after_real_desk_calls(make_world, client, settings, admin_user):
    settings.OPS_METRICS_TOKEN = TOKEN
    world = make_world(tickets=3)
    org = world.connection.org_id
    assert sync_run(world.connection).finished
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sync_tick.enqueue()  # one ready task on the queue (no worker runs it here)
    client.force_login(admin_user)
    assert client.get(reverse("sync:status")).status_code == 200
    # A refresh token Desk no longer accepts: the connection needs re-consent, and the failure is counted.
    world.connection.set_refresh_token("1000.0123456789abcdef0123.fedcba9876543210fedc")
    world.connection.save()
    with pytest.raises(ConnectionUnavailable):
        refresh_connection_token(
            connection_id=world.connection.pk, rejected=world.connection.get_access_token()
        )
    hooks.webhook_delivery(outcome="done", lag_s=1.5)
    now = timezone.now()
    Delivery.objects.create(connection=world.connection, signature=Delivery.Signature.VALID)  # waiting
    Delivery.objects.create(
        connection=world.connection,
        signature=Delivery.Signature.VALID,
        status=Delivery.Status.DONE,
        received_at=now - timedelta(seconds=4),
        processed_at=now,
    )
    Delivery.objects.create(
        connection=world.connection, signature=Delivery.Signature.INVALID, status=Delivery.Status.REJECTED
    )

    answer = scrape(Client())
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()

    assert value(text, "deskadmin_http_requests_total", view="sync:status", method="GET", status="200") >= 1
    assert value(text, "deskadmin_http_request_duration_seconds_count", view="sync:status", method="GET") >= 1
    assert value(text, "deskadmin_desk_calls_total", operation="GET /tickets/search", outcome="ok") >= 1
    assert value(text, "deskadmin_desk_call_duration_seconds_count", operation="GET /tickets/search") >= 1
    assert value(text, "deskadmin_desk_credits_charged_total", org=org, priority="background") >= 3
    assert value(text, "deskadmin_desk_credits_used_today", org=org) >= 3
    assert value(text, "deskadmin_desk_credits_left", org=org) > 0
    assert value(text, "deskadmin_desk_calls_in_flight", org=org) == 0
    assert value(text, "deskadmin_desk_concurrency_cap", org=org) >= 5
    assert 0 <= value(text, "deskadmin_sync_lag_seconds", org=org) < 3600
    assert value(text, "deskadmin_sync_running", org=org) == 0
    assert value(text, "deskadmin_task_queue_depth", queue="default") >= 1
    assert value(text, "deskadmin_task_queue_oldest_age_seconds", queue="default") >= 0
    assert value(text, "deskadmin_tasks_running", queue="default") == 0
    assert value(text, "deskadmin_token_refresh_failures_total", reason="invalid_grant") >= 1
    assert value(text, "deskadmin_webhook_deliveries_total", outcome="done") >= 1
    assert value(text, "deskadmin_webhook_delivery_lag_seconds_count") >= 1
    assert value(text, "deskadmin_webhook_backlog", org=org) == 1
    assert value(text, "deskadmin_webhook_backlog_oldest_age_seconds", org=org) >= 0
    assert value(text, "deskadmin_webhook_failures_last_hour", org=org) == 1
    assert 3 <= value(text, "deskadmin_webhook_delivery_lag_seconds_max", org=org) <= 5
    assert value(text, "deskadmin_metrics_source_errors") == 0
    # Nothing secret-shaped, and no object id or query in an operation label.
    assert "1000." not in text and "Zoho-oauthtoken" not in text
    assert not re.search(r'operation="[^"]*\d{6,}', text)
