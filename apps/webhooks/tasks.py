"""Background tasks (django.tasks, run by `manage.py db_worker`): applying deliveries, keeping subscriptions."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.tasks import task

from apps.webhooks import processing

logger = logging.getLogger(__name__)


def _queued_key(connection_id: int) -> str:
    return f"webhooks:queued:{connection_id}"


@task(queue_name="default")
def process_deliveries_task(connection_id: int) -> int:
    """Apply the connection's queued deliveries. The flag goes first, so a delivery stored from now on queues
    another run, and one stored before is picked up by this one."""
    cache.delete(_queued_key(connection_id))
    return processing.process_pending(connection_id)


def enqueue_processing(connection_id: int) -> None:
    """Queue processing once for a burst: deliveries arriving while a run is queued ride along with it."""
    if not cache.add(_queued_key(connection_id), 1, 120):
        return
    try:
        process_deliveries_task.enqueue(connection_id)
    except Exception:  # stored already: the next delivery, or the page's replay, queues it again
        cache.delete(_queued_key(connection_id))
        logger.exception("webhooks: could not queue processing for connection %s", connection_id)


@task(queue_name="default")
def subscriptions_ensure_task(connection_id: int) -> str:
    """On connect: subscribe the events the mirror needs (when the edition allows webhooks)."""
    from apps.connections.models import DeskConnection
    from apps.webhooks import services

    connection = DeskConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_usable:
        return "not usable"
    try:
        return services.subscription_ensure(connection=connection, actor=None).outcome
    except services.WebhooksError as exc:
        return str(exc)


@task(queue_name="default")
def subscriptions_check_task(connection_id: int) -> str:
    """Now and then: are DeskAdmin's webhooks still there and enabled on Desk? (one list call, 3 credits)."""
    from apps.connections.models import DeskConnection
    from apps.webhooks import services

    connection = DeskConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_usable:
        return "not usable"
    try:
        services.webhooks_refresh(connection=connection)
    except services.WebhooksError as exc:
        return str(exc)
    return "checked"
