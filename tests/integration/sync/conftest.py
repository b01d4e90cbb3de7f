"""Fixtures for sync tests: a seeded sandbox org on the live server and a DeskConnection with real tokens."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache

from apps.connections.models import DeskConnection
from apps.desk.metering import CreditMeter
from apps.desk.transport import transports_for_tests
from apps.sync import engine
from tests.support.sandbox import SCOPES as SCOPE_LIST
from tests.support.sandbox import connect_sandbox_org

SCOPES = ",".join(SCOPE_LIST)


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


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(engine, "sleep", slept.append)
    return slept


@pytest.fixture
def make_world(live_server, no_sleep):
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
        # Every Desk client built without a transport (the sync's, the services') sends through the meter.
        metering.enter_context(transports_for_tests("desk", world.meter))
        world.clear_log()
        return world

    with contextlib.ExitStack() as metering:
        yield make
    cache.clear()


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
