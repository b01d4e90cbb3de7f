"""Fixtures for webhook tests: a seeded sandbox org on the live server, connected, synced once, and subscribed
(Desk's URL check reaches the receiver on the live server); helpers to sign deliveries as Desk does."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.webhooks import services, verify
from apps.webhooks.models import Delivery, Endpoint
from tests.support.sandbox import connect_sandbox_org


@dataclass
class World:
    connection: DeskConnection
    org: Any  # apps.sandbox.models.Org
    webhook_id: str
    base_url: str

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint.objects.get(connection=self.connection)

    @property
    def receiver_path(self) -> str:
        return reverse("webhooks:receive", args=[self.endpoint.token])

    def token(self, **claims: Any) -> str:
        """A delivery token signed with the sandbox's current key; ``claims`` override Desk's."""
        from apps.sandbox import webhooks_out

        key = webhooks_out.signing_keys()[-1]
        now = timezone.now()
        values = {
            "iss": f"orgId:{self.org.pk}",
            "aud": f"webhookId:{self.webhook_id}",
            "iat": int(now.timestamp()),
            "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
            **claims,
        }
        kid = values.pop("kid", key.kid)
        return jwt.encode(values, key.private_key(), algorithm="RS256", headers={"kid": kid})

    def post(self, events: list[dict[str, Any]], *, token: str | None = None, client: Client | None = None):
        body = json.dumps(events)
        return (client or Client()).post(
            self.receiver_path,
            data=body,
            content_type="application/json",
            headers={"X-ZDesk-JWT": self.token() if token is None else token},
        )

    def sandbox_client(self) -> httpx.Client:
        """Someone else changing the org on Desk (no DeskAdmin sourceId)."""
        from apps.sandbox import oauth

        issued = oauth.tokens_issue(
            client=oauth.demo_client_ensure(),
            user=oauth.demo_user_ensure(),
            org=self.org,
            scopes=["Desk.tickets.ALL", "Desk.contacts.ALL", "Desk.basic.ALL"],
        )
        return httpx.Client(
            base_url=f"{self.base_url}/sandbox/desk/api/v1",
            headers={"Authorization": f"Zoho-oauthtoken {issued.access_token}", "orgId": str(self.org.pk)},
            timeout=10,
        )

    def api_paths(self) -> list[str]:
        from apps.sandbox.models import RequestLog

        rows = RequestLog.objects.filter(kind="api", org_id=str(self.org.pk)).values_list("method", "path")
        return [f"{method} {path.rsplit('/api/v1', 1)[-1]}" for method, path in rows]

    def clear_log(self) -> None:
        from apps.sandbox.models import RequestLog

        RequestLog.objects.all().delete()

    def deliveries(self) -> list[Delivery]:
        return list(Delivery.objects.filter(connection=self.connection).order_by("pk"))


def ticket_event(payload: dict[str, Any], event_type: str = "Ticket_Update") -> dict[str, Any]:
    return {"eventType": event_type, "eventTime": "1767225600000", "orgId": "", "payload": payload}


@pytest.fixture
def world(live_server, settings) -> World:
    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine

    cache.clear()
    verify.forget_keys()
    settings.SITE_URL = live_server.url
    seed_sandbox(tickets=8, orgs=DEFAULT_ORGS[:1], seed=11)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(
        per_minute_limit=100_000, daily_limit=10_000_000, edition="enterprise"
    )
    org.refresh_from_db()
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    DeskConnection.objects.filter(pk=connection.pk).update(edition="enterprise")
    connection.refresh_from_db()
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    result = services.subscription_ensure(connection=connection, actor=None)
    world = World(connection=connection, org=org, webhook_id=result.webhook_id, base_url=live_server.url)
    world.clear_log()
    yield world
    cache.clear()
