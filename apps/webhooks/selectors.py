"""Webhook reads, from DeskAdmin's own tables only (never a Desk call): the page's state, the delivery log with
its filters, and health figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.webhooks.models import Delivery, Endpoint, Subscription
from apps.webhooks.services import edition_limit, no_webhooks_message, receiver_url

LOG_PAGE = 50


@dataclass(frozen=True)
class Health:
    last_delivery_at: datetime | None
    last_rejected_at: datetime | None
    received_24h: int
    failed_24h: int
    rejected_24h: int
    queued: int
    gap_since: datetime | None
    healthy: bool


def endpoint_of(connection: DeskConnection) -> Endpoint | None:
    return Endpoint.objects.filter(connection=connection).first()


def subscriptions_of(connection: DeskConnection) -> list[Subscription]:
    return list(Subscription.objects.filter(connection=connection).order_by("created_at"))


def health_of(connection: DeskConnection, endpoint: Endpoint | None) -> Health:
    since = timezone.now() - timedelta(hours=24)
    counts = Delivery.objects.filter(connection=connection, received_at__gte=since).aggregate(
        received=Count("pk", filter=~Q(status=Delivery.Status.REJECTED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        rejected=Count("pk", filter=Q(status=Delivery.Status.REJECTED)),
    )
    queued = Delivery.objects.filter(
        connection=connection, status__in=[Delivery.Status.PENDING, Delivery.Status.PROCESSING]
    ).count()
    active = Subscription.objects.filter(connection=connection, status=Subscription.Status.ACTIVE).exists()
    gap = endpoint.gap_since if endpoint else None
    if gap is not None and connection.last_synced_at is not None and connection.last_synced_at >= gap:
        gap = None
    return Health(
        last_delivery_at=endpoint.last_delivery_at if endpoint else None,
        last_rejected_at=endpoint.last_rejected_at if endpoint else None,
        received_24h=counts["received"],
        failed_24h=counts["failed"],
        rejected_24h=counts["rejected"],
        queued=queued,
        gap_since=gap,
        healthy=active and gap is None and not counts["failed"],
    )


@dataclass(frozen=True)
class LogFilters:
    status: str = ""
    signature: str = ""
    event: str = ""


def deliveries_for_log(connection: DeskConnection, filters: LogFilters) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(connection=connection).defer("body")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.signature:
        rows = rows.filter(signature=filters.signature)
    if filters.event:
        rows = rows.filter(event_types__contains=filters.event)
    return rows.order_by("-received_at", "-pk")


def delivery_for(connection: DeskConnection, pk: int) -> Delivery | None:
    return Delivery.objects.filter(connection=connection, pk=pk).select_related("connection").first()


@dataclass(frozen=True)
class PageState:
    endpoint: Endpoint | None
    receiver_url: str
    limit: int | None
    no_webhooks: str  # the plain sentence for editions without webhooks ("" otherwise)
    subscriptions: list[Subscription]
    lost: list[Subscription]  # ours, deleted or disabled on Desk: offered for re-subscription
    desk_webhooks: list[dict]
    enabled_count: int


def page_state(connection: DeskConnection) -> PageState:
    endpoint = endpoint_of(connection)
    limit = edition_limit(connection)
    subscriptions = subscriptions_of(connection)
    ours = {s.desk_id for s in subscriptions}
    webhooks = [
        {**w, "ours": w.get("id") in ours, "events": sorted((w.get("subscriptions") or {}).keys())}
        for w in (endpoint.desk_webhooks if endpoint else [])
    ]
    return PageState(
        endpoint=endpoint,
        receiver_url=receiver_url(endpoint) if endpoint else "",
        limit=limit,
        no_webhooks=no_webhooks_message(connection) if limit == 0 else "",
        subscriptions=subscriptions,
        lost=[s for s in subscriptions if s.status != Subscription.Status.ACTIVE],
        desk_webhooks=webhooks,
        enabled_count=sum(1 for w in webhooks if w.get("is_enabled")),
    )
