"""Push health for the sync scheduler (``apps.mirror.freshness``): healthy webhooks let the scheduled sync wait
longer; a gap (our webhook gone or disabled on Desk, a rejected or failed delivery) makes one sync due."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.mirror.freshness import PushHealth
from apps.webhooks.models import Endpoint, Subscription


def push_health(connection: DeskConnection) -> PushHealth:
    endpoint = Endpoint.objects.filter(connection=connection).first()
    if endpoint is None:
        return PushHealth()
    _check_now_and_then(connection, endpoint)
    gap = endpoint.gap_since
    if gap is not None and connection.last_synced_at is not None and connection.last_synced_at >= gap:
        gap = None  # a sync ran after it: whatever was missed is in the mirror
    active = Subscription.objects.filter(connection=connection, status=Subscription.Status.ACTIVE).exists()
    rejected_last = endpoint.last_rejected_at is not None and (
        endpoint.last_delivery_at is None or endpoint.last_rejected_at > endpoint.last_delivery_at
    )
    healthy = active and gap is None and not rejected_last
    delay = max(0, settings.WEBHOOKS_SYNC_INTERVAL_SECONDS - settings.SYNC_INTERVAL_SECONDS)
    return PushHealth(healthy=healthy, delay_seconds=delay if healthy else 0, gap_since=gap)


def _check_now_and_then(connection: DeskConnection, endpoint: Endpoint) -> None:
    """Desk deletes or disables webhooks without telling us: look (one list call) every WEBHOOKS_CHECK_SECONDS."""
    period = settings.WEBHOOKS_CHECK_SECONDS
    if not period or not Subscription.objects.filter(connection=connection).exists():
        return
    if endpoint.checked_at is not None and timezone.now() - endpoint.checked_at < timedelta(seconds=period):
        return
    if not cache.add(f"webhooks:check-queued:{connection.pk}", 1, period):
        return
    from apps.webhooks.tasks import subscriptions_check_task

    subscriptions_check_task.enqueue(connection.pk)
