"""Fixtures for ticket tests: a seeded sandbox org on the live server, connected and synced once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from tests.conftest import PASSWORD
from tests.support.sandbox import connect_sandbox_org  # tests/browser/test_tickets.py imports it from here


@dataclass
class World:
    connection: DeskConnection
    org: object  # apps.sandbox.models.Org

    def api_calls(self) -> int:
        from apps.sandbox.models import RequestLog

        return RequestLog.objects.filter(kind="api", org_id=str(self.org.pk)).count()

    def api_paths(self) -> list[str]:
        from apps.sandbox.models import RequestLog

        rows = RequestLog.objects.filter(kind="api", org_id=str(self.org.pk)).values_list("method", "path")
        return [f"{method} {path.rsplit('/api/v1', 1)[-1]}" for method, path in rows]

    def clear_log(self) -> None:
        from apps.sandbox.models import RequestLog

        RequestLog.objects.all().delete()

    def sandbox_ticket(self, desk_id: str):
        from apps.sandbox.models import Ticket

        return Ticket.objects.get(pk=int(desk_id))


def fill_support_addresses(connection: DeskConnection) -> None:
    """What the console does after the connect-time sync: mirror the From addresses if none are yet."""
    from apps.connections.services import desk_client_for
    from apps.team.selectors import support_addresses_mirrored
    from apps.team.services import support_addresses_refresh

    if not support_addresses_mirrored(connection):
        with desk_client_for(connection) as client:
            support_addresses_refresh(connection, client)


@pytest.fixture
def world(live_server, settings) -> World:
    """One sandbox org (30 tickets) connected and synced into the mirror; the request log then cleared."""
    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine

    cache.clear()
    seed_sandbox(tickets=30, orgs=DEFAULT_ORGS[:1], seed=7)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
    org.refresh_from_db()
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    engine.sync_state_for(connection)
    report = engine.sync_run(connection)
    assert report.finished, report.error
    connection.refresh_from_db()
    fill_support_addresses(connection)
    result = World(connection=connection, org=org)
    result.clear_log()
    yield result
    cache.clear()


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def member(world):
    """member(user) gives a console user access to the world's org and returns a signed-in client."""

    def make(user) -> Client:
        OrgMembership.objects.get_or_create(user=user, org_id=world.connection.org_id)
        return signed_in(user)

    return make
