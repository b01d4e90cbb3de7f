"""Fixtures for sync tests: a seeded sandbox org on the live server and a DeskConnection with real tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from apps.connections import oauth
from apps.connections.models import DeskConnection
from apps.sync import engine
from apps.sync.metering import CreditMeter

SCOPES = "Desk.tickets.ALL,Desk.contacts.ALL,Desk.basic.ALL,Desk.settings.ALL,Desk.search.READ"


@dataclass
class SyncWorld:
    connection: DeskConnection
    org: object  # apps.sandbox.models.Org
    # Every Desk client the sync builds goes through it: credits as the sandbox charged them (v3 header).
    meter: CreditMeter = field(default_factory=CreditMeter)

    @property
    def credits(self) -> int:
        return self.meter.credits

    def api_calls(self, *, path_suffix: str | None = None) -> int:
        from apps.sandbox.models import RequestLog

        calls = RequestLog.objects.filter(kind="api", org_id=str(self.org.pk))
        if path_suffix is not None:
            calls = calls.filter(path__endswith=path_suffix)
        return calls.count()

    def calls_by_path(self) -> dict[str, int]:
        from collections import Counter

        from apps.sandbox.models import RequestLog

        paths = RequestLog.objects.filter(kind="api", org_id=str(self.org.pk)).values_list("path", flat=True)
        return dict(Counter(p.rsplit("/api/v1", 1)[-1] for p in paths))

    def clear_log(self) -> None:
        from apps.sandbox.models import RequestLog

        RequestLog.objects.all().delete()
        self.meter.reset()


def connect_sandbox_org(*, org, base_url: str, scopes: str = SCOPES) -> DeskConnection:
    """A DeskConnection to a sandbox org, with tokens from the sandbox's own accounts server."""
    out = StringIO()
    call_command("sandbox_self_client", org=str(org.pk), scope=scopes, base_url=base_url, stdout=out)
    grant = json.loads(out.getvalue())
    tokens = oauth.exchange_code(
        accounts_url=grant["accounts_url"],
        client_id=grant["client_id"],
        client_secret=grant["client_secret"],
        redirect_uri="",
        code=grant["code"],
    )
    connection = DeskConnection(
        org_id=str(org.pk),
        org_name=org.company_name,
        edition=org.edition,
        data_center="sandbox",
        accounts_url=grant["accounts_url"],
        api_domain=tokens.api_domain,
        client_id=grant["client_id"],
        grant_id=f"sandbox-{org.pk}",
        scopes=scopes.split(","),
    )
    connection.set_client_secret(grant["client_secret"])
    connection.set_refresh_token(tokens.refresh_token)
    connection.set_access_token(tokens.access_token, expires_at=timezone.now() + timedelta(hours=1))
    connection.save()
    return connection


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(engine, "sleep", slept.append)
    return slept


@pytest.fixture
def make_world(live_server, no_sleep, monkeypatch):
    """make_world(tickets=N) seeds one sandbox org with N tickets and connects it (API limits raised)."""
    from apps.sandbox.models import Org
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    cache.clear()

    def make(*, tickets: int, per_minute_limit: int = 100_000, scopes: str = SCOPES) -> SyncWorld:
        seed_sandbox(tickets=tickets, orgs=DEFAULT_ORGS[:1], seed=11)
        org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
        Org.objects.filter(pk=org.pk).update(per_minute_limit=per_minute_limit, daily_limit=10_000_000)
        org.refresh_from_db()
        connection = connect_sandbox_org(org=org, base_url=live_server.url, scopes=scopes)
        world = SyncWorld(connection=connection, org=org)
        _meter_clients(monkeypatch, world.meter)
        world.clear_log()
        return world

    yield make
    cache.clear()


def _meter_clients(monkeypatch, meter: CreditMeter) -> None:
    """Make every client ``desk_client_for`` builds send through the meter."""
    from apps.connections import services

    real = services.desk_client_for

    def metered(connection, *, priority="interactive", transport=None):
        return real(connection, priority=priority, transport=transport or meter)

    monkeypatch.setattr(services, "desk_client_for", metered)


def seed_tickets_at(org, *, count: int, start, spread_ms: int, department_ids=None):
    """``count`` sandbox tickets created within ``spread_ms`` milliseconds from ``start`` (bulk_create: fast)."""
    from datetime import timedelta as _td

    from apps.sandbox import models as sandbox

    departments = list(sandbox.Department.objects.filter(org=org).order_by("pk"))
    if department_ids is not None:
        departments = [d for d in departments if d.pk in department_ids]
    number = (
        sandbox.Ticket.objects.filter(org=org)
        .order_by("-ticket_number")
        .values_list("ticket_number", flat=True)
        .first()
        or 0
    )
    ids = sandbox.next_ids(org, count)
    rows = []
    for index, desk_id in enumerate(ids):
        moment = start + _td(milliseconds=(index * spread_ms) // max(1, count))
        rows.append(
            sandbox.Ticket(
                id=desk_id,
                org=org,
                ticket_number=number + index + 1,
                subject=f"Bulk ticket {index}",
                department=departments[index % len(departments)],
                created_time=moment,
                modified_time=moment,
            )
        )
    sandbox.Ticket.objects.bulk_create(rows, batch_size=1000)
    sandbox.IdSequence.objects.filter(org=org, name="ticketNumber").update(value=number + count)
    return [str(i) for i in ids]
